package dev.inferq.worker.inference;

import dev.inferq.contract.Prediction;
import java.util.List;

/**
 * A loaded model that classifies inputs of type {@code I}. Safe to call from several threads at once.
 *
 * @param <I> what the model takes: a text, an image
 */
public interface Classifier<I> extends AutoCloseable {

    /** The model's name, as in the models folder and the job contract. */
    String name();

    /**
     * Classifies {@code inputs} in one batched forward pass.
     *
     * @return one prediction per input, in input order, label scores ranked best first
     * @throws InferenceException when the model cannot answer for this batch
     */
    List<Prediction> classify(List<I> inputs);

    /** Releases the model's native memory; the classifier is unusable afterwards. */
    @Override
    void close();
}
