package dev.inferq.worker.jobs;

/**
 * What a {@link ModelConsumer} does with each batch before it commits the batch's offsets: store every job's outcome,
 * or throw for a transient failure, after which the consumer retries the batch.
 */
interface BatchRunner {

    void run(Batch batch);
}
