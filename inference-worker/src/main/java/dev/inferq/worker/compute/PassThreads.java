package dev.inferq.worker.compute;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The threads forward passes run on ({@code inferq-pass-N}), as many as the scheduler's thread budget, so a pass that
 * has its threads never queues here. Their own names (which the OpenMP teams they start inherit) let CPU time be told
 * apart per thread: forward passes from the consumer that fetched and batched the jobs.
 */
final class PassThreads implements AutoCloseable {

    private final ExecutorService executor;

    PassThreads(int count) {
        AtomicInteger next = new AtomicInteger();
        this.executor = Executors.newFixedThreadPool(count, task -> {
            Thread thread = new Thread(task, "inferq-pass-" + next.getAndIncrement());
            thread.setDaemon(true);
            return thread;
        });
    }

    /**
     * Runs {@code pass} on a pass thread and answers what it answers or throws what it throws. Waits for the pass even
     * when interrupted: it holds its threads until it ends, and libtorch cannot stop a pass half way; the interrupt is
     * kept for the caller.
     */
    <T> T run(Supplier<T> pass) {
        Future<T> result = executor.submit(pass::get);
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return result.get();
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException e) {
                    throw unchecked(e.getCause());
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Passes running finish; no new one starts. */
    @Override
    public void close() {
        executor.shutdown();
    }

    private static RuntimeException unchecked(Throwable cause) {
        if (cause instanceof RuntimeException runtime) {
            return runtime;
        }
        if (cause instanceof Error error) {
            throw error;
        }
        return new IllegalStateException("a forward pass failed", cause);
    }
}
