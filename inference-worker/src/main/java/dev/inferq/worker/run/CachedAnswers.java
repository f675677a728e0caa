package dev.inferq.worker.run;

import dev.inferq.common.cache.CacheMetrics;
import dev.inferq.common.job.JobStore;
import dev.inferq.contract.JobId;
import dev.inferq.contract.JobRecord;
import dev.inferq.contract.JobRequest;
import dev.inferq.contract.JobStatus;
import dev.inferq.contract.Prediction;
import dev.inferq.worker.cache.ResponseCache;
import dev.inferq.worker.inference.InputReader;
import dev.inferq.worker.inference.InvalidInputException;
import dev.inferq.worker.inference.StoredInputs;
import dev.inferq.worker.store.BlockingJobStore;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Answers started jobs from the response cache ({@link ResponseCache}): a job whose model, variant and input content
 * were computed within {@code inferq.cache.ttl} ends SUCCEEDED with {@code cached: true} and the stored predictions,
 * through the same transition, events, webhook and meters as any job. A group's entries are read with one
 * {@code MGET} before its forward pass; identical jobs in one group run once, and the others share the predictions
 * (also {@code cached: true}); the entries of what was computed are written before the outcomes are stored, so a job
 * submitted after another's result was seen is answered from the cache.
 *
 * <p>Jobs the gateway registered as waiting for an entry ({@code CacheEntries#await}) are ended with it as soon as
 * it is written, on whichever worker their own messages are ({@link #endWaiting}).
 *
 * <p>A job with {@code bypass_cache} neither reads, shares nor writes an entry: the client asked for its own
 * computation, and {@code Cache-Control: no-store} asks that nothing of it be kept. Failures are never cached.
 * Lookups are counted by result ({@link CacheMetrics}).
 */
final class CachedAnswers {

    private final String model;
    private final String version;
    private final String variant;
    private final InputReader<?> inputs;
    private final ResponseCache cache;
    private final CacheMetrics metrics;
    private final Outcomes outcomes;
    private final BlockingJobStore store;

    CachedAnswers(String model, String version, String variant, InputReader<?> inputs, ResponseCache cache,
            CacheMetrics metrics, Outcomes outcomes, BlockingJobStore store) {
        this.store = store;
        this.model = model;
        this.version = version;
        this.variant = variant;
        this.inputs = inputs;
        this.cache = cache;
        this.metrics = metrics;
        this.outcomes = outcomes;
    }

    /**
     * Ends the jobs of {@code started} that the cache answers and answers what is left to compute, one computation per
     * distinct key. A job whose input cannot be read for its key ends FAILED.
     */
    List<Computation> answer(Batch batch, List<JobRun> started, StoredInputs loaded) {
        List<JobRun> keyed = new ArrayList<>();
        for (JobRun job : started) {
            try {
                job.keyed(key(job.request(), loaded));
                keyed.add(job);
            } catch (InvalidInputException e) {
                outcomes.fail(batch, job, e.code(), e.getMessage());
            }
        }
        Map<String, List<Prediction>> stored = lookup(keyed);
        Instant now = Instant.now();
        List<Computation> computations = new ArrayList<>();
        Map<String, Computation> byKey = new HashMap<>();
        for (JobRun job : keyed) {
            String key = job.cacheKey();
            List<Prediction> entry = key == null ? null : stored.get(key);
            if (key == null) {
                metrics.bypass();
                computations.add(new Computation(job));
            } else if (entry != null && entry.size() == job.record().inputCount()) {
                metrics.hit();
                job.ended(job.record().succeeded(entry, now, true));
            } else if (byKey.containsKey(key)) {
                metrics.hit();
                byKey.get(key).share(job);
            } else {
                metrics.miss();
                Computation computation = new Computation(job);
                byKey.put(key, computation);
                computations.add(computation);
            }
        }
        return computations;
    }

    /**
     * Writes the predictions of each computation that succeeded, under its key, for {@code inferq.cache.ttl}; answers
     * the jobs that waited for those entries (queued by the gateway while an identical job was computed), each with
     * the predictions it is to be ended with ({@link #endWaiting}).
     */
    Map<JobId, List<Prediction>> remember(List<Computation> computations) {
        Map<String, List<Prediction>> entries = new LinkedHashMap<>();
        for (Computation computation : computations) {
            JobRun leader = computation.leader();
            if (leader.cacheKey() != null && leader.hasEnded() && leader.record().status() == JobStatus.SUCCEEDED) {
                entries.put(leader.cacheKey(), leader.record().predictions());
            }
        }
        Map<JobId, List<Prediction>> waiting = new LinkedHashMap<>();
        cache.store(entries).forEach((key, ids) -> ids.forEach(id -> waiting.putIfAbsent(new JobId(id),
                entries.get(key))));
        return waiting;
    }

    /**
     * Ends each job of {@code waiting} that is still QUEUED (and within its deadline) SUCCEEDED with
     * {@code cached: true} and the predictions of the identical job just computed: it shares that computation, on
     * whichever worker its own message is, without waiting for its turn. Its message still arrives, and finds it
     * ended. A job started meanwhile, or whose end fails to be stored, is left to its own message, so nothing here
     * can lose a job. Answers how many it ended.
     */
    int endWaiting(Map<JobId, List<Prediction>> waiting) {
        if (waiting.isEmpty()) {
            return 0;
        }
        List<JobId> ids = List.copyOf(waiting.keySet());
        List<Optional<JobRecord>> current = store.findAll(ids);
        Instant now = Instant.now();
        List<JobRecord> answered = new ArrayList<>();
        // The store answers in the order asked.
        for (int i = 0; i < ids.size(); i++) {
            List<Prediction> predictions = waiting.get(ids.get(i));
            current.get(i)
                    .filter(job -> job.status().isQueued() && !job.isPastDeadline(now)
                            && job.inputCount() == predictions.size())
                    .ifPresent(job -> answered.add(job.succeeded(predictions, now, true)));
        }
        int ended = (int) store.transitionAll(answered).stream().filter(JobStore.Transition::applied).count();
        for (int i = 0; i < ended; i++) {
            metrics.hit();
        }
        return ended;
    }

    /** The job's cache key; null when it neither reads nor shares the cache (the cache is off, or it bypasses it). */
    private String key(JobRequest request, StoredInputs loaded) {
        if (!cache.enabled() || request.bypassCache()) {
            return null;
        }
        return cache.key(model, version, variant, request.tenant(), inputs.content(request, loaded));
    }

    /** The stored predictions by key, for the keys the cache has. */
    private Map<String, List<Prediction>> lookup(List<JobRun> keyed) {
        List<String> keys = keyed.stream().map(JobRun::cacheKey).filter(Objects::nonNull).toList();
        List<Optional<List<Prediction>>> found = cache.lookup(keys);
        Map<String, List<Prediction>> entries = new HashMap<>();
        // The cache answers in the order asked.
        for (int i = 0; i < keys.size(); i++) {
            if (found.get(i).isPresent()) {
                entries.put(keys.get(i), found.get(i).get());
            }
        }
        return entries;
    }
}
