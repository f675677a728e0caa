package dev.inferq.systemtest.faults;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Load and start-up helpers of the fault scenarios. */
final class Bursts {

    private Bursts() {
    }

    /** Runs {@code action} from {@code threads} threads, each pausing {@code pause} between calls, for {@code length}. */
    static void runBurst(int threads, Duration length, Duration pause, Runnable action) throws Exception {
        long end = System.nanoTime() + length.toNanos();
        runBurst(threads, () -> System.nanoTime() - end >= 0, length.plusSeconds(120), pause, action);
    }

    /**
     * Runs {@code action} from {@code threads} threads, each pausing {@code pause} between calls, until {@code done}
     * answers true; fails when that takes longer than {@code atMost}.
     */
    static void runBurst(int threads, BooleanSupplier done, Duration atMost, Duration pause, Runnable action)
            throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<Future<?>> running = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            running.add(pool.submit(() -> {
                while (!done.getAsBoolean()) {
                    action.run();
                    Thread.sleep(pause.toMillis());
                }
                return null;
            }));
        }
        try {
            for (Future<?> future : running) {
                future.get(atMost.toSeconds(), TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * Runs {@code starts} at once and answers their results in order: a JVM service spends most of its start-up
     * single-threaded, so two cores start two of them in little more than the time of one.
     */
    @SafeVarargs
    static <T> List<T> inParallel(Supplier<T>... starts) {
        ExecutorService pool = Executors.newFixedThreadPool(starts.length);
        try {
            List<CompletableFuture<T>> started = new ArrayList<>();
            for (Supplier<T> start : starts) {
                started.add(CompletableFuture.supplyAsync(start, pool));
            }
            return started.stream().map(CompletableFuture::join).toList();
        } finally {
            pool.shutdown();
        }
    }
}
