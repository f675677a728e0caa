package dev.inferq.gateway.jobs;

import dev.inferq.common.job.JobStore;
import dev.inferq.common.job.JobStore.Stored;
import dev.inferq.contract.JobId;
import dev.inferq.contract.JobRecord;
import dev.inferq.contract.JobStatus;
import dev.inferq.gateway.GatewayProperties;
import dev.inferq.gateway.limits.LimitsProperties;
import dev.inferq.gateway.limits.Permits;
import dev.inferq.gateway.problems.ApiException;
import dev.inferq.gateway.problems.ProblemType;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.springframework.http.HttpStatus;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.stereotype.Component;
import reactor.core.Disposable;
import reactor.core.publisher.ConnectableFlux;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

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

    private final JobStore store;
    private final JobEventHub hub;
    private final JobViews views;
    private final GatewayProperties properties;
    private final QueuePositions positions;
    private final Permits streams;

    public JobEventStream(JobStore store, JobEventHub hub, JobViews views, QueuePositions positions,
            GatewayProperties properties, LimitsProperties limits) {
        this.store = store;
        this.hub = hub;
        this.views = views;
        this.positions = positions;
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
        // merge subscribes in order: the job is followed before its state is read.
        return hub.ready().thenMany(Flux.defer(() -> advancing(Flux.merge(hub.updates(id), store.findStored(id)),
                        -1)))
                .map(Stored::record);
    }

    /**
     * The job's terminal state, as soon as it is stored; empty if the job disappears first. {@code known} is its state
     * as last seen: when that is terminal already (a job the cache answered as it was accepted), nothing is read.
     */
    public Mono<JobRecord> terminal(JobRecord known) {
        return known.status().isTerminal() ? Mono.just(known)
                : changes(known.id()).filter(job -> job.status().isTerminal()).next();
    }

    /**
     * The events of {@code tenant}'s job {@code id} after {@code lastEventId} (null: from the current state), with
     * queue figures while queued and keep-alive comments while the job is idle; 404 when the job is not the
     * tenant's. The job's state is read once, after it is followed, so that a change in between arrives as a message.
     * The stream takes its permit ({@link #admit}) before anything is read: a tenant at its limit is refused without a
     * Redis command. Two thousand streams opened at once, each refused after its read, once kept the Redis client's
     * I/O thread (where a reply's subscribers run) rendering refusals for longer than the command timeout, and the
     * burst's last reads timed out.
     */
    public Flux<ServerSentEvent<Object>> follow(JobId id, String lastEventId, String tenant) {
        return follow(id, Resume.parse(lastEventId), tenant, () -> admit(tenant));
    }

    /**
     * The events of the job {@code tenant} has just submitted, from its current state, under the {@code permit}
     * taken before the job was accepted: a submit that asks for its events is refused before it creates a job it
     * could not stream. The permit is released when the stream ends, or fails before it starts.
     */
    public Flux<ServerSentEvent<Object>> followSubmitted(JobId id, String tenant, Permits.Permit permit) {
        return follow(id, Resume.NONE, tenant, () -> permit).doFinally(signal -> permit.close());
    }

    /**
     * A permit for one more of {@code tenant}'s streams, to close when the stream ends. Beyond
     * {@code streams.per-tenant} open streams on this gateway the tenant is refused 429, beyond {@code streams.total}
     * any stream 503, both with {@code Retry-After}.
     */
    public Permits.Permit admit(String tenant) {
        Permits.Result taken = streams.tryAcquire(tenant);
        if (!taken.granted()) {
            throw tooManyStreams(tenant, taken.refusal());
        }
        return taken.permit();
    }

    private Flux<ServerSentEvent<Object>> follow(JobId id, Resume resume, String tenant,
            Supplier<Permits.Permit> permit) {
        return hub.ready().thenMany(Flux.defer(() -> {
            Permits.Permit taken = permit.get();
            ConnectableFlux<Stored> updates = hub.updates(id).replay();
            Disposable following = updates.connect();
            return store.findStored(id)
                    .filter(current -> current.record().belongsTo(tenant))
                    .switchIfEmpty(Mono.error(() -> ApiException.jobNotFound(id.value())))
                    .flatMapMany(current -> events(Flux.merge(updates, Mono.just(current)), resume))
                    .doFinally(signal -> {
                        following.dispose();
                        taken.close();
                    });
        }));
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

    /** {@code states} (the job followed, then read) as server-sent events after {@code resume}. */
    private Flux<ServerSentEvent<Object>> events(Flux<Stored> states, Resume resume) {
        // Remembers the end, so that heartbeats stop even when the events ended before they started.
        Sinks.Empty<Void> ended = Sinks.empty();
        Flux<ServerSentEvent<Object>> events = advancing(states, resume.reachedRank())
                .switchMap(stored -> stored.record().status() == JobStatus.QUEUED
                        ? whileQueued(stored, resume.queuePosition())
                        : views.callback(stored.record()).map(callback -> event(stored,
                                views.view(stored.record(), null, callback.orElse(null)))).flux())
                .doFinally(signal -> ended.tryEmitEmpty());
        // A client that does not read holds its stream at no cost: ticks it cannot take are dropped, not an error.
        Flux<ServerSentEvent<Object>> heartbeats = Flux.interval(properties.sseHeartbeat())
                .onBackpressureDrop()
                .map(tick -> ServerSentEvent.builder().comment("keep-alive").build())
                .takeUntilOther(ended.asMono());
        // Sent at once, so the response starts even when a resumed stream has nothing new yet.
        ServerSentEvent<Object> advice = ServerSentEvent.builder().retry(properties.sseRetry()).build();
        return Flux.concat(Mono.just(advice), Flux.merge(events, heartbeats));
    }

    /**
     * The queued job now, then whenever its figures changed, at most once a second: later positions come from the
     * model's one refresh for every stream on this gateway ({@link QueuePositions}). Its webhook state cannot change
     * while it waits, so it is read once.
     */
    private Flux<ServerSentEvent<Object>> whileQueued(Stored stored, Long seenPosition) {
        JobRecord job = stored.record();
        Flux<Long> places = Flux.concat(store.queuePosition(job.model(), job.id()).defaultIfEmpty(-1L),
                // Refreshed from a second on: a job that waits less costs no refresh.
                Mono.delay(QueuePositions.REFRESH).thenMany(positions.updates(job.model(), job.id())));
        return views.callback(job).flatMapMany(callback -> places
                        .map(place -> views.view(job, place < 0 ? null : place, callback.orElse(null))))
                .distinctUntilChanged(view -> Arrays.asList(view.queuePosition(), view.etaS()))
                // A resumed client has seen this position already.
                .skipWhile(view -> seenPosition != null && seenPosition.equals(view.queuePosition()))
                .map(view -> event(stored, view));
    }

    private ServerSentEvent<Object> event(Stored stored, JobView view) {
        return ServerSentEvent.builder(views.json(stored, view)).event(EVENT_NAME).id(eventId(view))
                .retry(properties.sseRetry()).build();
    }

    /** {@code states} that move the job forward from {@code reachedRank}, up to and including the terminal one. */
    private static Flux<Stored> advancing(Flux<Stored> states, int reachedRank) {
        AtomicInteger reached = new AtomicInteger(reachedRank);
        return states.filter(stored -> advances(reached, stored.record()))
                .takeUntil(stored -> stored.record().status().isTerminal());
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
