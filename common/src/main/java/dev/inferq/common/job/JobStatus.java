package dev.inferq.common.job;

import java.util.EnumSet;
import java.util.Set;

/** Where a job is in its lifecycle: QUEUED -> RUNNING -> SUCCEEDED | FAILED (CANCELLED, EXPIRED reserved). */
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
