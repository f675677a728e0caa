package dev.inferq.worker.compute;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.inferq.worker.compute.ComputeScheduler.Workload;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Ordering, thread counts, errors and shutdown of the compute scheduler, with fake passes and a fake clock. */
class ComputeSchedulerTest {

    private static final Duration RESERVE = Duration.ofSeconds(2);
    private static final Duration MAX_WAIT = Duration.ofSeconds(2);
    private static final Duration PASS_TIME = Duration.ofMillis(600);

    private final ExecutorService callers = Executors.newCachedThreadPool();
    private final AtomicLong clock = new AtomicLong();
    /** Which passes started, in order, with the threads each was given. */
    private final List<String> started = Collections.synchronizedList(new ArrayList<>());
    private final List<Integer> threadsSet = Collections.synchronizedList(new ArrayList<>());

    @AfterEach
    void stopCallers() {
        callers.shutdownNow();
    }

    private ComputeScheduler scheduler(int threads, Duration reserve) {
        return new ComputeScheduler(new ComputeProperties(threads, 1, PASS_TIME, reserve, MAX_WAIT), threadsSet::add,
                clock::get);
    }

    /** Runs a pass named {@code name} on another thread; it records its start, then waits for {@code proceed}. */
    private CompletableFuture<String> submit(ComputeScheduler scheduler, Workload workload, String name,
            CountDownLatch proceed) {
        return CompletableFuture.supplyAsync(() -> scheduler.run(workload, () -> {
            started.add(name);
            hold(proceed);
            return name;
        }), callers);
    }

