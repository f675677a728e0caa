package dev.inferq.gateway.limits;

import dev.inferq.gateway.GatewayProperties;
import dev.inferq.gateway.problems.ApiException;
import dev.inferq.gateway.problems.BodyTooLargeException;
import dev.inferq.gateway.problems.ProblemResponses;
import dev.inferq.gateway.problems.ProblemType;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.HttpHandler;
import org.springframework.http.server.reactive.HttpHandlerDecoratorFactory;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

/**
 * Refuses a body over its route's limit ({@link BodyLimits}) before anything of it is kept, around the whole web
 * handler (before the exchange exists, so that the request every reader of the body gets, the multipart reader's
 * included, is the bounded one): one that announces more ({@code Content-Length}) is answered 413 at once, before
 * authentication and routing, after reading and dropping up to 2 MB of it (so that a client that sent a little too
 * much reads the answer rather than a reset); one sent
 * in chunks fails as soon as its count passes the limit, whatever decoder reads it. Bodies larger than
 * {@code other-body-max-bytes} are read whole before they are checked (an image, 64 texts): together they hold at most
 * {@code buffered-body-bytes}, and one more is answered 503 with {@code Retry-After}. A multipart body is read and
 * its parts counted here, before any parser sees it ({@link #multipart}).
 */
@Component
class BodyLimitsHandler implements HttpHandlerDecoratorFactory {

    static final String BUDGET_SETTING = LimitsProperties.PREFIX + "buffered-body-bytes";
    /** How much of a refused body is read before the answer, at most. */
    static final long DRAINED_BYTES = 2 * 1024 * 1024;
    static final String MAX_PARTS_SETTING = LimitsProperties.PREFIX + "multipart.max-parts";

    private final BodyLimits limits;
    private final JsonMapper json;
    private final long budget;
    private final long smallBody;
    private final Duration retryAfter;
    private final int maxParts;
    private final AtomicLong buffered = new AtomicLong();

    BodyLimitsHandler(BodyLimits limits, JsonMapper json, LimitsProperties properties, GatewayProperties gateway) {
        this.limits = limits;
        this.json = json;
        this.budget = properties.bufferedBodyBudget();
        this.smallBody = properties.otherBodyMaxBytes().toBytes();
        this.retryAfter = gateway.retryAfter();
        this.maxParts = properties.multipart().maxParts();
    }

    @Override
    public HttpHandler apply(HttpHandler handler) {
        return (request, response) -> handle(handler, request, response);
    }

    private Mono<Void> handle(HttpHandler handler, ServerHttpRequest request, ServerHttpResponse response) {
        BodyLimits.Limit limit = limits.of(request.getMethod(), request.getPath().pathWithinApplication().value(),
                contentType(request.getHeaders()));
        long announced = request.getHeaders().getContentLength();
        if (announced > limit.bytes()) {
            response.getHeaders().set(HttpHeaders.CONNECTION, "close");
            ApiException problem = ApiException.tooLarge("the request body has " + announced + " bytes; this route"
                    + " takes at most " + limit.bytes(), limit.setting());
            return drainThen(request, ProblemResponses.write(json, request, response, problem));
        }
        MediaType type = contentType(request.getHeaders());
        String boundary = type != null && MediaType.MULTIPART_FORM_DATA.isCompatibleWith(type)
                ? type.getParameter("boundary") : null;
        // Large bodies are read whole before they are checked: together they stay within the budget.
        long reserved = announced >= 0 ? announced : limit.bytes();
        if (reserved > smallBody && buffered.addAndGet(reserved) > budget) {
            buffered.addAndGet(-reserved);
            response.getHeaders().set(HttpHeaders.CONNECTION, "close");
            ApiException problem = ApiException.limit(HttpStatus.SERVICE_UNAVAILABLE, ProblemType.UNAVAILABLE,
                    "this gateway holds as many large request bodies as it may at once; retry later", BUDGET_SETTING,
                    retryAfter);
            return drainThen(request, ProblemResponses.write(json, request, response, problem));
        }
        Mono<Void> handled = boundary != null
                ? multipart(handler, request, response, limit, new PartCounter(unquoted(boundary)))
                : handler.handle(announced >= 0 ? request : new Counted(request, limit), response);
        return reserved > smallBody ? handled.doFinally(signal -> buffered.addAndGet(-reserved)) : handled;
    }

