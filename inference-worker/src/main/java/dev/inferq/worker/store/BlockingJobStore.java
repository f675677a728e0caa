package dev.inferq.worker.store;

import dev.inferq.common.job.JobStore;
import dev.inferq.contract.JobId;
import dev.inferq.contract.JobRecord;
import dev.inferq.worker.WorkerProperties;
import dev.inferq.worker.inference.StoredInputs;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Flux;

/**
 * The {@link JobStore} for Kafka consumer threads, which are blocking by design: each call waits for Redis, at most
 * {@code inferq.worker.store-timeout}, and a timeout or connection failure surfaces as a
 * {@link TransientStoreException}, which makes the consumer retry the batch.
 */
@Component
public class BlockingJobStore implements StoredInputs {

    private final JobStore store;
    private final Duration timeout;

    public BlockingJobStore(JobStore store, WorkerProperties properties) {
        this.store = store;
        this.timeout = properties.storeTimeout();
    }

    /** The records of {@code ids}, in order, read with pipelined commands. */
    public List<Optional<JobRecord>> findAll(List<JobId> ids) {
        return all(Flux.fromIterable(ids).flatMapSequential(
                id -> store.find(id).map(Optional::of).defaultIfEmpty(Optional.empty())), ids.size());
    }

    /** {@link JobStore#transition} of each record, in order, with pipelined commands. */
    public List<JobStore.Transition> transitionAll(List<JobRecord> next) {
        return all(Flux.fromIterable(next).flatMapSequential(store::transition), next.size());
    }

    /** {@link JobStore#countDelivery} of each job, in order, with pipelined commands. */
    public List<Long> countDeliveries(List<JobId> ids) {
        return all(Flux.fromIterable(ids).flatMapSequential(store::countDelivery), ids.size());
    }

    /** {@link JobStore#restoreEnded}: stores a lost job's end unless it has a record after all. */
    public boolean restoreEnded(JobRecord ended) {
        return Boolean.TRUE.equals(TransientStoreException.await(store.restoreEnded(ended), timeout,
                "a lost record's end"));
    }

    /** How long a job stays readable after it ended: a job younger than that must still have its record. */
    public Duration resultTtl() {
        return store.ttl();
    }

    private <T> List<T> all(Flux<T> results, int expected) {
        if (expected == 0) {
            return List.of();
        }
        List<T> list = TransientStoreException.await(results.collectList(), timeout, expected + " pipelined commands");
        if (list == null || list.size() != expected) {
            throw new IllegalStateException("Redis answered " + (list == null ? 0 : list.size()) + " of " + expected
                    + " commands");
        }
        return list;
    }

    @Override
    public Optional<byte[]> load(JobId id) {
        return Optional.ofNullable(TransientStoreException.await(store.loadInput(id), timeout, "an input read"));
    }
}
