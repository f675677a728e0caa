package dev.inferq.worker.jobs;

import dev.inferq.common.job.JobId;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import org.apache.kafka.common.TopicPartition;

/**
 * Jobs handed out together by the {@link BatchAggregator}, in arrival order, and how many inputs they have in all.
 *
 * <p>It also remembers which of its jobs this delivery has counted a start for ({@link BatchJobRunner}): a batch
 * retried after a transient failure is still the same delivery, and must not bring a job nearer to its
 * {@code max-deliveries} than a crash would. Belongs to its consumer's thread.
 */
final class Batch {

    private final List<Job> jobs;
    private final int inputs;
    private final Map<JobId, Long> counted;

    Batch(List<Job> jobs) {
        this(List.copyOf(jobs), new HashMap<>());
    }

    private Batch(List<Job> jobs, Map<JobId, Long> counted) {
        this.jobs = jobs;
        this.inputs = jobs.stream().mapToInt(Job::inputCount).sum();
        this.counted = counted;
    }

    List<Job> jobs() {
        return jobs;
    }

    int inputs() {
        return inputs;
    }

    boolean isEmpty() {
        return jobs.isEmpty();
    }

    /** How many starts the job had counting this delivery's, once this delivery has counted its own. */
    OptionalLong deliveries(JobId id) {
        Long count = counted.get(id);
        return count == null ? OptionalLong.empty() : OptionalLong.of(count);
    }

    /** Remembers that this delivery counted its start of the job, which made {@code count} starts in all. */
    void counted(JobId id, long count) {
        counted.put(id, count);
    }

    /** The same delivery, less the jobs of partitions this consumer no longer owns. */
    Batch retainOwned(Set<TopicPartition> owned) {
        return new Batch(jobs.stream()
                .filter(job -> owned.contains(new TopicPartition(job.source().topic(), job.source().partition())))
                .toList(), counted);
    }
}
