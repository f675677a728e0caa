package dev.inferq.common.cache;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * One model's response-cache lookups, {@code inferq.cache.lookups} ({@code inferq_cache_lookups_total}) by
 * {@code result}: {@code hit} (answered without a forward pass of its own: from a stored entry, or sharing the pass of
 * an identical job in the same batch), {@code miss} (computed) and {@code bypass} (the client sent
 * {@code Cache-Control: no-cache}, or the cache is off). Hit ratio: {@code hit / (hit + miss + bypass)}. Registered
 * at start, so the series exist before the first job.
 */
public final class CacheMetrics {

    private final Counter hit;
    private final Counter miss;
    private final Counter bypass;

    public CacheMetrics(MeterRegistry registry, String model) {
        this.hit = counter(registry, model, "hit");
        this.miss = counter(registry, model, "miss");
        this.bypass = counter(registry, model, "bypass");
    }

    private static Counter counter(MeterRegistry registry, String model, String result) {
        return Counter.builder("inferq.cache.lookups")
                .description("Jobs looked up in the response cache, by result (hit, miss, bypass)")
                .tag("model", model).tag("result", result).register(registry);
    }

    public void hit() {
        hit.increment();
    }

    public void miss() {
        miss.increment();
    }

    public void bypass() {
        bypass.increment();
    }
}
