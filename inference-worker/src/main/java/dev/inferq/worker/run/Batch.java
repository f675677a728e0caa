package dev.inferq.worker.run;

import dev.inferq.contract.JobId;
import io.micrometer.tracing.Span;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import org.apache.kafka.common.TopicPartition;

/**
 * Jobs handed out together by the {@code BatchAggregator}, in arrival order, and how many inputs they have in all.
 *
 * <p>It also remembers which of its jobs this delivery has counted a start for ({@link JobStarts}): a batch
 * retried after a transient failure is still the same delivery, and must not bring a job nearer to its
 * {@code max-deliveries} than a crash would. It also keeps each job's {@code inferq.consume} span ({@link JobTracing}),
 * which lasts for the whole delivery, retries included. Belongs to its consumer's thread.
 */
public final class Batch {

    private final List<Delivery> jobs;
    private final int inputs;
    private final Map<JobId, Long> counted;
    private final Map<Delivery, Span> spans;

    public Batch(List<Delivery> jobs) {
        this(List.copyOf(jobs), new HashMap<>(), new IdentityHashMap<>());
    }

    private Batch(List<Delivery> jobs, Map<JobId, Long> counted, Map<Delivery, Span> spans) {
        this.jobs = jobs;
        this.inputs = jobs.stream().mapToInt(Delivery::inputCount).sum();
        this.counted = counted;
        this.spans = spans;
    }

    public List<Delivery> jobs() {
        return jobs;
    }

    public int inputs() {
        return inputs;
    }

    public boolean isEmpty() {
        return jobs.isEmpty();
    }

    /** How many starts the job had counting this delivery's, once this delivery has counted its own. */
    public OptionalLong deliveries(JobId id) {
        Long count = counted.get(id);
        return count == null ? OptionalLong.empty() : OptionalLong.of(count);
    }

    /** Remembers that this delivery counted its start of the job, which made {@code count} starts in all. */
    public void counted(JobId id, long count) {
        counted.put(id, count);
    }

    /** Keeps {@code span} as the consume span of {@code job} for this delivery. */
    public void traced(Delivery job, Span span) {
        spans.put(job, span);
    }

    /** The consume span of {@code job}; a no-op span when the batch was not traced. */
    public Span span(Delivery job) {
        return spans.getOrDefault(job, Span.NOOP);
    }

    /** Ends the consume span of every job this delivery had, including jobs a rebalance took away since. */
    public void endSpans() {
        spans.values().forEach(Span::end);
        spans.clear();
    }

    /**
     * The same delivery, only for {@code kept} (some of its jobs): the jobs of one model version, run by that version
     * while the others run by theirs. Starts counted and spans stay shared with this batch.
     */
    public Batch only(Collection<Delivery> kept) {
        Set<Delivery> wanted = Collections.newSetFromMap(new IdentityHashMap<>());
        wanted.addAll(kept);
        return new Batch(jobs.stream().filter(wanted::contains).toList(), counted, spans);
    }

    /** The same delivery, less the jobs of partitions this consumer no longer owns. */
    public Batch retainOwned(Set<TopicPartition> owned) {
        return new Batch(jobs.stream()
                .filter(job -> owned.contains(new TopicPartition(job.source().topic(), job.source().partition())))
                .toList(), counted, spans);
    }
}
