package dev.inferq.gateway.jobs;

import dev.inferq.common.job.JobStore;
import dev.inferq.contract.JobId;
import dev.inferq.contract.JobRecord;
import dev.inferq.contract.JobStatus;
import dev.inferq.gateway.GatewayProperties;
import dev.inferq.gateway.limits.LimitsProperties;
import dev.inferq.gateway.limits.Permits;
import dev.inferq.gateway.problems.ApiException;
import dev.inferq.gateway.problems.ProblemType;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.http.HttpStatus;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Follows one job: its current state, then each later change, ending after the terminal one; while the job waits,
 * a QUEUED event with fresh queue figures at most once a second, and only when they changed.
 *
 * <p>Changes travel through Redis pub/sub ({@link JobEventHub}), so any gateway replica can serve any subscriber. The
 * job is followed before its current state is read, so a change that lands in between arrives as a message; states
 * are emitted only when they move the job forward ({@link JobStatus#rank()}), which drops that possible duplicate.
 *
 * <p>Event ids make a stream resumable: {@code QUEUED:<position>} while queued, else the status name. A client that
 * reconnects with {@code Last-Event-ID} gets only what came after that event; an id this gateway did not write is
 * ignored, and the stream starts from the current state.
 */
@Component
public class JobEventStream {

    static final String EVENT_NAME = "status";
    private static final Duration QUEUE_REFRESH = Duration.ofSeconds(1);

    private final JobStore store;
    private final JobEventHub hub;
    private final JobViews views;
    private final GatewayProperties properties;
    private final Permits streams;

    public JobEventStream(JobStore store, JobEventHub hub, JobViews views, GatewayProperties properties,
            LimitsProperties limits) {
        this.store = store;
        this.hub = hub;
        this.views = views;
        this.properties = properties;
        this.streams = new Permits(limits.streams().total(), limits.streams().perTenant());
    }

    /** Where a reconnecting client left off, read from its {@code Last-Event-ID}. */
    record Resume(int reachedRank, Long queuePosition) {

        static final Resume NONE = new Resume(-1, null);

        static Resume parse(String lastEventId) {
            if (lastEventId == null) {
                return NONE;
            }
            String[] parts = lastEventId.strip().split(":", 2);
            Optional<JobStatus> status = Arrays.stream(JobStatus.values())
                    .filter(s -> s.name().equals(parts[0])).findFirst();
            if (status.isEmpty()) {
                return NONE;
            }
            if (status.get() != JobStatus.QUEUED) {
                return new Resume(status.get().rank(), null);
            }
            try {
                return new Resume(-1, parts.length == 2 ? Long.parseLong(parts[1]) : null);
            } catch (NumberFormatException e) {
                return NONE;
            }
        }
    }

    /** The job's states from now on, each once and in lifecycle order, completing after the terminal one. */
    public Flux<JobRecord> changes(JobId id) {
        return changes(id, -1);
    }

    private Flux<JobRecord> changes(JobId id, int reachedRank) {
        return Flux.defer(() -> {
                    AtomicInteger reached = new AtomicInteger(reachedRank);
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

    /**
     * {@link #follow(JobId, String)} for {@code tenant}, within the stream limits: each open stream polls Redis while
     * its job waits, so a tenant beyond {@code streams.per-tenant} open streams on this gateway is answered 429, and
     * any stream beyond {@code streams.total} 503, both with {@code Retry-After}, before the stream starts.
     */
    public Flux<ServerSentEvent<JobView>> follow(JobId id, String lastEventId, String tenant) {
        return Flux.defer(() -> {
            Permits.Result taken = streams.tryAcquire(tenant);
            if (!taken.granted()) {
                return Flux.error(tooManyStreams(tenant, taken.refusal()));
            }
            return follow(id, lastEventId).doFinally(signal -> taken.permit().close());
        });
    }

    private ApiException tooManyStreams(String tenant, Permits.Refusal refusal) {
        return refusal == Permits.Refusal.PER_KEY
                ? ApiException.limit(HttpStatus.TOO_MANY_REQUESTS, ProblemType.TOO_MANY_STREAMS, "tenant '" + tenant
                        + "' has " + streams.inFlight(tenant) + " event streams open on this gateway, the most it may;"
                        + " close one, or poll GET /v1/jobs/{id}", LimitsProperties.PREFIX + "streams.per-tenant",
                        properties.retryAfter())
                : ApiException.limit(HttpStatus.SERVICE_UNAVAILABLE, ProblemType.TOO_MANY_STREAMS, "this gateway has"
                        + " as many event streams open as it serves; retry later, or poll GET /v1/jobs/{id}",
                        LimitsProperties.PREFIX + "streams.total", properties.retryAfter());
    }

    /**
     * {@link #changes} as server-sent events after {@code lastEventId} (null: from the current state), with queue
     * figures while queued and keep-alive comments while the job is idle.
     */
    Flux<ServerSentEvent<JobView>> follow(JobId id, String lastEventId) {
        Resume resume = Resume.parse(lastEventId);
        Flux<ServerSentEvent<JobView>> events = changes(id, resume.reachedRank())
                .switchMap(job -> job.status() == JobStatus.QUEUED ? whileQueued(job, resume.queuePosition())
                        : views.view(job).flux())
                .map(view -> ServerSentEvent.builder(view).event(EVENT_NAME).id(eventId(view))
                        .retry(properties.sseRetry()).build())
                .share();
        // A client that does not read holds its stream at no cost: ticks it cannot take are dropped, not an error.
        Flux<ServerSentEvent<JobView>> heartbeats = Flux.interval(properties.sseHeartbeat())
                .onBackpressureDrop()
                .map(tick -> ServerSentEvent.<JobView>builder().comment("keep-alive").build())
                .takeUntilOther(events.then());
        // Sent at once, so the response starts even when a resumed stream has nothing new yet.
        ServerSentEvent<JobView> advice = ServerSentEvent.<JobView>builder().retry(properties.sseRetry()).build();
        return Flux.concat(Mono.just(advice), Flux.merge(events, heartbeats));
    }

    /** The queued job now and then once a second while it waits, whenever its figures changed. */
    private Flux<JobView> whileQueued(JobRecord job, Long seenPosition) {
        return Flux.concat(Mono.just(0L), Flux.interval(QUEUE_REFRESH).onBackpressureDrop())
                .concatMap(tick -> views.view(job))
                .distinctUntilChanged(view -> Arrays.asList(view.queuePosition(), view.etaS()))
                // A resumed client has seen this position already.
                .skipWhile(view -> seenPosition != null && seenPosition.equals(view.queuePosition()));
    }

    private static String eventId(JobView view) {
        JobStatus status = view.job().status();
        return status == JobStatus.QUEUED && view.queuePosition() != null
                ? status.name() + ":" + view.queuePosition() : status.name();
    }

    private static boolean advances(AtomicInteger reached, JobRecord job) {
        int rank = job.status().rank();
        return reached.getAndAccumulate(rank, Math::max) < rank;
    }
}
