package dev.inferq.worker.jobs;

import dev.inferq.common.job.JobId;
import io.micrometer.tracing.Span;
import java.util.HashMap;
import java.util.IdentityHashMap;
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
 * {@code max-deliveries} than a crash would. It also keeps each job's {@code inferq.consume} span ({@link JobTracing}),
 * which lasts for the whole delivery, retries included. Belongs to its consumer's thread.
 */
final class Batch {

    private final List<Job> jobs;
    private final int inputs;
    private final Map<JobId, Long> counted;
    private final Map<Job, Span> spans;

    Batch(List<Job> jobs) {
        this(List.copyOf(jobs), new HashMap<>(), new IdentityHashMap<>());
    }

    private Batch(List<Job> jobs, Map<JobId, Long> counted, Map<Job, Span> spans) {
        this.jobs = jobs;
        this.inputs = jobs.stream().mapToInt(Job::inputCount).sum();
        this.counted = counted;
        this.spans = spans;
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

    /** Keeps {@code span} as the consume span of {@code job} for this delivery. */
    void traced(Job job, Span span) {
        spans.put(job, span);
    }

    /** The consume span of {@code job}; a no-op span when the batch was not traced. */
    Span span(Job job) {
        return spans.getOrDefault(job, Span.NOOP);
    }

    /** Ends the consume span of every job this delivery had, including jobs a rebalance took away since. */
    void endSpans() {
        spans.values().forEach(Span::end);
        spans.clear();
    }

    /** The same delivery, less the jobs of partitions this consumer no longer owns. */
    Batch retainOwned(Set<TopicPartition> owned) {
        return new Batch(jobs.stream()
                .filter(job -> owned.contains(new TopicPartition(job.source().topic(), job.source().partition())))
                .toList(), counted, spans);
    }
}
