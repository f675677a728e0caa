package dev.inferq.common.job;

import dev.inferq.contract.JobRecord;
import dev.inferq.contract.JobStatus;
import java.util.Set;

/**
 * One job for {@link JobStore#start}: {@code running}, its RUNNING record (whole, or only what a start writes of it,
 * as the call says); {@code count}, whether this start counts a delivery of the job (false when an earlier call of the
 * same delivery counted it); {@code from}, the statuses it may be started from in this call, among those that may
 * precede RUNNING (empty: the job is only read).
 */
public record StartOrder(JobRecord running, boolean count, Set<JobStatus> from) {

    public StartOrder {
        if (running.status() != JobStatus.RUNNING) {
            throw new IllegalArgumentException("a start stores a RUNNING record, not a " + running.status());
        }
        from = Set.copyOf(from);
    }
}
