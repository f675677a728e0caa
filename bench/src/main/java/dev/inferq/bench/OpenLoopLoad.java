package dev.inferq.bench;

import dev.inferq.client.AsyncInferqClient;
import dev.inferq.client.InferqClient;
import dev.inferq.client.InferqProblemException;
import dev.inferq.client.JobProgress;
import dev.inferq.client.RetryPolicy;
import dev.inferq.client.SubmitOptions;
import dev.inferq.contract.JobRecord;
import dev.inferq.contract.JobStatus;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Flow;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * A client of the native API that submits jobs ({@code POST /v1/models/{model}/jobs}) with
 * {@code Accept: text/event-stream} and waits for each result on the event stream the submit answers, one exchange
 * per job as a streaming client makes it, either at a fixed arrival rate whatever the completions (open loop) or one
 * job at a time (closed loop). A job's latency runs from its scheduled send time to the end of its event stream,
 * which the gateway closes right after the terminal event: what a client really waits.
 */
final class OpenLoopLoad implements AutoCloseable {

    /** One job to submit: texts, or an image's bytes with their content type. */
    record Job(String model, List<String> texts, String contentType, byte[] image) {

        static Job texts(String model, List<String> texts) {
            return new Job(model, List.copyOf(texts), null, null);
        }

        static Job image(String model, Path file) {
            try {
                return new Job(model, null, file.toString().endsWith(".png") ? "image/png" : "image/jpeg",
                        Files.readAllBytes(file));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read sample image " + file, e);
            }
        }
    }

    /**
     * How one job ended: {@code error} is null for a job that SUCCEEDED, whose record's timestamps then give its
     * time queued ({@code started_at - created_at}) and running ({@code finished_at - started_at}); {@code etaErrorMs}
     * is how far its first {@code eta_s} was from its real start (null when it had none).
     */
    private record Outcome(long scheduledNanos, long finishedNanos, String error, long queuedMs, long runningMs,
                           Long etaErrorMs) {

        static Outcome failed(long scheduledNanos, String error) {
            return new Outcome(scheduledNanos, System.nanoTime(), error, 0, 0, null);
        }
    }

    private final InferqClient blocking;
    private final AsyncInferqClient client;
    private final Duration jobTimeout;
    private final Consumer<String> log;

    OpenLoopLoad(URI base, Duration jobTimeout, Consumer<String> log) {
        // No retries: a refused or failed submit is a figure of the step, not something to hide.
        this.blocking = InferqClient.builder(base).requestTimeout(jobTimeout).retries(RetryPolicy.none()).build();
        this.client = blocking.async();
        this.jobTimeout = jobTimeout;
        this.log = log;
    }

