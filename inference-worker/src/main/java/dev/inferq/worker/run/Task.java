package dev.inferq.worker.run;

import dev.inferq.contract.Prediction;
import java.util.Arrays;
import java.util.List;

/**
 * A computation's inputs, and the slots its predictions land in: what DJL would call a job. Each input is handed to
 * the forward pass together with its task and position ({@link BatchedInference}), so a prediction can only ever
 * reach the job whose input it is. Belongs to its consumer's thread.
 *
 * @param <I> the model's input type
 */
final class Task<I> {

    private final Computation computation;
    private final List<I> inputs;
    private final Prediction[] predictions;
    private String error;

    Task(Computation computation, List<I> inputs) {
        this.computation = computation;
        this.inputs = List.copyOf(inputs);
        this.predictions = new Prediction[inputs.size()];
    }

    /** The jobs this task's predictions answer. */
    Computation computation() {
        return computation;
    }

    List<I> inputs() {
        return inputs;
    }

    /** Stores the prediction for this task's input number {@code index}. */
    void predicted(int index, Prediction prediction) {
        predictions[index] = prediction;
    }

    /** The model could not classify (some of) this task's inputs; the first reason given is kept. */
    void failed(String reason) {
        if (error == null) {
            error = reason;
        }
    }

    /** Why the task failed, or null when every input has its prediction. */
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
}
