package dev.inferq.gateway.problems;

import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The fields of a problem body (RFC 9457) in the order Spring writes a {@code ProblemDetail}'s, for the writers that
 * cannot return one: {@link ProblemResponses} and {@link PreRoutingProblems}. {@link ProblemHandler} writes the same
 * {@link #TYPE}.
 */
final class ProblemBody {

    /** Every problem's type: the status says what kind of problem it is, so none has a type of its own. */
    static final URI TYPE = URI.create("about:blank");

    private ProblemBody() {
    }

    /** The body of a problem; {@code instance} (the request's path) is left out when null. */
    static Map<String, Object> of(int status, String title, String detail, String instance) {
        Map<String, Object> problem = new LinkedHashMap<>();
        problem.put("type", TYPE.toString());
        problem.put("title", title);
        problem.put("status", status);
        problem.put("detail", detail);
        if (instance != null) {
            problem.put("instance", instance);
        }
        return problem;
    }
}
