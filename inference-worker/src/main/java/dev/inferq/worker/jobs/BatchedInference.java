package dev.inferq.worker.jobs;

import dev.inferq.common.job.Prediction;
import dev.inferq.worker.inference.Classifier;
import dev.inferq.worker.inference.InferenceException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the inputs of many jobs through one model in as few forward passes as the batch limit allows (one, when they
 * fit) and routes the predictions back to their jobs, so that a poll of many small jobs costs one pass, not many.
 *
 * @param <I> the model's input type
 */
final class BatchedInference<I> {

    private static final Logger log = LoggerFactory.getLogger(BatchedInference.class);

    private final Classifier<I> classifier;
    private final int maxBatchSize;

    BatchedInference(Classifier<I> classifier, int maxBatchSize) {
        this.classifier = classifier;
        this.maxBatchSize = maxBatchSize;
    }

    /** One outcome per job, in the order of {@code inputsPerJob}. */
    List<Outcome> run(List<List<I>> inputsPerJob) {
        List<I> inputs = inputsPerJob.stream().<I>flatMap(List::stream).toList();
        Prediction[] predictions = new Prediction[inputs.size()];
        String[] errors = new String[inputs.size()];
        for (int from = 0; from < inputs.size(); from += maxBatchSize) {
            int to = Math.min(from + maxBatchSize, inputs.size());
            try {
                List<Prediction> pass = classifier.classify(inputs.subList(from, to));
                for (int i = 0; i < pass.size(); i++) {
                    predictions[from + i] = pass.get(i);
                }
            } catch (InferenceException e) {
                // The model cannot answer these inputs: retrying would fail again, so their jobs fail instead.
                log.error("Forward pass of {} input(s) failed; their jobs fail", to - from, e);
                Arrays.fill(errors, from, to, e.getMessage());
            }
        }
        List<Outcome> outcomes = new ArrayList<>(inputsPerJob.size());
        int start = 0;
        for (List<I> job : inputsPerJob) {
            int end = start + job.size();
            String error = Arrays.stream(errors, start, end).filter(Objects::nonNull).findFirst().orElse(null);
            outcomes.add(error != null
                    ? Outcome.failed(error)
                    : Outcome.succeeded(Arrays.asList(predictions).subList(start, end)));
            start = end;
        }
        return outcomes;
    }

    /** A job's result: its predictions, or why the model could not produce them. */
    record Outcome(List<Prediction> predictions, String error) {

        static Outcome succeeded(List<Prediction> predictions) {
            return new Outcome(List.copyOf(predictions), null);
        }

        static Outcome failed(String error) {
            return new Outcome(null, error);
        }

        boolean isSuccess() {
            return error == null;
        }
    }
}
