package dev.inferq.gateway.jobs;

import dev.inferq.common.job.JobStore;
import dev.inferq.contract.JobId;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;

/**
 * The queue positions of the jobs followed on this gateway while they wait, refreshed once a second for each model
 * with one command for all of that model's waiting jobs ({@link JobStore#queuePositions}): a stream that waits costs
 * a map entry, not a ZRANK of its own every second.
 */
@Component
public class QueuePositions implements SmartLifecycle {

    static final Duration REFRESH = Duration.ofSeconds(1);
    private static final Logger log = LoggerFactory.getLogger(QueuePositions.class);

    private final JobStore store;
    /** Model, then job, then the streams waiting on that job. */
    private final Map<String, Map<JobId, Set<FluxSink<Long>>>> waiting = new ConcurrentHashMap<>();
    /** Models whose refresh is still unanswered: a slow answer makes the next tick skip the model, not pile up. */
    private final Set<String> refreshing = ConcurrentHashMap.newKeySet();
    private volatile Disposable ticker;

    public QueuePositions(JobStore store) {
        this.store = store;
    }

    /**
     * The job's position at each refresh from now on (-1: no longer queued); never completes by itself. A reader that
     * falls behind gets the latest position only.
     */
    public Flux<Long> updates(String model, JobId id) {
        return Flux.create(sink -> {
            // Added and removed within the model's entry, so that an entry emptied meanwhile is not added to.
            waiting.compute(model, (key, jobs) -> {
                Map<JobId, Set<FluxSink<Long>>> following = jobs == null ? new ConcurrentHashMap<>() : jobs;
                following.computeIfAbsent(id, job -> ConcurrentHashMap.newKeySet()).add(sink);
                return following;
            });
            sink.onDispose(() -> waiting.computeIfPresent(model, (key, jobs) -> {
                jobs.computeIfPresent(id, (job, sinks) -> {
                    sinks.remove(sink);
                    return sinks.isEmpty() ? null : sinks;
                });
                return jobs.isEmpty() ? null : jobs;
            }));
        }, FluxSink.OverflowStrategy.LATEST);
    }

    private void refresh() {
        waiting.forEach((model, jobs) -> {
            List<JobId> ids = List.copyOf(jobs.keySet());
            if (ids.isEmpty() || !refreshing.add(model)) {
                return;
            }
            store.queuePositions(model, ids)
                    .doFinally(signal -> refreshing.remove(model))
                    .subscribe(positions -> deliver(model, ids, positions), e -> log.warn(
                            "Could not refresh the queue positions of model '{}': {}", model, e.toString()));
        });
    }

    private void deliver(String model, List<JobId> ids, List<Long> positions) {
        Map<JobId, Set<FluxSink<Long>>> jobs = waiting.getOrDefault(model, Map.of());
        for (int i = 0; i < ids.size(); i++) {
            Long position = positions.get(i);
            jobs.getOrDefault(ids.get(i), Set.of()).forEach(sink -> sink.next(position));
        }
    }

    @Override
    public void start() {
        ticker = Flux.interval(REFRESH).onBackpressureDrop().subscribe(tick -> refresh());
    }

    @Override
    public void stop() {
        Disposable current = ticker;
        if (current != null) {
            current.dispose();
        }
    }

    @Override
    public boolean isRunning() {
        Disposable current = ticker;
        return current != null && !current.isDisposed();
    }
}
