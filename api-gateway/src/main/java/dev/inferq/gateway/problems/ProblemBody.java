package dev.inferq.gateway.problems;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The fields of a problem body (RFC 9457) in the order Spring writes a {@code ProblemDetail}'s, for the writers that
 * cannot return one: {@link ProblemResponses} and {@link PreRoutingProblems}.
 */
final class ProblemBody {

    private ProblemBody() {
    }

    /** The body of a problem; {@code instance} (the request's path) and {@code setting} are left out when null. */
    static Map<String, Object> of(ProblemType type, int status, String title, String detail, String instance,
            String setting) {
        Map<String, Object> problem = new LinkedHashMap<>();
        problem.put("type", type.uri().toString());
        problem.put("title", title);
        problem.put("status", status);
        problem.put("detail", detail);
        if (instance != null) {
            problem.put("instance", instance);
        }
        if (setting != null) {
            problem.put("setting", setting);
        }
        return problem;
    }
}
