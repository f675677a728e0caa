package dev.inferq.worker.run;

import dev.inferq.contract.Prediction;
import dev.inferq.worker.compute.ComputeScheduler;
import dev.inferq.worker.compute.PassSizes;
import dev.inferq.worker.inference.Classifier;
import dev.inferq.worker.inference.InferenceException;
import io.micrometer.tracing.Span;
import io.micrometer.tracing.Tracer;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the inputs of many jobs through one model in as few forward passes as the batch limit allows (one, when they
 * fit), so that a poll of many small jobs costs one pass, not many. Every input travels with its {@link Task} and its
 * position in that task, and each prediction is handed straight back to them: no list is matched to another by index.
 * Each pass is measured ({@link JobMetrics#forwardPass}) and traced ({@code inferq.forward}), failed or not.
 *
 * <p>Every pass goes through the worker's {@link ComputeScheduler}, which decides when it starts and with how many
 * threads, and how many inputs a pass of this model may take (an image batch may run as several passes).
 *
 * @param <I> the model's input type
 */
final class BatchedInference<I> {

    private static final Logger log = LoggerFactory.getLogger(BatchedInference.class);

    private final Classifier<I> classifier;
    private final ComputeScheduler compute;
    private final ComputeScheduler.Workload workload;
    private final PassSizes sizes;
    private final JobMetrics metrics;
    private final JobTracing tracing;

    /**
     * @param sizes how many inputs each pass takes ({@link ComputeScheduler#passSizes}): a batch with more runs as
     *     several passes; each pass's time is reported back to it
     */
    BatchedInference(Classifier<I> classifier, PassSizes sizes, ComputeScheduler compute,
            ComputeScheduler.Workload workload, JobMetrics metrics, JobTracing tracing) {
        this.classifier = classifier;
        this.compute = compute;
        this.workload = workload;
        this.sizes = sizes;
        this.metrics = metrics;
        this.tracing = tracing;
    }

    /** One input of one task. */
    private record Slot<I>(Task<I> task, int index) {

        I input() {
            return task.inputs().get(index);
        }
    }

    /** Classifies every input of {@code tasks}; each task ends with all its predictions or with a reason. */
    void run(List<Task<I>> tasks) {
        List<Slot<I>> slots = new ArrayList<>();
        for (Task<I> task : tasks) {
            for (int i = 0; i < task.inputs().size(); i++) {
                slots.add(new Slot<>(task, i));
            }
        }
        int from = 0;
        while (from < slots.size()) {
            List<Slot<I>> pass = slots.subList(from, from + sizes.next(slots.size() - from));
            from += pass.size();
            Span span = tracing.forward(classifier.name(), pass.size(),
                    (int) pass.stream().map(Slot::task).distinct().count());
            try (Tracer.SpanInScope scope = tracing.inScope(span)) {
                List<Prediction> predictions = classify(pass);
                if (predictions.size() != pass.size()) {
                    throw new InferenceException("model '" + classifier.name() + "' answered " + predictions.size()
                            + " predictions for " + pass.size() + " inputs", null);
                }
                for (int i = 0; i < pass.size(); i++) {
                    pass.get(i).task().predicted(pass.get(i).index(), predictions.get(i));
                }
            } catch (InferenceException e) {
                // The model cannot answer these inputs: retrying would fail again, so their jobs fail instead.
                span.error(e);
                log.error("Forward pass of {} input(s) failed; their jobs fail", pass.size(), e);
                pass.forEach(slot -> slot.task().failed(e.getMessage()));
            } finally {
                span.end();
            }
        }
    }

    private List<Prediction> classify(List<Slot<I>> pass) {
        List<I> inputs = pass.stream().map(Slot::input).toList();
        long asked = System.nanoTime();
        return compute.run(workload, () -> {
            long start = System.nanoTime();
            metrics.computeWait(start - asked);
            try {
                List<Prediction> predictions = classifier.classify(inputs);
                // Only passes that answered: a failing one says nothing of how long the size takes.
                sizes.ran(pass.size(), System.nanoTime() - start);
                return predictions;
            } finally {
                metrics.forwardPass(pass.size(), System.nanoTime() - start);
            }
        });
    }
}
