package dev.inferq.worker.run;

import dev.inferq.worker.compute.ComputeScheduler;
import dev.inferq.worker.inference.InputReader;
import dev.inferq.worker.inference.StoredInputs;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.springframework.stereotype.Component;

/**
 * The worker's one thread that reads job inputs ahead of their batch ({@link InputPrefetch}): for image models, it
 * loads the next batch's image bytes from Redis and decodes, resizes and normalises them while the current batch's
 * forward passes run, so that preparing an image is off the passes' critical path. Its libtorch work (resize,
 * normalise) runs single-threaded: a few milliseconds per image next to passes that own the cores.
 *
 * <p>Each image prepared, ahead or not, is timed as {@code inferq.worker.image.prepare} (decode, resize and normalise;
 * not the Redis read), tagged with the model.
 */
@Component
public class InputPreparation implements AutoCloseable {

    private static final Duration[] BUCKETS = {
        Duration.ofMillis(1), Duration.ofMillis(2), Duration.ofMillis(5), Duration.ofMillis(10),
        Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250),
        Duration.ofSeconds(1)};

    private final ExecutorService executor;
    private final MeterRegistry meters;

    public InputPreparation(ComputeScheduler compute, MeterRegistry meters) {
        this.meters = meters;
        this.executor = Executors.newSingleThreadExecutor(task -> {
            Thread thread = new Thread(() -> {
                compute.singleThreaded();
                task.run();
            }, "inferq-prepare");
            thread.setDaemon(true);
            return thread;
        });
    }

    /** How one consumer of {@code model} reads its jobs' inputs: ahead, where {@code reader} says it is worth it. */
    <I> InputPrefetch<I> forModel(String model, InputReader<I> reader, StoredInputs store) {
        if (!reader.readsAhead()) {
            return new InputPrefetch<>(reader, store, null, null);
        }
        Timer prepare = Timer.builder("inferq.worker.image.prepare")
                .description("Decoding, resizing and normalising one image for its forward pass")
                .serviceLevelObjectives(BUCKETS).tag("model", model).register(meters);
        return new InputPrefetch<>(reader, store, executor, prepare);
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
