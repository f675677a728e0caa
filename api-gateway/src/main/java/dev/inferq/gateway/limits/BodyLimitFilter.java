package dev.inferq.gateway.limits;

import dev.inferq.gateway.GatewayProperties;
import dev.inferq.gateway.problems.ApiException;
import dev.inferq.gateway.problems.BodyTooLargeException;
import dev.inferq.gateway.problems.ProblemResponses;
import dev.inferq.gateway.problems.ProblemType;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.InvalidMediaTypeException;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

/**
 * Refuses a body over its route's limit ({@link BodyLimits}) before anything of it is kept: one that announces more
 * ({@code Content-Length}) is answered 413 at once, before authentication and routing, and its bytes are read and
 * dropped as they come (so that the client reads the answer rather than a reset, within the body timeouts); one sent
 * in chunks fails as soon as its count passes the limit, whatever decoder reads it. Bodies larger than
 * {@code other-body-max-bytes} are read whole before they are checked (an image, 64 texts): together they hold at most
 * {@code buffered-body-bytes}, and one more is answered 503 with {@code Retry-After}. A multipart body's parts are
 * counted as they stream in ({@link PartCounter}): one beyond {@code multipart.max-parts} fails it.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 10)
class BodyLimitFilter implements WebFilter {

    static final String BUDGET_SETTING = LimitsProperties.PREFIX + "buffered-body-bytes";
    static final String MAX_PARTS_SETTING = LimitsProperties.PREFIX + "multipart.max-parts";

    private final BodyLimits limits;
    private final JsonMapper json;
    private final long budget;
    private final long smallBody;
    private final Duration retryAfter;
    private final int maxParts;
    private final AtomicLong buffered = new AtomicLong();

    BodyLimitFilter(BodyLimits limits, JsonMapper json, LimitsProperties properties, GatewayProperties gateway) {
        this.limits = limits;
        this.json = json;
        this.budget = properties.bufferedBodyBudget();
        this.smallBody = properties.otherBodyMaxBytes().toBytes();
        this.retryAfter = gateway.retryAfter();
        this.maxParts = properties.multipart().maxParts();
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        ServerHttpRequest request = exchange.getRequest();
        BodyLimits.Limit limit = limits.of(request.getMethod(), request.getPath().pathWithinApplication().value(),
                contentType(request.getHeaders()));
        long announced = request.getHeaders().getContentLength();
        if (announced > limit.bytes()) {
            exchange.getResponse().getHeaders().set(HttpHeaders.CONNECTION, "close");
            ApiException problem = ApiException.tooLarge("the request body has " + announced + " bytes; this route"
                    + " takes at most " + limit.bytes(), limit.setting());
            return drainThen(request, ProblemResponses.write(json, request, exchange.getResponse(), problem));
        }
        // Large bodies are read whole before they are checked: together they stay within the budget.
        long reserved = announced >= 0 ? announced : limit.bytes();
        if (reserved > smallBody && buffered.addAndGet(reserved) > budget) {
            buffered.addAndGet(-reserved);
            exchange.getResponse().getHeaders().set(HttpHeaders.CONNECTION, "close");
            ApiException problem = ApiException.limit(HttpStatus.SERVICE_UNAVAILABLE, ProblemType.UNAVAILABLE,
                    "this gateway holds as many large request bodies as it may at once; retry later", BUDGET_SETTING,
                    retryAfter);
            return drainThen(request, ProblemResponses.write(json, request, exchange.getResponse(), problem));
        }
        MediaType type = contentType(request.getHeaders());
        String boundary = type != null && MediaType.MULTIPART_FORM_DATA.isCompatibleWith(type)
                ? type.getParameter("boundary") : null;
        Mono<Void> handled = announced >= 0 && boundary == null ? chain.filter(exchange)
                : chain.filter(exchange.mutate().request(new Counted(request, limit, boundary == null ? null
                        : new PartCounter(unquoted(boundary)), maxParts)).build());
        return reserved > smallBody ? handled.doFinally(signal -> buffered.addAndGet(-reserved)) : handled;
    }

    /** Reads the body and drops it, then answers: the client reads the answer rather than a reset. */
    private static Mono<Void> drainThen(ServerHttpRequest request, Mono<Void> answer) {
        return request.getBody().doOnNext(DataBufferUtils::release).then().onErrorComplete()
                .then(Mono.defer(() -> answer));
    }

    /** The request's media type; null when it has none, or one Spring will refuse with 415 later. */
    private static MediaType contentType(HttpHeaders headers) {
        try {
            return headers.getContentType();
        } catch (InvalidMediaTypeException e) {
            return null;
        }
    }

    private static String unquoted(String boundary) {
        return boundary.length() > 1 && boundary.startsWith("\"") && boundary.endsWith("\"")
                ? boundary.substring(1, boundary.length() - 1) : boundary;
    }

    /** A body counted as it streams: failing once it passes the limit, or, multipart, its cap on parts. */
    private static final class Counted extends ServerHttpRequestDecorator {

        private final BodyLimits.Limit limit;
        private final PartCounter parts;
        private final int maxParts;

        Counted(ServerHttpRequest request, BodyLimits.Limit limit, PartCounter parts, int maxParts) {
            super(request);
            this.limit = limit;
            this.parts = parts;
            this.maxParts = maxParts;
        }

        @Override
        public Flux<DataBuffer> getBody() {
            return Flux.defer(() -> {
                AtomicLong seen = new AtomicLong();
                return super.getBody().handle((buffer, sink) -> {
                    // The buffer goes on either way, so that whoever reads the body releases it (on the error too).
                    long begun = parts == null ? 0 : parts.parts(buffer);
                    sink.next(buffer);
                    if (seen.addAndGet(buffer.readableByteCount()) > limit.bytes()) {
                        sink.error(new BodyTooLargeException("the request body has more than " + limit.bytes()
                                + " bytes, the most this route takes", limit.setting()));
                    } else if (begun > maxParts + 1) {
                        sink.error(new BodyTooLargeException("the multipart body has more than " + maxParts
                                + " parts; an upload has one, 'file'", MAX_PARTS_SETTING));
                    }
                });
            });
        }
    }
}
