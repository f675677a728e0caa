package dev.inferq.worker;

import dev.inferq.common.worker.WorkerDirectory;
import dev.inferq.common.worker.WorkerPresence;
import dev.inferq.worker.inference.ModelRegistry;
import dev.inferq.worker.inference.versions.ServedVersions;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * Keeps this worker listed in the {@link WorkerDirectory} while it runs: its presence (the models it serves, the
 * variant of each, how it was chosen, its measured milliseconds per batch and the versions loaded) is rewritten every
 * {@code announce-interval} with three times that as its time to live, so the registry ({@code GET /v1/models/{name}})
 * shows live workers only, and a worker that dies drops out by itself.
 */
@Component
public class WorkerAnnouncer implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(WorkerAnnouncer.class);

    private final WorkerDirectory directory;
    private final ModelRegistry registry;
    private final ServedVersions versions;
    private final String id;
    private final Instant startedAt = Instant.now();
    private final Duration interval;
    private volatile ScheduledExecutorService scheduler;
    private boolean loginRefused;

    public WorkerAnnouncer(WorkerDirectory directory, ModelRegistry registry, ServedVersions versions,
            WorkerProperties properties) {
        this.directory = directory;
        this.registry = registry;
        this.versions = versions;
        this.id = properties.id();
        this.interval = properties.announceInterval();
        // A version loaded or unloaded is announced at once: the gateway routes to a version once workers have it.
        versions.onChange(() -> {
            ScheduledExecutorService running = scheduler;
            if (running != null) {
                try {
                    running.execute(this::announce);
                } catch (RejectedExecutionException e) {
                    // Stopping: the worker withdraws from the directory anyway.
                }
            }
        });
    }

    /** What this worker serves now: the models, the variant of each and the versions loaded. */
    private WorkerPresence presence() {
        return new WorkerPresence(id, startedAt, registry.models().stream()
                .map(model -> new WorkerPresence.Served(model.name(), model.variant(), model.engine(),
                        model.selection(), model.msPerBatch(), versions.loaded(model.name())))
                .toList());
    }

    private void announce() {
        WorkerPresence presence = presence();
        try {
            directory.announce(presence, interval.multipliedBy(3)).block(interval);
            loginRefused = false;
        } catch (RuntimeException e) {
            String refusal = loginRefusal(e);
            if (refusal != null && !loginRefused) {
                // Unlike Redis being away, this does not pass: no job's result can be stored until the settings change.
                log.warn("Redis refused this worker's login ({}): set spring.data.redis.username and"
                        + " spring.data.redis.password (SPRING_DATA_REDIS_USERNAME, SPRING_DATA_REDIS_PASSWORD)",
                        refusal);
            } else {
                // Redis away: the entry may lapse meanwhile, which is the truth the registry should show.
                log.debug("Could not announce worker {}: {}", presence.id(), e.toString());
            }
            loginRefused = refusal != null;
        }
    }

    /** Redis's answer when it refused the credentials (NOAUTH, WRONGPASS), found among the causes; else null. */
    private static String loginRefusal(Throwable e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause() == cause ? null : cause.getCause()) {
            String message = cause.getMessage();
            if (message != null && (message.startsWith("NOAUTH") || message.startsWith("WRONGPASS"))) {
                return message;
            }
        }
        return null;
    }

    @Override
    public void start() {
        scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "inferq-worker-announcer");
            thread.setDaemon(true);
            return thread;
        });
        scheduler.scheduleWithFixedDelay(this::announce, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void stop() {
        scheduler.shutdownNow();
        scheduler = null;
        try {
            directory.withdraw(id).block(Duration.ofSeconds(2));
        } catch (RuntimeException e) {
            log.debug("Could not withdraw worker {}: {}", id, e.toString());
        }
    }

    @Override
    public boolean isRunning() {
        return scheduler != null;
    }
}
