package dev.inferq.common.job;

import java.util.EnumSet;
import java.util.Set;

/**
 * Where a job is in its lifecycle, and the one definition of which changes are allowed:
 *
 * <pre>
 *   QUEUED ──> RUNNING ──> SUCCEEDED | FAILED
 *     │  └────────────────> FAILED    (it can never run: e.g. delivered too often)
 *     ├──> CANCELLED                  (by its client, before a worker started it)
 *     └──> EXPIRED                    (its deadline passed before a worker started it)
 * </pre>
 *
 * RUNNING may follow RUNNING (a job whose worker died mid-batch is re-delivered and starts again), and EXPIRED may
 * follow RUNNING for the same reason. A terminal status is never left. {@link JobStore#transition} enforces these rules
 * atomically in Redis; every other part of the platform asks this enum.
 */
public enum JobStatus {
    QUEUED(0),
    RUNNING(1),
    SUCCEEDED(2),
    FAILED(2),
    CANCELLED(2),
    EXPIRED(2);

    private final int rank;

    JobStatus(int rank) {
        this.rank = rank;
    }

    /** A terminal job never changes again; its result is final. */
    public boolean isTerminal() {
        return rank == SUCCEEDED.rank;
    }

    /**
     * How far along the lifecycle this status is: QUEUED 0, RUNNING 1, every terminal status 2. A stream of a job's
     * states is in order when their ranks never decrease and a terminal one comes last.
     */
    public int rank() {
        return rank;
    }

    /** The statuses a job may have when it moves to this one. */
    public Set<JobStatus> predecessors() {
        return switch (this) {
            case QUEUED -> EnumSet.noneOf(JobStatus.class);
            case RUNNING, EXPIRED, FAILED -> EnumSet.of(QUEUED, RUNNING);
            case SUCCEEDED -> EnumSet.of(RUNNING);
            case CANCELLED -> EnumSet.of(QUEUED);
        };
    }

    /** True when a job whose status is {@code current} may move to this status. */
    public boolean mayFollow(JobStatus current) {
        return predecessors().contains(current);
    }
}
