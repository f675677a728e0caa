package dev.inferq.gateway.jobs;

import dev.inferq.common.job.JobId;
import dev.inferq.common.job.JobRecord;
import dev.inferq.common.job.JobStore;
import dev.inferq.gateway.GatewayProperties;
import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Follows one job: its current state, then each later change, ending after the terminal one.
 *
 * <p>Changes travel through Redis pub/sub ({@link JobEventHub}), so any gateway replica can serve any subscriber. The
 * job is followed before its current state is read, so a change that lands in between arrives as a message; states
 * are emitted only when they move the job forward, which drops that possible duplicate.
 */
@Component
public class JobEventStream {

    static final String EVENT_NAME = "status";

    private final JobStore store;
    private final JobEventHub hub;
    private final GatewayProperties properties;

    public JobEventStream(JobStore store, JobEventHub hub, GatewayProperties properties) {
        this.store = store;
        this.hub = hub;
        this.properties = properties;
    }

    /** The job's states from now on, each once and in lifecycle order, completing after the terminal one. */
    public Flux<JobRecord> changes(JobId id) {
        return Flux.defer(() -> {
                    AtomicInteger reached = new AtomicInteger(-1);
                    // merge subscribes in order: the job is followed before its state is read.
                    return hub.ready().thenMany(Flux.defer(() -> Flux.merge(hub.updates(id), store.find(id))))
                            .filter(job -> advances(reached, job));
                })
                .takeUntil(job -> job.status().isTerminal());
    }

    /** The job's terminal state, as soon as it is stored; empty if the job disappears first. */
    public Mono<JobRecord> terminal(JobId id) {
        return changes(id).filter(job -> job.status().isTerminal()).next();
    }

    /** {@link #changes} as server-sent events, with keep-alive comments while the job is idle. */
    public Flux<ServerSentEvent<JobRecord>> follow(JobId id) {
        Flux<ServerSentEvent<JobRecord>> events = changes(id)
                .map(job -> ServerSentEvent.builder(job).event(EVENT_NAME).id(job.status().name()).build())
                .share();
        Flux<ServerSentEvent<JobRecord>> heartbeats = Flux.interval(properties.sseHeartbeat())
                .map(tick -> ServerSentEvent.<JobRecord>builder().comment("keep-alive").build())
                .takeUntilOther(events.then());
        return Flux.merge(events, heartbeats);
    }

    private static boolean advances(AtomicInteger reached, JobRecord job) {
        int rank = job.status().rank();
        return reached.getAndAccumulate(rank, Math::max) < rank;
    }
}
