package dev.inferq.worker.run;

import dev.inferq.worker.store.TransientStoreException;

/**
 * What a consumer does with each batch before it commits the batch's offsets: store every job's outcome. A runner
 * throws a {@link TransientStoreException} when a store did not answer, and the consumer retries the batch; any
 * other exception is a fault, and the consumer has the runner {@link #fail} the batch's jobs instead.
 */
public interface BatchRunner {

    void run(Batch batch);

    /**
     * Ends the batch's unfinished jobs FAILED, with {@code fault} as the reason, after {@link #run} threw it. Throws
     * a {@link TransientStoreException} when a store did not answer.
     */
    void fail(Batch batch, RuntimeException fault);

    /** Whether this runner wants the next batch while it runs the current one ({@link #readAhead}). */
    default boolean readsAhead() {
        return false;
    }

    /** Starts preparing {@code next}, the batch that will run after the one about to run. */
    default void readAhead(Batch next) {
    }
}
