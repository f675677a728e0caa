package dev.inferq.worker.inference;

import dev.inferq.worker.compute.ComputeScheduler.Workload;
import java.util.Collections;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A loaded model together with the reader that turns jobs into its inputs (the two agree on the input type), how its
 * jobs are batched and which kind of work its forward passes are for the compute scheduler (as DJL's {@code ModelInfo}
 * carries a model's batch size and delay), and which variant of the model folder it runs: the model file and the
 * engine, how that variant was chosen ({@code measured}, {@code pinned} or {@code only}; see
 * {@code variant.VariantSelector}) and the milliseconds per forward pass measured at start, by batch size (empty when
 * not measured).
 *
 * @param <I> the model's input type
 */
public record ServedModel<I>(Classifier<I> classifier, InputReader<I> inputs, BatchPolicy policy, Workload workload,
        String variant, String engine, String selection, SortedMap<Integer, Double> msPerBatch) {

    public ServedModel {
        msPerBatch = Collections.unmodifiableSortedMap(new TreeMap<>(msPerBatch));
    }

    public String name() {
        return classifier.name();
    }
}
