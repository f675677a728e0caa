package dev.inferq.gateway.limits;

import dev.inferq.gateway.GatewayProperties;
import dev.inferq.gateway.problems.ApiException;
import dev.inferq.gateway.problems.ProblemType;
import dev.inferq.gateway.problems.RawProblems;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.timeout.ReadTimeoutException;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.reactor.netty.NettyReactiveWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.http.HttpStatus;
import reactor.core.publisher.Hooks;
import reactor.netty.NettyPipeline;
import tools.jackson.databind.json.JsonMapper;

/**
 * The limits of client connections on Reactor Netty ({@code inferq.gateway.limits.connections.*}): a connection that
 * waits for its next request longer than {@code idle-timeout} is closed; a request head (line and headers) must have
 * arrived {@code header-timeout} after its first byte ({@link HeadTimeout}, 408); a body must not pause longer than
 * {@code body-read-timeout} nor take longer than {@code body-timeout} in all (Reactor Netty's read and request
 * timeouts, 408); and beyond {@code max-open} connections a new one is answered 503 with {@code Retry-After} and
 * closed. Without these, a client that sends nothing, a header line every 10 s or a byte of body every 5 s held its
 * connection for ever.
 */
@Configuration(proxyBeanMethods = false)
public class ConnectionLimits {

    static final String OVER_CAPACITY = "inferq.overCapacity";
    private static final Logger log = LoggerFactory.getLogger(ConnectionLimits.class);

    @Bean
    WebServerFactoryCustomizer<NettyReactiveWebServerFactory> connectionLimitsCustomizer(LimitsProperties limits,
            GatewayProperties gateway, JsonMapper mapper) {
        return new Customizer(limits.connections(), gateway, mapper);
    }

    private record Customizer(LimitsProperties.Connections limits, GatewayProperties gateway, JsonMapper mapper)
            implements WebServerFactoryCustomizer<NettyReactiveWebServerFactory>, Ordered {

        @Override
        public void customize(NettyReactiveWebServerFactory factory) {
            // A body that times out fails its reader, answered 408, and Reactor Netty then reports the same timeout
            // once more to no one: that one is expected, not an ERROR line per slow client.
            Hooks.resetOnErrorDropped();
            Hooks.onErrorDropped(ConnectionLimits::dropped);
            AtomicInteger open = new AtomicInteger();
            factory.addServerCustomizers(server -> server
                    .idleTimeout(limits.idleTimeout())
                    .readTimeout(limits.bodyReadTimeout())
                    .requestTimeout(limits.bodyTimeout())
                    .doOnChannelInit((observer, channel, address) -> {
                        int now = open.incrementAndGet();
                        channel.closeFuture().addListener(closed -> open.decrementAndGet());
                        if (now > limits.maxOpen()) {
                            channel.pipeline().addFirst(OVER_CAPACITY, new OverCapacity(refusal(limits, gateway,
                                    mapper)));
                            return;
                        }
                        if (channel.pipeline().get(NettyPipeline.HttpCodec) != null) {
                            HeadTimeout head = new HeadTimeout(limits.headerTimeout(), mapper);
                            channel.pipeline().addBefore(NettyPipeline.HttpCodec, HeadTimeout.BYTES,
                                    head.firstBytes());
                            channel.pipeline().addAfter(NettyPipeline.HttpCodec, HeadTimeout.NAME, head);
                        }
                    }));
        }

        /** After Boot's own customizer, whose idle timeout (from {@code server.netty.*}) this one replaces. */
        @Override
        public int getOrder() {
            return Ordered.LOWEST_PRECEDENCE - 1;
        }
    }

    /** Reactor's default for a dropped error (an ERROR line), but quiet for a connection's read timeout. */
    static void dropped(Throwable error) {
        if (error instanceof ReadTimeoutException) {
            log.debug("Read timeout after its request was answered: {}", error.toString());
        } else {
            log.error("Operator called default onErrorDropped", error);
        }
    }

    /** The 503 of a connection over the cap, as bytes: it is written under the HTTP codec. */
    static byte[] refusal(LimitsProperties.Connections limits, GatewayProperties gateway, JsonMapper mapper) {
        ApiException problem = ApiException.limit(HttpStatus.SERVICE_UNAVAILABLE, ProblemType.TOO_MANY_CONNECTIONS,
                "this gateway has " + limits.maxOpen() + " connections open, the most it keeps; retry later",
                LimitsProperties.PREFIX + "connections.max-open", gateway.retryAfter());
        FullHttpResponse response = RawProblems.response(UnpooledByteBufAllocator.DEFAULT, mapper, problem);
        try {
            StringBuilder head = new StringBuilder("HTTP/1.1 ").append(response.status().code()).append(' ')
                    .append(response.status().reasonPhrase()).append("\r\n");
            for (Map.Entry<String, String> header : response.headers()) {
                head.append(header.getKey()).append(": ").append(header.getValue()).append("\r\n");
            }
            byte[] start = head.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1);
            byte[] all = new byte[start.length + response.content().readableBytes()];
            System.arraycopy(start, 0, all, 0, start.length);
            response.content().getBytes(response.content().readerIndex(), all, start.length,
                    response.content().readableBytes());
            return all;
        } finally {
            response.release();
        }
    }

    /**
     * First in the pipeline of a connection over the cap: answers its first bytes with the 503 and closes; nothing of
     * it reaches the HTTP codec or Spring.
     */
    static final class OverCapacity extends ChannelInboundHandlerAdapter {

        private final byte[] answer;
        private boolean answered;

        OverCapacity(byte[] answer) {
            this.answer = answer;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg);
            if (!answered) {
                answered = true;
                ByteBuf bytes = ctx.alloc().buffer(answer.length).writeBytes(answer);
                ctx.writeAndFlush(bytes).addListener(ChannelFutureListener.CLOSE);
            }
        }
    }
}
