package dev.inferq.gateway.problems;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import org.springframework.boot.reactor.netty.NettyReactiveWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.http.HttpStatus;
import reactor.netty.NettyPipeline;
import reactor.netty.http.server.HttpRequestDecoderSpec;
import tools.jackson.databind.json.JsonMapper;

/**
 * Gives an RFC 9457 problem body to the answers Reactor Netty sends by itself, before any route or filter of ours
 * runs: a request line longer than {@code server.netty.max-initial-line-length} (414), headers larger than
 * {@code server.max-http-request-header-size} in total (431), or bytes that are not HTTP/1.1 (400). Reactor
 * Netty's {@code HttpTrafficHandler} writes these with an empty body and closes the connection; a handler between
 * the HTTP codec and it sees the failed request pass inwards and the empty answer pass outwards, and fills in the
 * body, so that every refusal of the gateway reads the same.
 */
@Configuration(proxyBeanMethods = false)
public class PreRoutingProblems {

    static final String HANDLER_NAME = "inferq.preRoutingProblems";

    @Bean
    WebServerFactoryCustomizer<NettyReactiveWebServerFactory> preRoutingProblemBodies(JsonMapper mapper) {
        return new BodiesCustomizer(mapper);
    }

    /** Ordered last, so the decoder limits it reads are the ones Boot's own customizer set from the properties. */
    private record BodiesCustomizer(JsonMapper mapper)
            implements WebServerFactoryCustomizer<NettyReactiveWebServerFactory>, Ordered {

        @Override
        public void customize(NettyReactiveWebServerFactory factory) {
            factory.addServerCustomizers(server -> {
                HttpRequestDecoderSpec decoder = server.configuration().decoder();
                Limits limits = new Limits(decoder.maxInitialLineLength(), decoder.maxHeaderSize());
                return server.doOnChannelInit((observer, channel, address) -> {
                    // Absent for HTTP/2 connections, whose codec reports such failures as stream errors instead.
                    if (channel.pipeline().get(NettyPipeline.HttpCodec) != null) {
                        channel.pipeline().addAfter(NettyPipeline.HttpCodec, HANDLER_NAME,
                                new ProblemBodies(limits, mapper));
                    }
                });
            });
        }

        @Override
        public int getOrder() {
            return Ordered.LOWEST_PRECEDENCE;
        }
    }

    /** The decoder's limits in bytes, for details that say what to change. */
    record Limits(int maxInitialLine, int maxHeaders) {
    }

    /** One per connection: it remembers the failed request until the refusal for it goes out. */
    static final class ProblemBodies extends ChannelDuplexHandler {

        private final Limits limits;
        private final JsonMapper mapper;
        private Throwable decodingFailure;

        ProblemBodies(Limits limits, JsonMapper mapper) {
            this.limits = limits;
            this.mapper = mapper;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof HttpObject http && http.decoderResult().isFailure()) {
                decodingFailure = http.decoderResult().cause();
            }
            ctx.fireChannelRead(msg);
        }

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            if (decodingFailure != null && msg instanceof FullHttpResponse response
                    && !response.content().isReadable()) {
                Throwable cause = decodingFailure;
                decodingFailure = null;
                ctx.write(withProblemBody(ctx, response, cause), promise);
                return;
            }
            ctx.write(msg, promise);
        }

        private FullHttpResponse withProblemBody(ChannelHandlerContext ctx, FullHttpResponse response,
                                                 Throwable cause) {
            // Netty still uses RFC 2616's phrases ("Request-URI Too Long"); titles follow RFC 9110 like Spring's.
            HttpStatus status = HttpStatus.valueOf(response.status().code());
            ProblemType type = cause instanceof TooLongHttpLineException ? ProblemType.URI_TOO_LONG
                    : cause instanceof TooLongHttpHeaderException ? ProblemType.HEADERS_TOO_LARGE
                    : ProblemType.INVALID_HTTP;
            ApiException problem = ApiException.limit(status, type, detail(cause), setting(cause), null);
            FullHttpResponse withBody = response.replace(RawProblems.body(ctx.alloc(), mapper, problem));
            response.release();
            RawProblems.withHeaders(withBody, problem);
            return withBody;
        }

        private static String setting(Throwable cause) {
            return cause instanceof TooLongHttpLineException ? "server.netty.max-initial-line-length"
                    : cause instanceof TooLongHttpHeaderException ? "server.max-http-request-header-size" : null;
        }

        private String detail(Throwable cause) {
            if (cause instanceof TooLongHttpLineException) {
                return "the request line (method, URI and HTTP version) is longer than " + limits.maxInitialLine()
                        + " bytes, the most this server reads; shorten the URI and send large data in the body";
            }
            if (cause instanceof TooLongHttpHeaderException) {
                return "the request headers are larger than " + limits.maxHeaders() + " bytes in total, the most"
                        + " this server reads; send fewer or shorter headers";
            }
            return "the request is not valid HTTP/1.1";
        }
    }
}
