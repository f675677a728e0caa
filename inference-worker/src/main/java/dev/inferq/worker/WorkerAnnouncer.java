package dev.inferq.worker;

import dev.inferq.common.worker.WorkerDirectory;
import dev.inferq.common.worker.WorkerPresence;
import dev.inferq.worker.inference.ModelRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * Keeps this worker listed in the {@link WorkerDirectory} while it runs: its presence (the models it serves and the
 * variant of each) is rewritten every {@code announce-interval} with three times that as its time to live, so the
 * registry ({@code GET /v1/models/{name}}) shows live workers only, and a worker that dies drops out by itself.
 */
@Component
public class WorkerAnnouncer implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(WorkerAnnouncer.class);

    private final WorkerDirectory directory;
    private final WorkerPresence presence;
    private final Duration interval;
    private ScheduledExecutorService scheduler;

    public WorkerAnnouncer(WorkerDirectory directory, ModelRegistry registry, WorkerProperties properties) {
        this.directory = directory;
        this.interval = properties.announceInterval();
        this.presence = new WorkerPresence(properties.id(), Instant.now(), registry.models().stream()
                .map(model -> new WorkerPresence.Served(model.name(), model.variant(), model.engine()))
                .toList());
    }

    private void announce() {
        try {
            directory.announce(presence, interval.multipliedBy(3)).block(interval);
        } catch (RuntimeException e) {
            // Redis away: the entry may lapse meanwhile, which is the truth the registry should show.
            log.debug("Could not announce worker {}: {}", presence.id(), e.toString());
        }
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
            directory.withdraw(presence.id()).block(Duration.ofSeconds(2));
        } catch (RuntimeException e) {
            log.debug("Could not withdraw worker {}: {}", presence.id(), e.toString());
        }
    }

    @Override
    public boolean isRunning() {
        return scheduler != null;
    }
}