    /**
     * A multipart body is read whole here, within its limit, and its parts counted ({@link PartCounter}) before
     * Spring's multipart parser sees any of it: that parser, failing halfway through a body (its own cap on parts, or
     * an error from upstream), releases some buffers twice, which corrupts Netty's pooled memory. Here a body over
     * its limit or its parts is released by this filter alone and refused with 413; the parser gets whole bodies.
     */
    private Mono<Void> multipart(HttpHandler handler, ServerHttpRequest request, ServerHttpResponse response,
            BodyLimits.Limit limit, PartCounter counter) {
        AtomicLong seen = new AtomicLong();
        return request.getBody()
                .<DataBuffer>handle((buffer, sink) -> {
                    if (seen.addAndGet(buffer.readableByteCount()) > limit.bytes()) {
                        // Not passed on: discarded, so released by the hook below, as are the ones collected.
                        sink.error(new BodyTooLargeException("the request body has more than " + limit.bytes()
                                + " bytes, the most this route takes", limit.setting()));
                    } else {
                        sink.next(buffer);
                    }
                })
                .collectList()
                .doOnDiscard(DataBuffer.class, DataBufferUtils::release)
                .flatMap(buffers -> {
                    long parts = 0;
                    for (DataBuffer buffer : buffers) {
                        parts = counter.parts(buffer);
                    }
                    if (parts > maxParts + 1) {
                        buffers.forEach(DataBufferUtils::release);
                        return Mono.error(new BodyTooLargeException("the multipart body has " + (parts - 1)
                                + " parts, more than " + maxParts + "; an upload has one, 'file'", MAX_PARTS_SETTING));
                    }
                    Replayed replayed = new Replayed(request, buffers);
                    return handler.handle(replayed, response).doFinally(signal -> replayed.releaseUnread());
                })
                .onErrorResume(BodyTooLargeException.class, tooLarge -> {
                    response.getHeaders().set(HttpHeaders.CONNECTION, "close");
                    return ProblemResponses.write(json, request, response,
                            ApiException.tooLarge(tooLarge.getMessage(), tooLarge.setting()));
                });
    }

    /**
     * Reads up to {@value #DRAINED_BYTES} bytes of the body and drops them, then answers (and closes): a client that
     * sent a little too much reads the answer rather than a reset; one that sends far too much is not read to its end.
     */
    private static Mono<Void> drainThen(ServerHttpRequest request, Mono<Void> answer) {
        AtomicLong drained = new AtomicLong();
        // map, not doOnNext: what follows sees no buffer, so no discard hook can release one again.
        return request.getBody().map(buffer -> drained.addAndGet(releasing(buffer)))
                .takeUntil(total -> total > DRAINED_BYTES).then().onErrorComplete()
                .then(Mono.defer(() -> answer));
    }

    /** The request's media type; null when it has none, or one Spring will refuse with 415 later. */
    private static MediaType contentType(HttpHeaders headers) {
        try {
            return headers.getContentType();
        } catch (RuntimeException e) {
            // Refused by Spring's own 415, or before (MediaTypeHeaders)
            return null;
        }
    }

    private static String unquoted(String boundary) {
        return boundary.length() > 1 && boundary.startsWith("\"") && boundary.endsWith("\"")
                ? boundary.substring(1, boundary.length() - 1) : boundary;
    }

    private static long releasing(DataBuffer buffer) {
        long size = buffer.readableByteCount();
        DataBufferUtils.release(buffer);
        return size;
    }

    /** A body without a length, failing once it passes the limit. */
    private static final class Counted extends ServerHttpRequestDecorator {

        private final BodyLimits.Limit limit;

        Counted(ServerHttpRequest request, BodyLimits.Limit limit) {
            super(request);
            this.limit = limit;
        }

        @Override
        public Flux<DataBuffer> getBody() {
            return Flux.defer(() -> {
                AtomicLong seen = new AtomicLong();
                return super.getBody().handle((buffer, sink) -> {
                    // The buffer goes on either way, so that whoever reads the body releases it (on the error too).
                    sink.next(buffer);
                    if (seen.addAndGet(buffer.readableByteCount()) > limit.bytes()) {
                        sink.error(new BodyTooLargeException("the request body has more than " + limit.bytes()
                                + " bytes, the most this route takes", limit.setting()));
                    }
                });
            });
        }
    }

    /** A body read already, given to its reader once; released here if no one read it (a refused request). */
    private static final class Replayed extends ServerHttpRequestDecorator {

        private final List<DataBuffer> buffers;
        private final AtomicBoolean read = new AtomicBoolean();

        Replayed(ServerHttpRequest request, List<DataBuffer> buffers) {
            super(request);
            this.buffers = buffers;
        }

        @Override
        public Flux<DataBuffer> getBody() {
            return Flux.defer(() -> read.compareAndSet(false, true) ? Flux.fromIterable(buffers) : Flux.empty());
        }

        void releaseUnread() {
            if (read.compareAndSet(false, true)) {
                buffers.forEach(DataBufferUtils::release);
            }
        }
    }
}
