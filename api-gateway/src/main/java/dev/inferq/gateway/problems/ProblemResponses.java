package dev.inferq.gateway.problems;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
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

    /** Writes an RFC 9457 problem; no "type", like Spring's ProblemDetail, which leaves out the default about:blank. */
    public static Mono<Void> write(JsonMapper json, ServerHttpRequest request, ServerHttpResponse response,
            HttpStatus status, String title, String detail) {
        Map<String, Object> problem = new LinkedHashMap<>();
        problem.put("title", title);
        problem.put("status", status.value());
        problem.put("detail", detail);
        problem.put("instance", request.getPath().value());
        byte[] body = json.writeValueAsString(problem).getBytes(StandardCharsets.UTF_8);
        response.setStatusCode(status);
        response.getHeaders().setContentType(MediaType.APPLICATION_PROBLEM_JSON);
        return response.writeWith(Mono.fromSupplier(() -> response.bufferFactory().wrap(body)));
    }
}
