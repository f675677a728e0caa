package dev.inferq.gateway.redis;

import dev.inferq.gateway.problems.ApiException;
import java.time.Duration;

/**
 * Redis refusing a write because it holds {@code maxmemory} under the {@code noeviction} policy that every deployment
 * of inferq sets (it answers {@code OOM command not allowed when used memory > 'maxmemory'}, also from inside a
 * script). The gateway answers such a refusal with a 503 that names the cause, so that an operator reading a client's
 * error knows to free or add memory rather than look for a network fault; nothing is evicted meanwhile.
 */
public final class RedisFull {

    /**
     * What a 503 for a full Redis tells clients to wait: memory frees as jobs end, which takes longer than a network
     * glitch, so clients are asked to wait longer than for other 503s.
     */
    public static final Duration RETRY_AFTER = Duration.ofSeconds(30);

    /** What Redis's refusal says, in a plain command's answer and inside a script's error alike. */
    private static final String REFUSAL = "OOM command not allowed";

    private RedisFull() {
    }

    /** Whether {@code e}, or one of its causes, is Redis refusing a write at its memory cap. */
    public static boolean is(Throwable e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause() == cause ? null : cause.getCause()) {
            if (cause.getMessage() != null && cause.getMessage().contains(REFUSAL)) {
                return true;
            }
        }
        return false;
    }

    /** The 503 answered for it. */
    public static ApiException problem(Throwable cause) {
        return ApiException.unavailable("the job store (Redis) is full: it holds its configured maxmemory and refuses"
                + " new writes until jobs end or expire; nothing was stored, retry later", RETRY_AFTER, cause);
    }
}
