package dev.inferq.worker.inference.versions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.awaitility.Awaitility.await;

import dev.inferq.common.model.ModelDescriptor;
import dev.inferq.common.model.ModelTask;
import dev.inferq.common.model.versions.ModelVersions;
import dev.inferq.contract.JobId;
import dev.inferq.contract.JobInput;
import dev.inferq.contract.JobRequest;
import dev.inferq.contract.Prediction;
import dev.inferq.worker.compute.ComputeScheduler.Workload;
import dev.inferq.worker.inference.BatchPolicy;
import dev.inferq.worker.inference.Classifier;
import dev.inferq.worker.inference.ServedModel;
import dev.inferq.worker.inference.TextInputReader;
import dev.inferq.worker.run.Batch;
import dev.inferq.worker.run.BatchRunner;
import dev.inferq.worker.run.Delivery;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How a batch of one model's jobs is split among its versions, and how versions load and unload under it: no Kafka,
 * Redis or libtorch (the versions' models are stand-ins that only count their closing).
 */
class VersionedBatchRunnerTest {

    private static final Instant NOW = Instant.parse("2026-12-07T19:00:00Z");
    private static final ModelDescriptor BASE = new ModelDescriptor("sentiment", ModelTask.TEXT_CLASSIFICATION,
            List.of("negative", "positive"), Path.of("/models/sentiment"), Map.of());

    @TempDir
    Path temp;
    private final Map<Path, FakeClassifier> loadedFrom = new ConcurrentHashMap<>();
    private final FakeClassifier first = new FakeClassifier();
    private final AtomicInteger changes = new AtomicInteger();
    private volatile ModelVersions stored = ModelVersions.initial("sentiment");
    private final ModelVersionSet versions = new ModelVersionSet(BASE, served(first), descriptor -> {
        if (descriptor.directory().toString().contains("broken")) {
            throw new IllegalStateException("no weights in " + descriptor.directory());
        }
        FakeClassifier classifier = new FakeClassifier();
        loadedFrom.put(descriptor.directory(), classifier);
        return served(classifier);
    }, () -> Optional.of(stored), changes::incrementAndGet);
    /** What each version's runner ran: version -> ids of its jobs, batch after batch. */
    private final Map<Integer, List<String>> ran = new ConcurrentHashMap<>();
    private final VersionedBatchRunner runner = new VersionedBatchRunner(versions, version -> new Recorder(version));

    @Test
    void eachJobRunsOnTheVersionItNamesAndTheRestOnTheDefault() {
        stored = stored.add(folder("sentiment-2"), NOW);

        runner.run(batch(job("a", "1"), job("b", "2"), job("c", null), job("d", "2")));

        assertThat(ran).containsOnly(Map.entry(1, List.of("a", "c")), Map.entry(2, List.of("b", "d")));
        assertThat(loadedFrom).as("version 2, unknown to the worker, was looked up and loaded on demand")
                .containsOnlyKeys(Path.of(folder("sentiment-2")));
        assertThat(versions.loadedVersions()).containsExactly(1, 2);
        assertThat(changes.get()).isEqualTo(1);
    }

    @Test
    void aRetiredVersionsQueuedJobsRunOnTheDefaultAndTheVersionIsUnloaded() {
        stored = stored.add(folder("sentiment-2"), NOW);
        versions.sync(stored);
        stored = stored.withDefault(2).retire(1, NOW);
        versions.sync(stored);

        runner.run(batch(job("queued-for-1", "1"), job("new", null)));

        assertThat(ran).containsOnly(Map.entry(2, List.of("queued-for-1", "new")));
        assertThat(versions.loadedVersions()).containsExactly(2);
        assertThat(first.closed.get()).isEqualTo(1);
    }

    @Test
    void aBatchThatMeetsNewsOfItsOwnVersionsRetirementStillRuns() {
        // The worker has not seen the change yet; its batch holds version 1 when a job names version 2.
        stored = stored.add(folder("sentiment-2"), NOW).withDefault(2).retire(1, NOW);

        assertTimeoutPreemptively(Duration.ofSeconds(10),
                () -> runner.run(batch(job("routed-before", null), job("new", "2"))));

        assertThat(ran).containsOnly(Map.entry(1, List.of("routed-before")), Map.entry(2, List.of("new")));
        versions.sync(stored);
        assertThat(versions.loadedVersions()).as("unloaded by the next refresh").containsExactly(2);
        assertThat(first.closed.get()).isEqualTo(1);
    }

    @Test
    void aVersionThatCannotLoadHereLeavesItsJobsToTheDefault() {
        stored = stored.add(folder("broken"), NOW);
        versions.sync(stored);

        runner.run(batch(job("named-broken", "2"), job("plain", null)));

        assertThat(ran).containsOnly(Map.entry(1, List.of("named-broken", "plain")));
        assertThat(versions.loadedVersions()).containsExactly(1);
    }

    @Test
    void unloadingWaitsForTheBatchRunningOnTheVersion() throws Exception {
        stored = stored.add(folder("sentiment-2"), NOW);
        versions.sync(stored);
        CountDownLatch running = new CountDownLatch(1);
        CountDownLatch finish = new CountDownLatch(1);
        VersionedBatchRunner blocking = new VersionedBatchRunner(versions, version -> new Recorder(version) {
            @Override
            public void run(Batch batch) {
                running.countDown();
                awaitLatch(finish);
                super.run(batch);
            }
        });
        CompletableFuture<Void> batch = CompletableFuture.runAsync(() -> blocking.run(batch(job("slow", "2"))));
        assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();

        stored = stored.retire(2, NOW);
        CompletableFuture<Void> retire = CompletableFuture.runAsync(() -> versions.sync(stored));
        // Taken off the versions to run on at once; closed only once the batch is done.
        await().atMost(Duration.ofSeconds(10)).until(() -> !versions.loadedVersions().contains(2));
        FakeClassifier two = loadedFrom.get(Path.of(folder("sentiment-2")));
        assertThat(retire).as("unloading waits for the batch").isNotDone();
        assertThat(two.closed.get()).isZero();

        finish.countDown();
        batch.get(10, TimeUnit.SECONDS);
        retire.get(10, TimeUnit.SECONDS);
        assertThat(two.closed.get()).isEqualTo(1);
        assertThat(ran).containsOnly(Map.entry(2, List.of("slow")));
        assertThat(versions.loadedVersions()).containsExactly(1);
    }

    private static void awaitLatch(CountDownLatch latch) {
        try {
            assertThat(latch.await(10, TimeUnit.SECONDS)).isTrue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A model folder's metadata (weights are the stand-in loader's business), under {@code temp}; its path. */
    private String folder(String name) {
        Path folder = temp.resolve(name);
        try {
            Files.createDirectories(folder);
            Files.writeString(folder.resolve("serving.properties"), "application=nlp/text_classification\n");
            Files.writeString(folder.resolve("synset.txt"), "negative\npositive\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return folder.toString();
    }

    private static ServedModel<String> served(FakeClassifier classifier) {
        return new ServedModel<>(classifier, new TextInputReader(), new BatchPolicy(8, Duration.ZERO),
                Workload.LATENCY, "sentiment", "PyTorch", "only", new TreeMap<>());
    }

    private static Delivery job(String text, String version) {
        JobRequest request = JobRequest.of(JobId.random(), "sentiment", new JobInput.Texts(List.of(text)), NOW)
                .withModelVersion(version);
        return new Delivery(new ConsumerRecord<>("inferq.jobs.sentiment", 0, 0, request.id().value(), new byte[0]),
                request, null);
    }

    private static Batch batch(Delivery... jobs) {
        return new Batch(List.of(jobs));
    }

    /** A version's runner that records the texts of the jobs it ran. */
    private class Recorder implements BatchRunner {

        private final int version;

        Recorder(LoadedVersion version) {
            this.version = version.version();
        }

        @Override
        public void run(Batch batch) {
            batch.jobs().forEach(job -> ran.computeIfAbsent(version, v -> new ArrayList<>())
                    .add(((JobInput.Texts) job.request().input()).texts().get(0)));
        }

        @Override
        public void fail(Batch batch, RuntimeException fault) {
            throw fault;
        }
    }

    /** A loaded model that counts how often it was closed. */
    private static final class FakeClassifier implements Classifier<String> {

        private final AtomicInteger closed = new AtomicInteger();

        @Override
        public String name() {
            return "sentiment";
        }

        @Override
        public List<Prediction> classify(List<String> inputs) {
            throw new UnsupportedOperationException("not run in these tests");
        }

        @Override
        public void close() {
            closed.incrementAndGet();
        }
    }
}
