package dev.inferq.worker.run;

import dev.inferq.contract.Prediction;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * One forward pass's worth of work in a group: the job that runs, and the identical jobs later in the group that share
 * its predictions instead of running their own (see {@link CachedAnswers}). Belongs to its consumer's thread.
 */
final class Computation {

    private final JobRun leader;
    private final List<JobRun> sharers = new ArrayList<>();

    Computation(JobRun leader) {
        this.leader = leader;
    }

    JobRun leader() {
        return leader;
    }

    void share(JobRun sharer) {
        sharers.add(sharer);
    }

    /** The leader, then the sharers. */
    List<JobRun> members() {
        List<JobRun> all = new ArrayList<>(sharers.size() + 1);
        all.add(leader);
        all.addAll(sharers);
        return all;
    }

    /** Ends every member SUCCEEDED with {@code predictions}; the sharers' as from the cache, as they ran no pass. */
    void succeeded(List<Prediction> predictions, Instant now) {
        leader.ended(leader.record().succeeded(predictions, now));
        sharers.forEach(sharer -> sharer.ended(sharer.record().succeeded(predictions, now, true)));
    }
}
