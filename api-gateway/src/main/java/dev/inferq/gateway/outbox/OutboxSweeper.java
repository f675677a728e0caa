package dev.inferq.gateway.outbox;

import dev.inferq.common.job.JobLogs;
import dev.inferq.common.lifecycle.PeriodicTask;
import dev.inferq.common.job.JobOutbox;
import dev.inferq.common.job.JobStore;
import dev.inferq.common.job.QueueTrim;
import dev.inferq.common.model.ModelCatalog;
import dev.inferq.contract.ErrorCodes;
import dev.inferq.contract.JobId;
import dev.inferq.contract.JobRecord;
import java.time.Clock;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Every gateway's sweep, every {@code interval}: publishes the QUEUED jobs whose publish was never confirmed once
 * their grace has passed ({@link OutboxProperties}), ends FAILED ({@code publish_failed}) those that still cannot be
 * published at {@code give-up}, drops outbox entries of jobs that were never created, have started (a worker got their
 * message) or have ended, and trims each model's queue of entries whose record is gone ({@link QueueTrim}), so that
 * they no longer count in queue positions. Gateways share the work through leases in Redis
 * ({@link JobOutbox#claimDue}), not by talking to each other.
 */
@Component
public class OutboxSweeper extends PeriodicTask {

    private static final Logger log = LoggerFactory.getLogger(OutboxSweeper.class);

    private final JobOutbox outbox;
    private final JobStore store;
    private final JobPublisher publisher;
    private final QueueTrim queues;
    private final ModelCatalog catalog;
    private final OutboxProperties properties;
    private final Clock clock;

    OutboxSweeper(JobOutbox outbox, JobStore store, JobPublisher publisher, QueueTrim queues, ModelCatalog catalog,
            OutboxProperties properties, Clock clock) {
        super(properties.interval(), properties.interval(), "The outbox sweep");
        this.outbox = outbox;
        this.store = store;
        this.publisher = publisher;
        this.queues = queues;
        this.catalog = catalog;
        this.properties = properties;
        this.clock = clock;
    }

    @Override
    protected Mono<Void> round() {
        return sweep();
    }

    /** One round: the outbox, then the queues. */
    Mono<Void> sweep() {
        return outbox.claimDue(properties.batch(), properties.lease())
                .concatMap(id -> settle(id).onErrorResume(e -> {
                    about(id, () -> log.warn("Job {} could not be published by the outbox sweep yet: {}", id,
                            e.toString()));
                    return failIfGivenUp(id);
                }))
                .then(Flux.fromIterable(catalog.names())
                        .concatMap(model -> queues.trim(model, clock.millis(), properties.queueChecked())
                                .filter(removed -> removed > 0)
                                .doOnNext(removed -> log.info("Took {} entries whose job is gone off the queue of"
                                        + " model '{}'", removed, model)))
                        .then());
    }

    /**
     * Publishes a pending job still QUEUED; drops the entry of one that was never created, has started (a worker got
     * its message, so it is in Kafka) or has ended.
     */
    private Mono<Void> settle(JobId id) {
        return store.find(id)
                .filter(job -> job.status().isQueued())
                .flatMap(job -> publisher.publishPending(id).flatMap(published -> published
                        ? Mono.fromRunnable(() -> about(id, () -> log.warn("Job {} for model '{}' was stored but"
                                + " never published (its gateway stopped in between): published it now", id,
                                job.model())))
                        : fail(job, "its message was lost before it reached Kafka")))
                .switchIfEmpty(Mono.defer(() -> outbox.leave(id)))
                .then();
    }

    /** Ends a QUEUED job that still is not in Kafka once it is {@code give-up} old; else leaves it to a later sweep. */
    private Mono<Void> failIfGivenUp(JobId id) {
        Instant now = clock.instant();
        return store.find(id)
                .filter(job -> job.status().isQueued() && job.createdAt().plus(properties.giveUp()).isBefore(now))
                .flatMap(job -> fail(job, "it could not be handed to Kafka within " + properties.giveUp().toSeconds()
                        + " s (inferq.gateway.outbox.give-up)"))
                .onErrorResume(e -> Mono.empty());
    }

    private Mono<Void> fail(JobRecord job, String why) {
        String reason = "the job was accepted but never queued: " + why;
        return store.transition(job.failed(ErrorCodes.PUBLISH_FAILED, reason, clock.instant()))
                .doOnNext(transition -> about(job.id(), () -> log.error("Job {} for model '{}' ends FAILED: {}",
                        job.id(), job.model(), reason)))
                .then(outbox.leave(job.id()));
    }

    private static void about(JobId id, Runnable line) {
        try (MDC.MDCCloseable job = JobLogs.about(id)) {
            line.run();
        }
    }
}
