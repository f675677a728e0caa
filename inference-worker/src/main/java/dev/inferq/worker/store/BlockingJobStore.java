package dev.inferq.worker.store;

import dev.inferq.common.job.JobStore;
import dev.inferq.common.job.StartOrder;
import dev.inferq.common.job.StartResult;
import dev.inferq.contract.JobId;
import dev.inferq.contract.JobRecord;
import dev.inferq.worker.WorkerProperties;
import dev.inferq.worker.inference.StoredInputs;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;

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

    /** {@link JobStore#findAll}: the records of {@code ids}, in order, read with one command. */
    public List<Optional<JobRecord>> findAll(List<JobId> ids) {
        return all(store.findAll(ids), ids.size(), "a read of " + ids.size() + " records");
    }

    /** {@link JobStore#transitionAll}: the transitions of {@code next}, in order, with one script call. */
    public List<JobStore.Transition> transitionAll(List<JobRecord> next) {
        return all(store.transitionAll(next), next.size(), "the transitions of " + next.size() + " jobs");
    }

    /** {@link JobStore#start}: the starts of {@code orders}, in order, with one script call. */
    public List<StartResult> start(List<StartOrder> orders, boolean keepStored, long maxDeliveries) {
        return all(store.start(orders, keepStored, maxDeliveries), orders.size(), "the starts of " + orders.size()
                + " jobs");
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

    private <T> List<T> all(Mono<List<T>> results, int expected, String what) {
        if (expected == 0) {
            return List.of();
        }
        List<T> list = TransientStoreException.await(results, timeout, what);
        if (list == null || list.size() != expected) {
            throw new IllegalStateException("Redis answered " + (list == null ? 0 : list.size()) + " of " + expected
                    + " jobs in " + what);
        }
        return list;
    }

    @Override
    public Optional<byte[]> load(JobId id) {
        return Optional.ofNullable(TransientStoreException.await(store.loadInput(id), timeout, "an input read"));
    }
}
