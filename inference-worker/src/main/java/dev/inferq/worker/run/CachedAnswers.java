package dev.inferq.worker.run;

import dev.inferq.contract.JobRequest;
import dev.inferq.contract.JobStatus;
import dev.inferq.contract.Prediction;
import dev.inferq.worker.cache.CacheMetrics;
import dev.inferq.worker.cache.ResponseCache;
import dev.inferq.worker.inference.InputReader;
import dev.inferq.worker.inference.InvalidInputException;
import dev.inferq.worker.inference.StoredInputs;
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
 * <p>A job with {@code bypass_cache} neither reads, shares nor writes an entry: the client asked for its own
 * computation, and {@code Cache-Control: no-store} asks that nothing of it be kept. Failures are never cached.
 * Lookups are counted by result ({@link CacheMetrics}).
 */
final class CachedAnswers {

    private final String model;
    private final String variant;
    private final InputReader<?> inputs;
    private final ResponseCache cache;
    private final CacheMetrics metrics;
    private final Outcomes outcomes;

    CachedAnswers(String model, String variant, InputReader<?> inputs, ResponseCache cache, CacheMetrics metrics,
            Outcomes outcomes) {
        this.model = model;
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

    /** Writes the predictions of each computation that succeeded, under its key, for {@code inferq.cache.ttl}. */
    void remember(List<Computation> computations) {
        Map<String, List<Prediction>> entries = new LinkedHashMap<>();
        for (Computation computation : computations) {
            JobRun leader = computation.leader();
            if (leader.cacheKey() != null && leader.hasEnded() && leader.record().status() == JobStatus.SUCCEEDED) {
                entries.put(leader.cacheKey(), leader.record().predictions());
            }
        }
        cache.store(entries);
    }

    /** The job's cache key; null when it neither reads nor shares the cache (the cache is off, or it bypasses it). */
    private String key(JobRequest request, StoredInputs loaded) {
        if (!cache.enabled() || request.bypassCache()) {
            return null;
        }
        return cache.key(model, variant, request.tenant(), inputs.content(request, loaded));
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