    private static void hold(CountDownLatch latch) {
        try {
            if (!latch.await(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the test never released this pass");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static CountDownLatch released() {
        return new CountDownLatch(0);
    }

    private void awaitWaiting(ComputeScheduler scheduler, int count) {
        await().atMost(Duration.ofSeconds(10)).until(() -> scheduler.waiting() == count);
    }

    private void awaitStarted(String name) {
        await().atMost(Duration.ofSeconds(10)).until(() -> started.contains(name));
    }

    @Test
    void aTextPassSubmittedWhileImagePassesQueueRunsBeforeTheQueuedImagePasses() throws Exception {
        ComputeScheduler scheduler = scheduler(1, Duration.ZERO);
        CountDownLatch firstImage = new CountDownLatch(1);
        CompletableFuture<String> running = submit(scheduler, Workload.BULK, "image 1", firstImage);
        awaitStarted("image 1");
        CompletableFuture<String> second = submit(scheduler, Workload.BULK, "image 2", released());
        awaitWaiting(scheduler, 1);
        CompletableFuture<String> third = submit(scheduler, Workload.BULK, "image 3", released());
        awaitWaiting(scheduler, 2);
        CompletableFuture<String> text = submit(scheduler, Workload.LATENCY, "text", released());
        awaitWaiting(scheduler, 3);

        firstImage.countDown();
        CompletableFuture.allOf(running, second, third, text).get(30, TimeUnit.SECONDS);

        assertThat(started).containsExactly("image 1", "text", "image 2", "image 3");
    }

    @Test
    void anImagePassThatWaitedPastTheBoundGoesBeforeTextPassesThatCameAfterIt() throws Exception {
        ComputeScheduler scheduler = scheduler(1, Duration.ZERO);
        CountDownLatch firstText = new CountDownLatch(1);
        CompletableFuture<String> running = submit(scheduler, Workload.LATENCY, "text 1", firstText);
        awaitStarted("text 1");
        CompletableFuture<String> image = submit(scheduler, Workload.BULK, "image", released());
        awaitWaiting(scheduler, 1);
        clock.addAndGet(MAX_WAIT.toNanos());
        CompletableFuture<String> later = submit(scheduler, Workload.LATENCY, "text 2", released());
        awaitWaiting(scheduler, 2);

        firstText.countDown();
        CompletableFuture.allOf(running, image, later).get(30, TimeUnit.SECONDS);

        assertThat(started).containsExactly("text 1", "image", "text 2");
    }

    @Test
    void eachKindTakesEveryThreadAloneAndTheyShareWhileBothWereActiveWithinTheReserve() throws Exception {
        ComputeScheduler scheduler = scheduler(2, RESERVE);

        scheduler.run(Workload.BULK, () -> "image before any text");
        scheduler.run(Workload.LATENCY, () -> "text right after an image");
        clock.addAndGet(RESERVE.toNanos() + 1);
        scheduler.run(Workload.LATENCY, () -> "text after a quiet spell of images");
        clock.addAndGet(RESERVE.toNanos() / 2);
        CountDownLatch image = new CountDownLatch(1);
        CompletableFuture<String> imageBesideText = submit(scheduler, Workload.BULK, "image beside text", image);
        awaitStarted("image beside text");
        String text = scheduler.run(Workload.LATENCY, () -> "text while the image runs");
        image.countDown();
        imageBesideText.get(30, TimeUnit.SECONDS);
        clock.addAndGet(RESERVE.toNanos() + 1);
        scheduler.run(Workload.BULK, () -> "image after a quiet spell of text");

        assertThat(text).isEqualTo("text while the image runs");
        assertThat(threadsSet).containsExactly(2, 1, 2, 1, 1, 2);
    }

    @Test
    void withoutAReserveEveryPassTakesEveryThreadAndTextWaitsForTheImagePass() throws Exception {
        ComputeScheduler scheduler = scheduler(2, Duration.ZERO);
        CountDownLatch image = new CountDownLatch(1);
        CompletableFuture<String> running = submit(scheduler, Workload.BULK, "image", image);
        awaitStarted("image");
        CompletableFuture<String> text = submit(scheduler, Workload.LATENCY, "text", released());
        awaitWaiting(scheduler, 1);

        image.countDown();
        CompletableFuture.allOf(running, text).get(30, TimeUnit.SECONDS);

        assertThat(started).containsExactly("image", "text");
        assertThat(threadsSet).containsExactly(2, 2);
    }

    @Test
    void aSecondImagePassDoesNotTakeTheThreadKeptForText() throws Exception {
        ComputeScheduler scheduler = scheduler(2, RESERVE);
        scheduler.run(Workload.LATENCY, () -> "text");
        CountDownLatch first = new CountDownLatch(1);
        CompletableFuture<String> one = submit(scheduler, Workload.BULK, "image 1", first);
        awaitStarted("image 1");
        CompletableFuture<String> two = submit(scheduler, Workload.BULK, "image 2", released());
        awaitWaiting(scheduler, 1);

        String text = scheduler.run(Workload.LATENCY, () -> "text beside image 1");
        assertThat(started).containsExactly("image 1");

        first.countDown();
        CompletableFuture.allOf(one, two).get(30, TimeUnit.SECONDS);
        assertThat(text).isEqualTo("text beside image 1");
        assertThat(started).containsExactly("image 1", "image 2");
    }

    @Test
    void errorsOfAPassReachItsCallerAndFreeItsThreads() {
        ComputeScheduler scheduler = scheduler(1, RESERVE);
        IllegalStateException failure = new IllegalStateException("the model cannot take this input");

        assertThatThrownBy(() -> scheduler.run(Workload.BULK, () -> {
            throw failure;
        })).isSameAs(failure);

        assertThat(scheduler.run(Workload.LATENCY, () -> "next pass")).isEqualTo("next pass");
    }

    @Test
    void closingRefusesWaitingAndNewPassesWhileRunningOnesFinish() throws Exception {
        ComputeScheduler scheduler = scheduler(1, RESERVE);
        CountDownLatch first = new CountDownLatch(1);
        CompletableFuture<String> running = submit(scheduler, Workload.BULK, "running", first);
        awaitStarted("running");
        CompletableFuture<String> waiting = submit(scheduler, Workload.LATENCY, "waiting", released());
        awaitWaiting(scheduler, 1);

        scheduler.close();

        assertThatThrownBy(() -> waiting.get(30, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(RejectedExecutionException.class).cause().hasMessageContaining("stopping");
        assertThatThrownBy(() -> scheduler.run(Workload.LATENCY, () -> "late"))
                .isInstanceOf(RejectedExecutionException.class);
        first.countDown();
        assertThat(running.get(30, TimeUnit.SECONDS)).isEqualTo("running");
        assertThat(started).containsExactly("running");
    }

    @Test
    void imageBatchesAreSplitIntoPassesOfBulkPassInputsAndTextBatchesAreNot() {
        ComputeScheduler scheduler = new ComputeScheduler(new ComputeProperties(2, 2, PASS_TIME, RESERVE, MAX_WAIT),
                threadsSet::add, clock::get);

        assertThat(scheduler.passSizes(Workload.BULK, 4, timed(1, 68.0, 4, 244.0)).next(5)).isEqualTo(2);
        assertThat(scheduler.passSizes(Workload.BULK, 1, timed()).next(5)).isEqualTo(1);
        assertThat(scheduler.passSizes(Workload.LATENCY, 32, timed(1, 5.0, 32, 40.0)).next(40)).isEqualTo(32);
        assertThat(scheduler.passSizes(Workload.LATENCY, 32, timed()).next(3)).isEqualTo(3);
    }

    @Test
    void byDefaultImagePassesTakeTheBatchSizeTimedFastestPerInputWithinThePassTime() {
        ComputeScheduler scheduler = new ComputeScheduler(new ComputeProperties(2, 0, PASS_TIME, RESERVE, MAX_WAIT),
                threadsSet::add, clock::get);

        // bf16 ViT-B/16 on a Zen 5: 61 ms per image at batch 4 against 68 alone.
        assertThat(scheduler.passSizes(Workload.BULK, 4, timed(1, 68.0, 4, 244.0)).chosen()).isEqualTo(4);
        // Faster per input at batch 1.
        assertThat(scheduler.passSizes(Workload.BULK, 4, timed(1, 50.0, 4, 240.0)).chosen()).isEqualTo(1);
        // float32 at batch 4 is faster per image but its 904 ms pass would hold text past the 600 ms pass time.
        assertThat(scheduler.passSizes(Workload.BULK, 4, timed(1, 259.0, 4, 904.0)).chosen()).isEqualTo(1);
        // Not timed at all (pinned, a single variant): one input until passes are measured.
        assertThat(scheduler.passSizes(Workload.BULK, 4, timed()).chosen()).isEqualTo(1);
    }

    /** Milliseconds per forward pass by batch size, as the variant selection measures them: size, ms, size, ms... */
    static SortedMap<Integer, Double> timed(Object... sizeThenMs) {
        SortedMap<Integer, Double> ms = new TreeMap<>();
        for (int i = 0; i < sizeThenMs.length; i += 2) {
            ms.put((Integer) sizeThenMs[i], (Double) sizeThenMs[i + 1]);
        }
        return ms;
    }

    @Test
    void zeroThreadsMeansEveryCore() {
        assertThat(new ComputeProperties(0, 1, PASS_TIME, RESERVE, MAX_WAIT).threadBudget())
                .isEqualTo(Runtime.getRuntime().availableProcessors());
        assertThatThrownBy(() -> new ComputeProperties(-1, 1, PASS_TIME, RESERVE, MAX_WAIT))
                .hasMessageContaining("inferq.worker.compute.threads");
    }
}