    /**
     * Sends {@code jobs} in turn at {@code rate} per second for {@code window}, then waits up to {@code drain} for
     * the results still out.
     */
    StepResult openLoop(String label, List<Job> jobs, double rate, Duration window, Duration drain) {
        int count = (int) Math.max(1, Math.round(rate * window.toNanos() / 1e9));
        List<CompletableFuture<Outcome>> outcomes = new ArrayList<>(count);
        long start = System.nanoTime();
        for (int i = 0; i < count; i++) {
            long at = start + Math.round(i * 1e9 / rate);
            LockSupport.parkNanos(at - System.nanoTime());
            outcomes.add(submit(jobs.get(i % jobs.size()), at));
        }
        long end = start + window.toNanos();
        LockSupport.parkNanos(end - System.nanoTime());
        try {
            CompletableFuture.allOf(outcomes.toArray(CompletableFuture[]::new))
                    .get(Math.max(1, drain.toMillis()), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            // the unfinished ones are counted below
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return summarize(label, outcomes, count / (window.toNanos() / 1e9), end, window);
    }

    /** Sends {@code count} jobs one after another, each once the previous one's result has arrived. */
    StepResult closedLoop(String label, List<Job> jobs, int count) {
        return closedLoop(label, jobs, count, 1, Duration.ofDays(1));
    }

    /**
     * Keeps {@code inFlight} jobs out at a time until {@code count} were sent or {@code window} has passed: as much
     * work as the platform takes, never a backlog (the warm-up, which must not leave a queue behind it).
     */
    StepResult closedLoop(String label, List<Job> jobs, int count, int inFlight, Duration window) {
        List<CompletableFuture<Outcome>> outcomes = new ArrayList<>();
        Semaphore slots = new Semaphore(inFlight);
        long start = System.nanoTime();
        long until = start + window.toNanos();
        for (int i = 0; i < count && System.nanoTime() < until; i++) {
            slots.acquireUninterruptibly();
            CompletableFuture<Outcome> outcome = submit(jobs.get(i % jobs.size()), System.nanoTime());
            outcome.whenComplete((o, e) -> slots.release());
            outcomes.add(outcome);
        }
        slots.acquireUninterruptibly(inFlight);
        long end = System.nanoTime();
        double rate = outcomes.size() / ((end - start) / 1e9);
        return summarize(label, outcomes, rate, end, Duration.ofNanos(end - start));
    }

    /**
     * Keeps {@code inFlight} jobs out for {@code window}, then waits for the rest: the model never runs out of work
     * and no backlog is left. Its completed/s is the steady rate: the successful jobs that finished after the first
     * one and before sending stopped, over that span, so neither the first batch's start nor the last, partly filled
     * batches count.
     */
    StepResult saturate(String label, List<Job> jobs, int inFlight, Duration window) {
        List<CompletableFuture<Outcome>> outcomes = new ArrayList<>();
        Semaphore slots = new Semaphore(inFlight);
        long start = System.nanoTime();
        long until = start + window.toNanos();
        for (int i = 0; System.nanoTime() < until; i++) {
            slots.acquireUninterruptibly();
            CompletableFuture<Outcome> outcome = submit(jobs.get(i % jobs.size()), System.nanoTime());
            outcome.whenComplete((o, e) -> slots.release());
            outcomes.add(outcome);
        }
        long sendEnd = System.nanoTime();
        slots.acquireUninterruptibly(inFlight);
        StepResult all = summarize(label, outcomes, outcomes.size() / (window.toNanos() / 1e9), sendEnd,
                Duration.ofNanos(sendEnd - start));
        long[] finished = outcomes.stream().map(f -> f.getNow(null))
                .filter(o -> o != null && o.error() == null && o.finishedNanos() <= sendEnd)
                .mapToLong(Outcome::finishedNanos).sorted().toArray();
        double steady = finished.length < 2 ? Double.NaN
                : (finished.length - 1) / ((sendEnd - finished[0]) / 1e9);
        return new StepResult(all.label(), all.offeredPerSec(), steady, all.sent(), all.errors(), all.unfinished(),
                all.latency(), all.queued(), all.running());
    }

    private StepResult summarize(String label, List<CompletableFuture<Outcome>> outcomes, double offeredPerSec,
                                 long windowEnd, Duration window) {
        LatencyRecorder latency = new LatencyRecorder();
        LatencyRecorder queued = new LatencyRecorder();
        LatencyRecorder running = new LatencyRecorder();
        LatencyRecorder etaError = new LatencyRecorder();
        Map<String, Integer> errorKinds = new TreeMap<>();
        int inWindow = 0;
        int unfinished = 0;
        for (CompletableFuture<Outcome> future : outcomes) {
            Outcome o = future.getNow(null);
            if (o == null) {
                unfinished++;
            } else if (o.error() != null) {
                errorKinds.merge(o.error(), 1, Integer::sum);
            } else {
                latency.record(o.finishedNanos() - o.scheduledNanos());
                queued.record(o.queuedMs() * 1_000_000);
                running.record(o.runningMs() * 1_000_000);
                if (o.etaErrorMs() != null) {
                    etaError.record(o.etaErrorMs() * 1_000_000);
                }
                if (o.finishedNanos() <= windowEnd) {
                    inWindow++;
                }
            }
            future.cancel(true);
        }
        int errors = errorKinds.values().stream().mapToInt(Integer::intValue).sum();
        if (!errorKinds.isEmpty()) {
            log.accept(label + ": errors " + errorKinds);
        }
        if (etaError.count() > 0) {
            LatencyRecorder.Summary eta = etaError.summary();
            log.accept(String.format(Locale.ROOT, "%s: ETA error (|started_at - (created_at + first eta_s)|) of %d"
                    + " job(s): p50 %.2f s, p90 %.2f s", label, eta.count(), eta.p50Ms() / 1000,
                    etaError.percentileMs(90) / 1000));
        }
        return new StepResult(label, offeredPerSec, inWindow / (window.toNanos() / 1e9), outcomes.size(), errors,
                unfinished, latency.summary(), queued.summary(), running.summary());
    }

    private CompletableFuture<Outcome> submit(Job job, long scheduledNanos) {
        Flow.Publisher<JobProgress> followed = job.texts() != null
                ? client.submitTextsAndFollow(job.model(), job.texts(), SubmitOptions.none())
                : client.submitImageAndFollow(job.model(), job.image(), job.contentType(), SubmitOptions.none());
        // A problem answer is the submit's refusal: once the stream has started, the job's states are all it sends.
        return collect(followed)
                .thenApply(events -> outcome(scheduledNanos, events))
                .orTimeout(jobTimeout.toNanos(), TimeUnit.NANOSECONDS)
                .exceptionally(e -> unwrap(e) instanceof InferqProblemException problem
                        ? Outcome.failed(scheduledNanos, "submit HTTP " + problem.status())
                        : Outcome.failed(scheduledNanos, describe(e)));
    }

    /** Every element of {@code publisher}, once it completes. */
    private static <T> CompletableFuture<List<T>> collect(Flow.Publisher<T> publisher) {
        CompletableFuture<List<T>> all = new CompletableFuture<>();
        publisher.subscribe(new Flow.Subscriber<T>() {
            private final List<T> items = new ArrayList<>();

            @Override
            public void onSubscribe(Flow.Subscription subscription) {
                subscription.request(Long.MAX_VALUE);
            }

            @Override
            public void onNext(T item) {
                items.add(item);
            }

            @Override
            public void onError(Throwable failure) {
                all.completeExceptionally(failure);
            }

            @Override
            public void onComplete() {
                all.complete(items);
            }
        });
        return all;
    }

    /**
     * How the job ended, from its events: SUCCEEDED, or what went wrong; and how far the first QUEUED event's
     * {@code eta_s} was from when the job really started.
     */
    private static Outcome outcome(long scheduledNanos, List<JobProgress> events) {
        long finished = System.nanoTime();
        if (events.isEmpty()) {
            return Outcome.failed(scheduledNanos, "no result event");
        }
        JobRecord last = events.get(events.size() - 1).job();
        if (last.status() != JobStatus.SUCCEEDED) {
            return Outcome.failed(scheduledNanos, "job " + last.status());
        }
        Double firstEtaS = events.stream().filter(e -> e.job().status() == JobStatus.QUEUED && e.etaS() != null)
                .map(JobProgress::etaS).findFirst().orElse(null);
        Long etaErrorMs = firstEtaS == null ? null : Math.abs(Duration.between(
                last.createdAt().plusMillis(Math.round(firstEtaS * 1000)), last.startedAt()).toMillis());
        return new Outcome(scheduledNanos, finished, null, Duration.between(last.createdAt(), last.startedAt())
                .toMillis(), Duration.between(last.startedAt(), last.finishedAt()).toMillis(), etaErrorMs);
    }

    private static Throwable unwrap(Throwable e) {
        return e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
    }

    private static String describe(Throwable e) {
        Throwable cause = unwrap(e);
        if (cause instanceof TimeoutException) {
            return "client timeout";
        }
        String message = cause.getClass().getSimpleName() + ": " + cause.getMessage();
        if (cause.getCause() != null && cause.getCause() != cause) {
            message += " (" + cause.getCause().getClass().getSimpleName() + ": " + cause.getCause().getMessage() + ")";
        }
        return message.length() > 140 ? message.substring(0, 140) : message;
    }

    @Override
    public void close() {
        blocking.close();
    }
}
