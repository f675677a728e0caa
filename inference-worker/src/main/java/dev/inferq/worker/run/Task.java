package dev.inferq.worker.run;

import dev.inferq.common.job.JobRecord;
import dev.inferq.common.job.Prediction;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;

/**
 * A started job in a batch: its inputs, and the slots its predictions land in. Each input is handed to the forward
 * pass together with its task and position ({@link BatchedInference}), so a prediction can only ever reach the job
 * whose input it is. Belongs to its consumer's thread.
 *
 * @param <I> the model's input type
 */
final class Task<I> {

    private final Delivery job;
    private final JobRecord running;
    private final List<I> inputs;
    private final Prediction[] predictions;
    private String error;

    Task(Delivery job, JobRecord running, List<I> inputs) {
        this.job = job;
        this.running = running;
        this.inputs = List.copyOf(inputs);
        this.predictions = new Prediction[inputs.size()];
    }

    Delivery job() {
        return job;
    }

    JobRecord running() {
        return running;
    }

    List<I> inputs() {
        return inputs;
    }

    /** Stores the prediction for this job's input number {@code index}. */
    void predicted(int index, Prediction prediction) {
        predictions[index] = prediction;
    }

    /** The model could not classify (some of) this job's inputs; the first reason given is kept. */
    void failed(String reason) {
        if (error == null) {
            error = reason;
        }
    }

    /** Why the job failed, or null when every input has its prediction. */
    String error() {
        if (error == null && Arrays.asList(predictions).contains(null)) {
            return "the model returned no prediction for some inputs";
        }
        return error;
    }

    /** The predictions, in input order; only when {@link #error()} is null. */
    List<Prediction> predictions() {
        return List.of(predictions);
    }

    /** The SUCCEEDED record; only when {@link #error()} is null. */
    JobRecord succeeded(Instant now) {
        return running.succeeded(predictions(), now);
    }
}
