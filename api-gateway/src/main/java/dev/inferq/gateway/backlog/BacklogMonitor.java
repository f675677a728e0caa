package dev.inferq.gateway.backlog;

import dev.inferq.common.job.JobNames;
import dev.inferq.common.model.ModelCatalog;
import dev.inferq.gateway.GatewayProperties;
import dev.inferq.gateway.problems.ApiException;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.data.redis.connection.ReactiveRedisConnectionFactory;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;

/**
 * Keeps each model's backlog (its jobs still queued: {@link JobNames#queueKey}) and its recent throughput (jobs that
 * reached a terminal state: {@link JobNames#completedKey}), read from Redis in the background, and refuses submits to
 * a model whose backlog is over the limit.
 *
 * <p>The backlog lives in Redis, where the job store keeps it in the same atomic steps that create and move jobs, not
 * in gateway memory: every gateway replica sees the same figure and a restart loses nothing. All models are read
 * with one script, so a refresh costs one round trip whatever the number of models. The check reads the last
 * snapshot: it adds no round trip to a submit, at the price of being up to one refresh interval late.
 */
@Component
public class BacklogMonitor implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(BacklogMonitor.class);

    /** For each pair of KEYS (a queue, a completed count): the queue's size and the count, 0 where there is none. */
    @SuppressWarnings("rawtypes")
    private static final RedisScript<List> READ = RedisScript.of("""
            local figures = {}
            for i = 1, #KEYS, 2 do
              figures[#figures + 1] = redis.call('ZCARD', KEYS[i])
              figures[#figures + 1] = tonumber(redis.call('GET', KEYS[i + 1]) or '0')
            end
            return figures
            """, List.class);

    private final List<String> models;
    private final List<String> keys = new ArrayList<>();
    private final ReactiveStringRedisTemplate redis;
    private final BackpressureProperties properties;
    private final Duration fallbackRetryAfter;
    private final Map<String, ModelBacklog> backlogs = new ConcurrentHashMap<>();
    private ScheduledExecutorService scheduler;

    public BacklogMonitor(ModelCatalog catalog, ReactiveRedisConnectionFactory connections,
            BackpressureProperties properties, GatewayProperties gateway, MeterRegistry registry) {
        this.models = List.copyOf(catalog.names());
        this.redis = new ReactiveStringRedisTemplate(connections);
        this.properties = properties;
        this.fallbackRetryAfter = gateway.retryAfter();
        for (String model : models) {
            keys.add(JobNames.queueKey(model));
            keys.add(JobNames.completedKey(model));
            // NaN until the first read: "no figure yet" must not look like an empty queue on a dashboard.
            Gauge.builder("inferq.backlog.jobs", this, monitor -> {
                        long jobs = monitor.backlog(model);
                        return jobs < 0 ? Double.NaN : jobs;
                    })
                    .description("Jobs of the model still queued: accepted, not yet started by a worker")
                    .tag("model", model)
                    .register(registry);
        }
    }

    /** Throws a 429 problem with a {@code Retry-After} when {@code model}'s backlog is over the limit. */
    public void admit(String model) {
        ModelBacklog backlog = backlogs.get(model);
        if (!properties.enabled() || backlog == null || backlog.jobs() < properties.maxBacklog()) {
            return;
        }
        Duration retryAfter = backlog.timeToDrain(backlog.jobs() - properties.maxBacklog() + 1)
                .orElse(fallbackRetryAfter);
        if (retryAfter.compareTo(properties.maxRetryAfter()) > 0) {
            retryAfter = properties.maxRetryAfter();
        }
        throw new ApiException(HttpStatus.TOO_MANY_REQUESTS, "Model busy",
                "model '" + model + "' has " + backlog.jobs() + " jobs waiting (limit " + properties.maxBacklog()
                        + "); retry after " + Math.max(1, retryAfter.toSeconds()) + " s",
                retryAfter, null);
    }

    /** The last backlog read for {@code model}, in jobs; -1 before the first read. */
    public long backlog(String model) {
        ModelBacklog backlog = backlogs.get(model);
        return backlog == null ? -1 : backlog.jobs();
    }

    /**
     * Jobs of {@code model} that reached a terminal state per second over the throughput window
     * ({@code throughput-window}), from the count its transitions keep in Redis; empty before two readings.
     */
    public Optional<Double> completedPerSecond(String model) {
        ModelBacklog backlog = backlogs.get(model);
        return backlog == null ? Optional.empty() : backlog.perSecond();
    }

    @SuppressWarnings("unchecked")
    void refresh() {
        try {
            List<Object> figures = redis.execute(READ, keys, List.of()).next().block(Duration.ofSeconds(5));
            long now = System.nanoTime();
            for (int i = 0; i < models.size(); i++) {
                long waiting = ((Number) figures.get(2 * i)).longValue();
                long completed = ((Number) figures.get(2 * i + 1)).longValue();
                backlogs.computeIfAbsent(models.get(i), m -> new ModelBacklog(properties.throughputWindow()))
                        .record(waiting, completed, now);
            }
        } catch (RuntimeException e) {
            // Keep the last snapshot: an unreachable Redis is answered by the submit path itself (503).
            log.debug("Could not read job backlogs from Redis: {}", e.toString());
        }
    }

    @Override
    public void start() {
        scheduler = Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "backlog-monitor"));
        long period = properties.refreshInterval().toMillis();
        scheduler.scheduleWithFixedDelay(this::refresh, 0, period, TimeUnit.MILLISECONDS);
    }

    @Override
    public void stop() {
        scheduler.shutdownNow();
        scheduler = null;
    }

    @Override
    public boolean isRunning() {
        return scheduler != null;
    }

    /** One model's backlog and the recent samples of its completed-job count, for a throughput estimate. */
    private static final class ModelBacklog {

        private final long windowNanos;
        private final Deque<long[]> samples = new ArrayDeque<>();
        private volatile long jobs;

        ModelBacklog(Duration window) {
            this.windowNanos = window.toNanos();
        }

        long jobs() {
            return jobs;
        }

        synchronized void record(long waiting, long completed, long now) {
            jobs = waiting;
            samples.addLast(new long[] {now, completed});
            while (samples.size() > 2 && now - samples.peekFirst()[0] > windowNanos) {
                samples.removeFirst();
            }
        }

        synchronized Optional<Double> perSecond() {
            if (samples.size() < 2) {
                return Optional.empty();
            }
            long[] first = samples.peekFirst();
            long[] last = samples.peekLast();
            return Optional.of((last[1] - first[1]) * 1e9 / (last[0] - first[0]));
        }

        /** How long the workers need for {@code count} jobs at their recent pace; empty when they made none. */
        synchronized Optional<Duration> timeToDrain(long count) {
            if (samples.size() < 2) {
                return Optional.empty();
            }
            long[] first = samples.peekFirst();
            long[] last = samples.peekLast();
            double perNano = (double) (last[1] - first[1]) / (last[0] - first[0]);
            if (perNano <= 0) {
                return Optional.empty();
            }
            return Optional.of(Duration.ofNanos((long) Math.ceil(count / perNano)));
        }
    }
}
