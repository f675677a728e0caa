package dev.inferq.gateway.problems;

import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpResponse;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

/**
 * Problem answers written straight to the response, for refusals made where {@link ProblemHandler}'s advice cannot
 * run (the security chain, before the exchange exists), in the shape of its bodies.
 */
public final class ProblemResponses {

    private ProblemResponses() {
    }

    /** Writes an RFC 9457 problem about {@code request}. */
    public static Mono<Void> write(JsonMapper json, ServerHttpRequest request, ServerHttpResponse response,
            HttpStatus status, String title, String detail) {
        byte[] body = json.writeValueAsBytes(ProblemBody.of(status.value(), title, detail, request.getPath().value()));
        response.setStatusCode(status);
        response.getHeaders().setContentType(MediaType.APPLICATION_PROBLEM_JSON);
        return response.writeWith(Mono.fromSupplier(() -> response.bufferFactory().wrap(body)));
    }
}
