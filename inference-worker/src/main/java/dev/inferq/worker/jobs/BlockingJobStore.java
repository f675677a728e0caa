package dev.inferq.worker.jobs;

import dev.inferq.common.job.JobId;
import dev.inferq.common.job.JobRecord;
import dev.inferq.common.job.JobStatus;
import dev.inferq.common.job.JobStore;
import dev.inferq.worker.WorkerProperties;
import dev.inferq.worker.inference.StoredInputs;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import org.springframework.stereotype.Component;

/**
 * The {@link JobStore} for Kafka consumer threads, which are blocking by design: each call waits for Redis, at most
 * {@code inferq.worker.store-timeout}, and a timeout or connection failure surfaces as an exception that makes the
 * container retry the batch.
 */
@Component
public class BlockingJobStore implements StoredInputs {

    private final JobStore store;
    private final Duration timeout;

    public BlockingJobStore(JobStore store, WorkerProperties properties) {
        this.store = store;
        this.timeout = properties.storeTimeout();
    }

    public Optional<JobRecord> find(JobId id) {
        return Optional.ofNullable(store.find(id).block(timeout));
    }

    /** See {@link JobStore#transition}. */
    public JobStore.Transition transition(JobRecord next, JobStatus... allowedFrom) {
        return Objects.requireNonNull(store.transition(next, allowedFrom).block(timeout),
                "the transition script returned nothing for job " + next.id());
    }

    @Override
    public Optional<byte[]> load(JobId id) {
        return Optional.ofNullable(store.loadInput(id).block(timeout));
    }
}
