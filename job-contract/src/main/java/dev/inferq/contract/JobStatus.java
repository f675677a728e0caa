package dev.inferq.contract;

import java.util.EnumSet;
import java.util.Set;

/**
 * Where a job is in its lifecycle, and the one definition of which changes are allowed:
 *
 * <pre>
 *   QUEUED ──> RUNNING ──> SUCCEEDED | FAILED
 *     │  ├────────────────> FAILED    (it can never run: e.g. delivered too often)
 *     │  └────────────────> SUCCEEDED (answered from the response cache as it is accepted)
 *     ├──> CANCELLED                  (by its client, before a worker started it)
 *     └──> EXPIRED                    (its deadline passed before a worker started it)
 * </pre>
 *
 * RUNNING may follow RUNNING (a job whose worker died mid-batch is re-delivered and starts again), and EXPIRED may
 * follow RUNNING for the same reason. A terminal status is never left. {@link JobStore#transition} enforces these rules
 * atomically in Redis, told by this enum what each status is (its script decides nothing by a status's name); every
 * other part of the platform asks this enum, and clients read it from the API (a record has {@code finished_at}
 * exactly when its status is terminal).
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
            case RUNNING, EXPIRED, FAILED, SUCCEEDED -> EnumSet.of(QUEUED, RUNNING);
            case CANCELLED -> EnumSet.of(QUEUED);
        };
    }

    /** A queued job waits in its model's queue, where its position and estimate are counted. */
    public boolean isQueued() {
        return this == QUEUED;
    }
}
