package dev.inferq.gateway.limits;

import dev.inferq.gateway.problems.ApiException;
import dev.inferq.gateway.problems.ProblemType;
import dev.inferq.gateway.problems.RawProblems;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.springframework.http.HttpStatus;
import tools.jackson.databind.json.JsonMapper;

/**
 * Bounds the time from a request's first byte to its complete head (request line and headers): Reactor Netty's idle
 * timeout stops at the first byte and its read timeouts start with the body, so a client that sends a header line
 * every few seconds held its connection for ever. One per connection, after the HTTP codec; {@link #firstBytes()},
 * before the codec, tells it when bytes of a new request arrive. When the time is up the connection gets a 408
 * problem and is closed.
 */
final class HeadTimeout extends ChannelDuplexHandler {

    static final String NAME = "inferq.headTimeout";
    static final String BYTES = "inferq.headTimeoutBytes";
    static final String SETTING = LimitsProperties.PREFIX + "connections.header-timeout";

    private final Duration timeout;
    private final JsonMapper mapper;
    private ChannelHandlerContext context;
    /** Between a request's head and its last content: bytes that arrive then are its body, not a new head. */
    private boolean readingRequest;
    /** Between a request's head and the end of its answer: the next head is not due before the answer is out. */
    private boolean answering;
    private ScheduledFuture<?> timer;

    HeadTimeout(Duration timeout, JsonMapper mapper) {
        this.timeout = timeout;
        this.mapper = mapper;
    }

    /** The handler before the codec that sees the raw bytes. */
    ChannelInboundHandlerAdapter firstBytes() {
        return new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                bytesArrived();
                ctx.fireChannelRead(msg);
            }
        };
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        context = ctx;
    }

    private boolean awaitingHead() {
        return !readingRequest && !answering;
    }

    private void bytesArrived() {
        if (awaitingHead() && timer == null && context != null) {
            timer = context.executor().schedule(this::expire, timeout.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest) {
            readingRequest = true;
            answering = true;
            cancel();
        }
        if (msg instanceof LastHttpContent) {
            readingRequest = false;
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof LastHttpContent) {
            // The answer is complete: once its request is read too, what arrives next is the next request's head.
            answering = false;
        }
        ctx.write(msg, promise);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        cancel();
        ctx.fireChannelInactive();
    }

    private void cancel() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    private void expire() {
        timer = null;
        if (!awaitingHead() || !context.channel().isActive()) {
            return;
        }
        ApiException problem = ApiException.limit(HttpStatus.REQUEST_TIMEOUT, ProblemType.REQUEST_TIMEOUT,
                "the request line and headers did not arrive within " + timeout.toMillis() + " ms of their first byte",
                SETTING, null);
        context.writeAndFlush(RawProblems.response(context.alloc(), mapper, problem))
                .addListener(ChannelFutureListener.CLOSE);
    }
}
