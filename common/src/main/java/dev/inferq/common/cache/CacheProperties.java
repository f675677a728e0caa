package dev.inferq.common.cache;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Settings of the response cache ({@code inferq.cache.*}; env {@code INFERQ_CACHE_ENABLED}, {@code INFERQ_CACHE_TTL},
 * {@code INFERQ_CACHE_SCOPE}).
 *
 * @param enabled whether jobs are answered from (and write to) the cache; on by default
 * @param ttl how long an entry answers identical jobs after it was computed. Ten minutes by default: repeated samples
 *     (a client retrying, a dashboard refreshing, a load test's small sample set) come back within seconds to minutes,
 *     so a longer time adds little; it also bounds the memory the cache takes (an entry is a few hundred bytes per
 *     input, so 100 distinct jobs a second hold about 60,000 entries, some 20 MB) and how long an entry can outlive
 *     the weights that computed it when a model folder is replaced without renaming its model file
 * @param scope who shares an entry: {@code tenant} (the default) keeps each tenant's entries apart, {@code global}
 *     shares them between tenants. Sharing only ever gives a tenant predictions it would have computed itself, but
 *     its {@code cached: true} (and its speed) tells it that someone sent the very same input within the time to
 *     live: across tenants that is a membership oracle on other tenants' inputs, so it is opt-in. Without API keys
 *     every job belongs to the one default tenant, and both scopes behave alike
 */
@ConfigurationProperties("inferq.cache")
public record CacheProperties(
        @DefaultValue("true") boolean enabled,
        @DefaultValue("10m") Duration ttl,
        @DefaultValue("tenant") Scope scope) {

    public CacheProperties {
        if (ttl.toMillis() < 1) {
            throw new IllegalArgumentException("inferq.cache.ttl must be at least 1ms, was " + ttl
                    + " (turn the cache off with inferq.cache.enabled=false instead)");
        }
    }

    /** Who shares a cache entry. */
    public enum Scope {
        /** One entry per model, variant and input, for every tenant. */
        GLOBAL,
        /** One entry per model, variant, input and tenant. */
        TENANT
    }
}
