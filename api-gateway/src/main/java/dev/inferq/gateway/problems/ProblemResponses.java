package dev.inferq.gateway.problems;

import java.time.Duration;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpResponse;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

/**
 * Problem answers written straight to the response, for refusals made where {@link ProblemHandler}'s advice cannot
 * run (the security chain, web filters, before the exchange exists), in the shape of its bodies.
 */
public final class ProblemResponses {

    private ProblemResponses() {
    }

    /** Writes an RFC 9457 problem about {@code request}, typed by {@code status} and {@code title}. */
    public static Mono<Void> write(JsonMapper json, ServerHttpRequest request, ServerHttpResponse response,
            HttpStatus status, String title, String detail) {
        return write(json, request, response, new ApiException(status, title, detail));
    }

    /** Writes {@code problem} about {@code request}, with its {@code Retry-After} when it has one. */
    public static Mono<Void> write(JsonMapper json, ServerHttpRequest request, ServerHttpResponse response,
            ApiException problem) {
        byte[] body = json.writeValueAsBytes(ProblemBody.of(problem.type(), problem.status().value(),
                problem.title(), problem.getMessage(), request.getPath().value(), problem.setting()));
        response.setStatusCode(problem.status());
        response.getHeaders().setContentType(MediaType.APPLICATION_PROBLEM_JSON);
        if (problem.retryAfter() != null) {
            response.getHeaders().set(HttpHeaders.RETRY_AFTER, retryAfterSeconds(problem.retryAfter()));
        }
        return response.writeWith(Mono.fromSupplier(() -> response.bufferFactory().wrap(body)));
    }

    /** A {@code Retry-After} value: whole seconds, at least one. */
    public static String retryAfterSeconds(Duration retryAfter) {
        return Long.toString(Math.max(1, retryAfter.toSeconds() + (retryAfter.toNanosPart() > 0 ? 1 : 0)));
    }
}
