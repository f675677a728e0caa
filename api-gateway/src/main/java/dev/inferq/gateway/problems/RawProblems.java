package dev.inferq.gateway.problems;

import dev.inferq.gateway.SecurityHeaders;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import org.springframework.http.MediaType;
import tools.jackson.databind.json.JsonMapper;

/**
 * Problem answers as Netty responses, for refusals made on the connection before Spring sees a request (Reactor
 * Netty's own, and the connection limits'). Spring Security's header writer never sees them: the same headers are
 * written here.
 */
public final class RawProblems {

    private RawProblems() {
    }

    /** A complete answer with {@code problem}'s body that closes the connection. */
    public static FullHttpResponse response(ByteBufAllocator alloc, JsonMapper mapper, ApiException problem) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                HttpResponseStatus.valueOf(problem.status().value()), body(alloc, mapper, problem));
        withHeaders(response, problem);
        response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        return response;
    }

    static ByteBuf body(ByteBufAllocator alloc, JsonMapper mapper, ApiException problem) {
        byte[] json = mapper.writeValueAsBytes(ProblemBody.of(problem.type(), problem.status().value(),
                problem.title(), problem.getMessage(), null, problem.setting()));
        return alloc.buffer(json.length).writeBytes(json);
    }

    static void withHeaders(FullHttpResponse response, ApiException problem) {
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, MediaType.APPLICATION_PROBLEM_JSON_VALUE)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, response.content().readableBytes())
                .set("X-Content-Type-Options", "nosniff")
                .set(HttpHeaderNames.X_FRAME_OPTIONS, "DENY")
                .set(HttpHeaderNames.CACHE_CONTROL, "no-cache, no-store, max-age=0, must-revalidate")
                .set(HttpHeaderNames.CONTENT_SECURITY_POLICY, SecurityHeaders.CONTENT_SECURITY_POLICY)
                .set("Referrer-Policy", SecurityHeaders.REFERRER_POLICY.getPolicy());
        if (problem.retryAfter() != null) {
            response.headers().set(HttpHeaderNames.RETRY_AFTER,
                    ProblemResponses.retryAfterSeconds(problem.retryAfter()));
        }
    }
}
