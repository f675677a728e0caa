package dev.inferq.gateway.jobs;

import dev.inferq.common.job.JobStore;
import dev.inferq.common.job.JobStore.Stored;
import dev.inferq.contract.JobId;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.data.redis.listener.ReactiveRedisMessageListenerContainer;
import org.springframework.stereotype.Component;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.util.retry.Retry;

/**
 * This gateway's one Redis subscription to every job's events channel (a pattern, {@link JobStore#changes}), fanned
 * out in memory to whoever follows a job here. Following a job costs a map entry, not a SUBSCRIBE and UNSUBSCRIBE
 * round of its own, which under load queued up on the pub/sub connection until Redis commands timed out. Every
 * gateway receives every job's changes (three small messages per job), which is cheap for the handful of replicas a
 * deployment runs; only the followed jobs' changes are decoded, and each keeps the JSON it was published as.
 *
 * <p>When the subscription is lost and made again (Redis restarted), each followed job's state is read once more,
 * so a change published in between is not missed.
 */
@Component
public class JobEventHub implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(JobEventHub.class);
    /** How long following a job waits for the subscription when the gateway has only just started. */
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(10);

    private final ReactiveRedisMessageListenerContainer container;
    private final JobStore store;
    private final Map<JobId, Set<FluxSink<Stored>>> followers = new ConcurrentHashMap<>();
    private final Sinks.Empty<Void> subscribed = Sinks.empty();
    private volatile Disposable subscription;

    public JobEventHub(ReactiveRedisMessageListenerContainer container, JobStore store) {
        this.container = container;
        this.store = store;
    }

    /** Completes once the subscription is in place (at once, after the first time); errors after a while without. */
    public Mono<Void> ready() {
        return subscribed.asMono().timeout(READY_TIMEOUT, Mono.error(() -> new IllegalStateException(
                "no subscription to job events within " + READY_TIMEOUT + ": is Redis reachable?")));
    }

    /**
     * The job's changes published from now on, in publication order; never completes by itself. The job is followed
     * as soon as this is subscribed to; subscribe after {@link #ready()} so that nothing published is missed.
     */
    public Flux<Stored> updates(JobId id) {
        return Flux.create(sink -> {
            followers.computeIfAbsent(id, key -> ConcurrentHashMap.newKeySet()).add(sink);
            sink.onDispose(() -> followers.computeIfPresent(id, (key, sinks) -> {
                sinks.remove(sink);
                return sinks.isEmpty() ? null : sinks;
            }));
        });
    }

    @Override
    public void start() {
        subscription = Mono.defer(() -> store.changes(container, followers::containsKey))
                .doOnNext(changes -> onSubscribed())
                .flatMapMany(changes -> changes)
                .retryWhen(Retry.backoff(Long.MAX_VALUE, Duration.ofMillis(200)).maxBackoff(Duration.ofSeconds(5))
                        .doBeforeRetry(signal -> log.warn("Job events subscription lost, subscribing again: {}",
                                signal.failure().toString())))
                .subscribe(stored -> deliver(stored.record().id(), stored));
    }

    private void onSubscribed() {
        // Only the first subscription completes the sink; a later one is a re-subscription.
        if (subscribed.tryEmitEmpty().isFailure()) {
            // Changes published while there was no subscription reach followers through a fresh read.
            followers.keySet().forEach(id -> store.findStored(id).subscribe(stored -> deliver(id, stored),
                    e -> log.warn("Could not re-read job {} after subscribing again: {}", id, e.toString())));
        }
    }

    private void deliver(JobId id, Stored stored) {
        Set<FluxSink<Stored>> sinks = followers.get(id);
        if (sinks != null) {
            sinks.forEach(sink -> sink.next(stored));
        }
    }

    @Override
    public void stop() {
        Disposable current = subscription;
        if (current != null) {
            current.dispose();
        }
    }

    @Override
    public boolean isRunning() {
        Disposable current = subscription;
        return current != null && !current.isDisposed();
    }
}
