package dev.inferq.worker.inference;

/**
 * A loaded model together with the reader that turns jobs into its inputs (the two agree on the input type), and
 * which variant of the model folder it runs: the model file and the engine.
 *
 * @param <I> the model's input type
 */
public record ServedModel<I>(Classifier<I> classifier, InputReader<I> inputs, String variant, String engine) {

    public String name() {
        return classifier.name();
    }
}
