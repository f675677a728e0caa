package dev.inferq.common.job;

import java.util.EnumSet;
import java.util.Set;

/**
 * Where a job is in its lifecycle: QUEUED -> RUNNING -> SUCCEEDED | FAILED, or QUEUED -> CANCELLED (by the client)
 * | EXPIRED (its deadline passed before a worker started it).
 */
public enum JobStatus {
    QUEUED,
    RUNNING,
    SUCCEEDED,
    FAILED,
    CANCELLED,
    EXPIRED;

    private static final Set<JobStatus> TERMINAL = EnumSet.of(SUCCEEDED, FAILED, CANCELLED, EXPIRED);

    /** A terminal job never changes again; its result is final. */
    public boolean isTerminal() {
        return TERMINAL.contains(this);
    }
}
