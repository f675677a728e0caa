package dev.inferq.worker.run;

import dev.inferq.contract.JobId;
import dev.inferq.contract.JobRequest;
import dev.inferq.worker.inference.InputReader;
import dev.inferq.worker.inference.InvalidInputException;
import dev.inferq.worker.inference.StoredInputs;
import io.micrometer.core.instrument.Timer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * How one consumer's {@link BatchJobRunner} reads its jobs' inputs: for a model whose reader says so (images), the
 * next batch's inputs are read on the preparation thread ({@link InputPreparation}) while the current batch runs,
 * and the runner finds them ready. At most one batch is held ahead, so the memory it takes stays bounded (about 600 KB
 * per prepared 224 x 224 image).
 *
 * <p>Reading ahead changes no outcome: a job's input is only used if the job then starts, an input that cannot be read
 * fails its job with the same reason as when read in place, and a read that failed for a transient reason (Redis
 * unreachable) is simply done again in place. Belongs to its consumer's thread.
 *
 * @param <I> the model's input type
 */
final class InputPrefetch<I> {

    private final InputReader<I> reader;
    private final StoredInputs store;
    private final Executor executor;
    private final Timer prepare;
    private final Map<JobId, CompletableFuture<Read<I>>> ahead = new HashMap<>();

    /** One job's read: its stored bytes, and its inputs or why it has none. */
    private record Read<I>(Optional<byte[]> bytes, List<I> inputs, InvalidInputException invalid) {
    }

    /** {@code executor} null: inputs are read in place only, and not timed ({@code prepare} may be null). */
    InputPrefetch(InputReader<I> reader, StoredInputs store, Executor executor, Timer prepare) {
        this.reader = reader;
        this.store = store;
        this.executor = executor;
        this.prepare = prepare;
    }

    boolean readsAhead() {
        return executor != null;
    }

    /** Starts reading the inputs of {@code next}; what is still held for an earlier batch is dropped. */
    void readAhead(Batch next) {
        if (executor == null) {
            return;
        }
        ahead.values().forEach(read -> read.cancel(false));
        ahead.clear();
        for (Delivery job : next.jobs()) {
            if (!job.isMalformed()) {
                JobRequest request = job.request();
                ahead.put(request.id(), CompletableFuture.supplyAsync(
                        () -> read(request, store.load(request.id())), executor));
            }
        }
    }

    /** The stored inputs as read ahead where they were, else as {@code stored} has them. */
    StoredInputs stored(StoredInputs stored) {
        return id -> readAhead(id).map(Read::bytes).orElseGet(() -> stored.load(id));
    }

    /** The job's inputs, as read ahead or, when they were not, read now. */
    List<I> read(JobRequest request, StoredInputs stored) {
        if (executor == null) {
            return reader.read(request, stored);
        }
        Read<I> read = readAhead(request.id()).orElseGet(() -> read(request, stored.load(request.id())));
        ahead.remove(request.id());
        if (read.invalid() != null) {
            throw read.invalid();
        }
        return read.inputs();
    }

    /** Drops what was read ahead for {@code batch}'s jobs and not used (jobs that did not start). */
    void finished(Batch batch) {
        batch.jobs().stream().filter(job -> !job.isMalformed()).forEach(job -> {
            CompletableFuture<Read<I>> read = ahead.remove(job.request().id());
            if (read != null) {
                read.cancel(false);
            }
        });
    }

    /** What was read ahead for the job; empty when it was not, or when that failed for a transient reason. */
    private Optional<Read<I>> readAhead(JobId id) {
        CompletableFuture<Read<I>> read = ahead.get(id);
        if (read == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(read.join());
        } catch (CompletionException | CancellationException e) {
            ahead.remove(id);
            return Optional.empty();
        }
    }

    private Read<I> read(JobRequest request, Optional<byte[]> bytes) {
        long start = System.nanoTime();
        try {
            return new Read<>(bytes, reader.read(request, id -> bytes), null);
        } catch (InvalidInputException e) {
            return new Read<>(bytes, null, e);
        } finally {
            prepare.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
        }
    }
}
