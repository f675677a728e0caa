package dev.inferq.worker.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

import dev.inferq.contract.JobId;
import dev.inferq.contract.JobInput;
import dev.inferq.contract.JobRecord;
import dev.inferq.contract.JobRequest;
import dev.inferq.contract.Prediction;
import dev.inferq.worker.TinyModels;
import dev.inferq.worker.compute.ComputeProperties;
import dev.inferq.worker.compute.ComputeScheduler.Workload;
import dev.inferq.worker.compute.ComputeScheduler;
import dev.inferq.worker.inference.Classifier;
import dev.inferq.worker.inference.InferenceException;
import dev.inferq.worker.inference.TextClassifier;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Flattening jobs into forward passes and routing predictions back, on the real sentiment model. */
class BatchedInferenceIT {

    private static final ComputeScheduler COMPUTE =
            new ComputeScheduler(
                    new ComputeProperties(0, 1, Duration.ofMillis(600), Duration.ZERO, Duration.ofSeconds(2)));
    static TextClassifier sentiment;
    private final MeterRegistry meters = new SimpleMeterRegistry();

    @BeforeAll
    static void load() throws Exception {
        sentiment = TextClassifier.load(TinyModels.model("sentiment"));
    }

    @AfterAll
    static void close() {
        sentiment.close();
    }

    @Test
    void eachJobGetsThePredictionsOfItsOwnInputsInOrder() {
        List<List<String>> jobs = List.of(
                List.of("great film"),
                List.of("awful food", "the best day ever", "meh"),
                List.of("storm damage everywhere", "lovely weather"));
        CountingClassifier counting = new CountingClassifier(sentiment);

        List<Task<String>> tasks = run(counting, 32, jobs);

        assertThat(counting.passSizes).containsExactly(6);
        for (int job = 0; job < jobs.size(); job++) {
            assertThat(tasks.get(job).error()).isNull();
            assertThat(labels(tasks.get(job).predictions()))
                    .isEqualTo(labels(sentiment.classify(jobs.get(job))));
        }
    }

    @Test
    void splitsInputsIntoPassesOfAtMostTheBatchLimitEvenAcrossJobs() {
        List<List<String>> jobs = List.of(List.of("a", "b", "c"), List.of("d"), List.of("e", "f"));
        CountingClassifier counting = new CountingClassifier(sentiment);

        List<Task<String>> tasks = run(counting, 4, jobs);

        assertThat(counting.passSizes).containsExactly(4, 2);
        assertThat(tasks).extracting(task -> task.predictions().size())
                .containsExactly(3, 1, 2);
    }

    @Test
    void everyPassIsMeasuredWithItsInputsAndTimeFailedOrNot() {
        Classifier<String> failsOnBoom = failsOnBoom();

        run(failsOnBoom, 4, List.of(List.of("a", "b", "c"), List.of("d", "boom"), List.of("e")));

        var inputs = meters.get("inferq.batch.inputs").tag("model", "sentiment").summary();
        var passes = meters.get("inferq.forward.pass").tag("model", "sentiment").timer();
        assertThat(inputs.count()).isEqualTo(2);
        assertThat(inputs.totalAmount()).isEqualTo(6);
        assertThat(passes.count()).isEqualTo(2);
        assertThat(meters.get("inferq.worker.busy").tag("model", "sentiment").counter().count())
                .isPositive()
                .isEqualTo(passes.totalTime(TimeUnit.SECONDS), offset(1e-6));
    }

    @Test
    void aFailedPassFailsOnlyTheJobsWithInputsInIt() {
        List<List<String>> jobs = List.of(List.of("fine"), List.of("fine", "boom"), List.of("fine"), List.of("ok"));
        Classifier<String> failsOnBoom = failsOnBoom();

        // Passes of two: [fine, fine] [boom, fine] [ok]; the second job spans the first two passes.
        List<Task<String>> tasks = run(failsOnBoom, 2, jobs);

        assertThat(tasks).extracting(task -> task.error() == null).containsExactly(true, false, false, true);
        assertThat(tasks.get(1).error()).isEqualTo("model 'sentiment' could not classify: shape mismatch");
    }

    @Test
    void anImageModelsBatchRunsAsPassesOfTheSchedulersBulkSize() {
        CountingClassifier counting = new CountingClassifier(sentiment);
        ComputeScheduler bulkOfTwo =
                new ComputeScheduler(
                        new ComputeProperties(0, 2, Duration.ofMillis(600), Duration.ZERO, Duration.ofSeconds(2)));
        List<Task<String>> tasks = tasks(List.of(List.of("a", "b", "c"), List.of("d", "e")));

        new BatchedInference<>(counting, bulkOfTwo.passSizes(Workload.BULK, 8, new TreeMap<>()), bulkOfTwo,
                Workload.BULK, new JobMetrics(meters, "sentiment"), JobTracing.noop()).run(tasks);

        assertThat(counting.passSizes).containsExactly(2, 2, 1);
        assertThat(tasks).allSatisfy(task -> assertThat(task.error()).isNull());
    }

    @Test
    void noJobsNeedNoPass() {
        CountingClassifier counting = new CountingClassifier(sentiment);

        new BatchedInference<>(counting, COMPUTE.passSizes(Workload.LATENCY, 8, new TreeMap<>()), COMPUTE,
                Workload.LATENCY, new JobMetrics(meters, "sentiment"), JobTracing.noop()).run(List.of());

        assertThat(counting.passSizes).isEmpty();
    }

    /** The real model, failing every pass that has the input "boom". */
    private static Classifier<String> failsOnBoom() {
        return new CountingClassifier(sentiment) {
            @Override
            public List<Prediction> classify(List<String> inputs) {
                if (inputs.contains("boom")) {
                    throw new InferenceException("model 'sentiment' could not classify: shape mismatch", null);
                }
                return super.classify(inputs);
            }
        };
    }

    private static List<String> labels(List<Prediction> predictions) {
        return predictions.stream().map(Prediction::label).toList();
    }

    /** Runs each list of texts as one started job's inputs. */
    private List<Task<String>> run(Classifier<String> classifier, int batchSize, List<List<String>> jobs) {
        List<Task<String>> tasks = tasks(jobs);
        new BatchedInference<>(classifier, COMPUTE.passSizes(Workload.LATENCY, batchSize, new TreeMap<>()),
                COMPUTE, Workload.LATENCY, new JobMetrics(meters, "sentiment"), JobTracing.noop()).run(tasks);
        return tasks;
    }

    private static List<Task<String>> tasks(List<List<String>> jobs) {
        return jobs.stream().map(texts -> {
            JobRequest request = JobRequest.of(JobId.random(), "sentiment", new JobInput.Texts(texts), Instant.now());
            JobRun job = new JobRun(new Delivery(null, request, null),
                    JobRecord.queued(request).running(Instant.now(), "w"));
            return new Task<>(new Computation(job), texts);
        }).toList();
    }

    /** The real model, recording the size of each forward pass it is asked for. */
    private static class CountingClassifier implements Classifier<String> {
        final List<Integer> passSizes = new ArrayList<>();
        private final Classifier<String> model;

        CountingClassifier(Classifier<String> model) {
            this.model = model;
        }

        @Override
        public String name() {
            return model.name();
        }

        @Override
        public List<Prediction> classify(List<String> inputs) {
            passSizes.add(inputs.size());
            return model.classify(inputs);
        }

        @Override
        public void close() {
        }
    }
}
