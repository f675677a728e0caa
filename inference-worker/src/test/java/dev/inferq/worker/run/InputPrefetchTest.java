package dev.inferq.worker.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.inferq.contract.ErrorCodes;
import dev.inferq.contract.JobId;
import dev.inferq.contract.JobInput;
import dev.inferq.contract.JobRequest;
import dev.inferq.worker.inference.InputReader;
import dev.inferq.worker.inference.InvalidInputException;
import dev.inferq.worker.inference.StoredInputs;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Reading a batch's inputs ahead: used when ready, the same failures as in place, transient failures redone. */
class InputPrefetchTest {

    private final ExecutorService preparation = Executors.newSingleThreadExecutor(task -> new Thread(task, "prepare"));
    private final Timer timer = new SimpleMeterRegistry().timer("inferq.worker.image.prepare");
    private final Map<JobId, byte[]> stored = new ConcurrentHashMap<>();
    private final AtomicInteger loads = new AtomicInteger();
    private final StoredInputs store = id -> {
        loads.incrementAndGet();
        return Optional.ofNullable(stored.get(id));
    };

    @AfterEach
    void stop() {
        preparation.shutdownNow();
    }

    /** "Decodes" bytes into their text and the thread that did it; bytes "bad" are no image. */
    private static final class Decoding implements InputReader<String> {

        final AtomicInteger reads = new AtomicInteger();

        @Override
        public List<String> read(JobRequest request, StoredInputs inputs) {
            reads.incrementAndGet();
            String content = new String(content(request, inputs), StandardCharsets.UTF_8);
            if (content.equals("bad")) {
                throw new InvalidInputException(ErrorCodes.UNDECODABLE_INPUT, "input is not a decodable image");
            }
            return List.of(content + " on " + Thread.currentThread().getName());
        }

        @Override
        public byte[] content(JobRequest request, StoredInputs inputs) {
            return inputs.load(request.id())
                    .orElseThrow(() -> new InvalidInputException(ErrorCodes.INPUT_MISSING, "input bytes expired"));
        }

        @Override
        public boolean readsAhead() {
            return true;
        }
    }

    private JobRequest job(String content) {
        JobRequest request = JobRequest.of(JobId.random(), "image", new JobInput.Image("image/png", 3), Instant.now());
        stored.put(request.id(), content.getBytes(StandardCharsets.UTF_8));
        return request;
    }

    private static Batch batch(JobRequest... requests) {
        return new Batch(Arrays.stream(requests).map(request -> new Delivery(null, request, null)).toList());
    }

    @Test
    void inputsReadAheadAreUsedOnceAndNotReadAgain() {
        Decoding reader = new Decoding();
        InputPrefetch<String> prefetch = new InputPrefetch<>(reader, store, preparation, timer);
        JobRequest first = job("cat");
        JobRequest second = job("dog");

        prefetch.readAhead(batch(first, second));

        assertThat(prefetch.read(first, store)).containsExactly("cat on prepare");
        assertThat(prefetch.read(second, store)).containsExactly("dog on prepare");
        assertThat(reader.reads).hasValue(2);
        assertThat(loads).hasValue(2);
        assertThat(timer.count()).isEqualTo(2);
        assertThat(prefetch.read(first, store)).as("used once, then read in place")
                .containsExactly("cat on " + Thread.currentThread().getName());
    }

    @Test
    void theStoredBytesReadAheadAnswerTheCacheKeyWithoutAnotherLoad() {
        InputPrefetch<String> prefetch = new InputPrefetch<>(new Decoding(), store, preparation, timer);
        JobRequest job = job("cat");
        prefetch.readAhead(batch(job));

        assertThat(prefetch.stored(store).load(job.id())).hasValueSatisfying(
                bytes -> assertThat(new String(bytes, StandardCharsets.UTF_8)).isEqualTo("cat"));
        assertThat(loads).hasValue(1);
    }

    @Test
    void anInputThatCannotBeReadFailsItsJobWithTheReasonItHasInPlace() {
        InputPrefetch<String> prefetch = new InputPrefetch<>(new Decoding(), store, preparation, timer);
        JobRequest job = job("bad");
        prefetch.readAhead(batch(job));

        assertThatThrownBy(() -> prefetch.read(job, store)).isInstanceOf(InvalidInputException.class)
                .hasMessage("input is not a decodable image");
    }

    @Test
    void aReadAheadThatFailedForATransientReasonIsDoneAgainInPlace() {
        AtomicInteger calls = new AtomicInteger();
        StoredInputs flaky = id -> {
            if (calls.incrementAndGet() == 1) {
                throw new IllegalStateException("Redis unreachable");
            }
            return store.load(id);
        };
        InputPrefetch<String> prefetch = new InputPrefetch<>(new Decoding(), flaky, preparation, timer);
        JobRequest job = job("cat");
        prefetch.readAhead(batch(job));

        assertThat(prefetch.read(job, flaky)).containsExactly("cat on " + Thread.currentThread().getName());
    }

    @Test
    void aReaderNotWorthReadingAheadIsReadInPlaceOnly() {
        Decoding reader = new Decoding();
        InputPrefetch<String> prefetch = new InputPrefetch<>(reader, store, null, null);
        JobRequest job = job("text");

        prefetch.readAhead(batch(job));

        assertThat(prefetch.readsAhead()).isFalse();
        assertThat(reader.reads).hasValue(0);
        assertThat(prefetch.read(job, store)).containsExactly("text on " + Thread.currentThread().getName());
    }
}
