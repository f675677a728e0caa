package dev.inferq.common.job;

import dev.inferq.contract.JobId;
import java.util.Objects;

/**
 * What a client's {@code Idempotency-Key} is bound to: the fingerprint of the request that first used it and the job
 * that request created. A repeat with the same fingerprint gets that job; another fingerprint is a different request.
 */
public record IdempotencyClaim(String fingerprint, JobId jobId) {

    public IdempotencyClaim {
        Objects.requireNonNull(fingerprint, "fingerprint");
        Objects.requireNonNull(jobId, "jobId");
    }

    /** True when {@code otherFingerprint} is the request this key was first used for. */
    public boolean isSameRequest(String otherFingerprint) {
        return fingerprint.equals(otherFingerprint);
    }
}
