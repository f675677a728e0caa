package dev.inferq.gateway.limits;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Counts what is in flight on this gateway, in all and per key (a tenant, a host), against two caps. Taking a permit
 * never waits: beyond a cap the caller refuses at once, so nothing queues in memory behind a slow peer ({@link
 * QueuedPermits} lets its takers wait, bounded, instead). Counts live in this process; each gateway replica has its
 * own.
 */
public final class Permits {

    /** Which cap refused a permit. */
    public enum Refusal { TOTAL, PER_KEY }

    private final int total;
    private final int perKey;
    private final AtomicInteger inFlight = new AtomicInteger();
    /** Only keys with something in flight: an entry leaves the map with its last permit. */
    private final Map<String, Integer> byKey = new ConcurrentHashMap<>();
    /** Told after each release, once the counts are down: how {@link QueuedPermits} hands the place to a waiter. */
    private final Runnable released;

    public Permits(int total, int perKey) {
        this(total, perKey, () -> { });
    }

    Permits(int total, int perKey, Runnable released) {
        this.total = total;
        this.perKey = perKey;
        this.released = released;
    }

    /** A permit for {@code key}, released once by {@link Permit#close()}; or the cap that refused it. */
    public Result tryAcquire(String key) {
        if (inFlight.incrementAndGet() > total) {
            inFlight.decrementAndGet();
            return new Result(null, Refusal.TOTAL);
        }
        boolean[] taken = {false};
        byKey.compute(key, (k, count) -> {
            int current = count == null ? 0 : count;
            if (current >= perKey) {
                return count;
            }
            taken[0] = true;
            return current + 1;
        });
        if (!taken[0]) {
            inFlight.decrementAndGet();
            return new Result(null, Refusal.PER_KEY);
        }
        return new Result(new Permit(key), null);
    }

    /** In flight now, in all. */
    public int inFlight() {
        return inFlight.get();
    }

    /** In flight now for {@code key}. */
    public int inFlight(String key) {
        return byKey.getOrDefault(key, 0);
    }

    private void release(String key) {
        byKey.computeIfPresent(key, (k, count) -> count <= 1 ? null : count - 1);
        inFlight.decrementAndGet();
        released.run();
    }

    /** The answer of {@link #tryAcquire}: a permit, or why there is none. */
    public record Result(Permit permit, Refusal refusal) {

        public boolean granted() {
            return permit != null;
        }
    }

    /** One thing in flight; closing it more than once releases it once. */
    public final class Permit implements AutoCloseable {

        private final String key;
        private final AtomicBoolean open = new AtomicBoolean(true);

        private Permit(String key) {
            this.key = key;
        }

        @Override
        public void close() {
            if (open.compareAndSet(true, false)) {
                release(key);
            }
        }
    }
}
