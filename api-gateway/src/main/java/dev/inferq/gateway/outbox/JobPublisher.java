package dev.inferq.gateway.outbox;

import dev.inferq.common.job.JobNames;
import dev.inferq.common.job.JobOutbox;
import dev.inferq.contract.JobCodec;
import dev.inferq.contract.JobId;
import dev.inferq.contract.JobRequest;
import dev.inferq.gateway.GatewayProperties;
import io.micrometer.observation.Observation;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Publishes jobs to their model's Kafka topic through the outbox ({@link JobOutbox}): a job's message is entered by
 * the script call that creates its record ({@link #entering}) and leaves once Kafka acknowledged it ({@link #publish}),
 * so that a gateway that dies in between leaves the job to a sweep ({@link OutboxSweeper}) instead of without an end.
 * A job may so be published twice (a sweep, an idempotent replay): workers skip a job that has ended or runs elsewhere.
 */
@Component
public class JobPublisher {

    private final KafkaTemplate<String, byte[]> kafka;
    private final JobOutbox outbox;
    private final GatewayProperties gateway;
    private final OutboxProperties properties;

    JobPublisher(KafkaTemplate<String, byte[]> kafka, JobOutbox outbox, GatewayProperties gateway,
            OutboxProperties properties) {
        this.kafka = kafka;
        this.outbox = outbox;
        this.gateway = gateway;
        this.properties = properties;
    }

    /**
     * {@code creation}, made to enter {@code request} in the outbox in the same script call that creates its record
     * ({@link JobOutbox.Entry}), due for a sweep once its grace has passed.
     */
    public <T> Mono<T> entering(JobRequest request, Mono<T> creation) {
        return new JobOutbox.Entry(request, properties.grace()).creating(creation);
    }

    /** Takes a job that was not accepted out of the outbox again. */
    public Mono<Void> withdraw(JobId id) {
        return outbox.leave(id);
    }

    /**
     * Publishes {@code request} within the gateway's {@code publish-timeout}, as a child of {@code parent} (null:
     * none), and takes it out of the outbox once Kafka acknowledged it. A failure to take it out is left to the sweep,
     * which publishes it once more.
     */
    public Mono<Void> publish(JobRequest request, Observation parent) {
        // send() can block on metadata while the broker is away: keep that off the event loop. The parent is made
        // current for the call, so that Spring Kafka's publish span is its child and carries its trace.
        return Mono.fromFuture(() -> {
                    try (Observation.Scope scope = parent == null ? null : parent.openScope()) {
                        return kafka.send(JobNames.topic(request.model()), request.id().value(),
                                JobCodec.encodeRequest(request));
                    }
                })
                .subscribeOn(Schedulers.boundedElastic())
                .timeout(gateway.publishTimeout())
                .then(outbox.leave(request.id()).onErrorComplete());
    }

    /**
     * Publishes the job if it is still in the outbox (its first publish never confirmed); answers whether it was.
     * For an idempotent replay, whose 202 must stand for a job whose message is in Kafka.
     */
    public Mono<Boolean> publishPending(JobId id) {
        return outbox.message(id).flatMap(request -> publish(request, null).thenReturn(true)).defaultIfEmpty(false);
    }
}
