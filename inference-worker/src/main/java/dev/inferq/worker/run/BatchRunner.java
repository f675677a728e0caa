package dev.inferq.worker.run;


/**
 * What a {@code ModelConsumer} does with each batch before it commits the batch's offsets: store every job's outcome,
 * or throw for a transient failure, after which the consumer retries the batch.
 */
public interface BatchRunner {

    void run(Batch batch);

    /** Whether this runner wants the next batch while it runs the current one ({@link #readAhead}). */
    default boolean readsAhead() {
        return false;
    }

    /** Starts preparing {@code next}, the batch that will run after the one about to run. */
    default void readAhead(Batch next) {
    }
}
