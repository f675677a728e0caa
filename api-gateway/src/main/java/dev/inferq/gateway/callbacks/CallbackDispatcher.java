package dev.inferq.gateway.callbacks;

import dev.inferq.common.job.JobLogs;
import dev.inferq.common.job.JobStore;
import dev.inferq.contract.JobCodec;
import dev.inferq.contract.JobId;
import dev.inferq.contract.JobRecord;
import dev.inferq.gateway.fetch.GuardedHttp;
import dev.inferq.gateway.limits.LimitsProperties;
import dev.inferq.gateway.limits.Permits;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.ByteBufFlux;
import reactor.netty.http.client.HttpClient;

/**
 * Delivers webhooks. Runs in every gateway: each polls the deliveries due in Redis ({@link CallbackStore}), takes a
 * lease on those it attempts (so one gateway attempts each at a time, and another takes over when one dies), and POSTs
 * the job's terminal record, signed ({@link WebhookSigner}). A 2xx answer is a delivery; anything else is retried
 * with doubling pauses from {@code initial-backoff} up to {@code max-backoff}, until {@code max-age} after the job
 * finished. At least once: a gateway that dies after the receiver answered but before it recorded the delivery
 * leaves it due, and the next attempt repeats it with the same {@code webhook-id}.
 *
 * <p>Deliveries run side by side within the webhook limits ({@code inferq.gateway.limits.webhooks.*}): at most
 * {@code total} on this gateway, {@code per-tenant} for one tenant's jobs and {@code per-host} to one receiving host.
 * A delivery beyond its tenant's or host's share is put back, due again a little later, without counting as an
 * attempt; so a receiver that never answers holds only its own host's slots for the attempt timeout, and every other
 * tenant's and host's deliveries go on. A round never waits for the attempts it started.
 *
 * <p>Why here and not a consumer of a Kafka topic of terminal events: the terminal state is written to Redis by the
 * worker's atomic transition, which also marks the delivery due in the same step, so no event can fall between the
 * state and the delivery, and pending deliveries are as durable as the job records themselves.
 */
@Component
public class CallbackDispatcher implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(CallbackDispatcher.class);
    /** How long a delivery put back for its tenant's or host's limit waits before it is due again. */
    private static final Duration PUT_BACK = Duration.ofSeconds(1);

    private final CallbackStore callbacks;
    private final JobStore jobs;
    private final CallbackProperties properties;
    private final Clock clock;
    private final HttpClient http;
    private final WebhookSigner signer;
    private final LimitsProperties.Webhooks limits;
    private final Permits byTenant;
    private final Permits byHost;
    private volatile Disposable loop;

    public CallbackDispatcher(CallbackStore callbacks, JobStore jobs, CallbackProperties properties,
            CallbackUrls urls, Clock clock, LimitsProperties limits) {
        this.limits = limits.webhooks();
        this.byTenant = new Permits(this.limits.total(), this.limits.perTenant());
        this.byHost = new Permits(Integer.MAX_VALUE, this.limits.perHost());
        this.callbacks = callbacks;
        this.jobs = jobs;
        this.properties = properties;
        this.clock = clock;
        this.signer = properties.secret().isEmpty() ? null : new WebhookSigner(properties.secret());
        this.http = GuardedHttp.client(urls.policy(), properties.timeout())
                .responseTimeout(properties.timeout())
                .headers(headers -> headers.set(HttpHeaderNames.USER_AGENT, "inferq-gateway (webhooks)")
                        .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON));
    }

    @Override
    public void start() {
        if (signer == null) {
            return;
        }
        loop = Flux.interval(properties.pollInterval())
                .onBackpressureDrop()
                .concatMap(tick -> claimDue().onErrorResume(e -> {
                    log.debug("Webhook round failed, trying again: {}", e.toString());
                    return Mono.empty();
                }))
                .subscribe(id -> attempt(id).subscribe(null,
                        e -> log.debug("Webhook of job {} not attempted: {}", id, e.toString())));
    }

    /** One round: takes as many deliveries due now as there are free slots; each is then attempted on its own. */
    private Flux<JobId> claimDue() {
        int free = limits.total() - byTenant.inFlight();
        if (free <= 0) {
            return Flux.empty();
        }
        Instant now = clock.instant();
        return callbacks.claimDue(now, now.plus(properties.lease()), free);
    }

    private Mono<Void> attempt(JobId id) {
        // A job (or webhook) that expired meanwhile has nothing left to deliver.
        return Mono.zip(jobs.find(id), callbacks.state(id)).map(Optional::of).defaultIfEmpty(Optional.empty())
                .flatMap(found -> found.isPresent() ? within(found.get().getT1(), found.get().getT2())
                        : callbacks.forget(id));
    }

    /** Posts within the tenant's and the host's limits, or puts the delivery back for a little later. */
    private Mono<Void> within(JobRecord job, CallbackState state) {
        Permits.Result tenant = byTenant.tryAcquire(String.valueOf(job.tenant()));
        if (!tenant.granted()) {
            return callbacks.putBack(job.id(), clock.instant().plus(PUT_BACK));
        }
        Permits.Result host = byHost.tryAcquire(host(state.url()));
        if (!host.granted()) {
            tenant.permit().close();
            return callbacks.putBack(job.id(), clock.instant().plus(PUT_BACK));
        }
        return post(job, state).doFinally(signal -> {
            host.permit().close();
            tenant.permit().close();
        });
    }

    private static String host(String url) {
        try {
            String host = URI.create(url).getHost();
            return host == null ? url : host.toLowerCase(Locale.ROOT);
        } catch (IllegalArgumentException e) {
            return url;
        }
    }

    private Mono<Void> post(JobRecord job, CallbackState state) {
        String body = JobCodec.encodeRecord(job);
        long timestamp = clock.instant().getEpochSecond();
        String messageId = "job_" + job.id().value();
        int attempt = state.attempts() + 1;
        return http.headers(headers -> headers
                        .set("webhook-id", messageId)
                        .set("webhook-timestamp", Long.toString(timestamp))
                        .set("webhook-signature", signer.signature(messageId, timestamp, body)))
                .post()
                .uri(state.url())
                .send(ByteBufFlux.fromString(Mono.just(body), StandardCharsets.UTF_8, ByteBufAllocator.DEFAULT))
                .responseSingle((response, content) -> Mono.just(response.status().code()))
                .timeout(properties.timeout().plusSeconds(1))
                .onErrorResume(e -> {
                    boolean refused = GuardedHttp.isRefusedAddress(e);
                    log.info("Webhook of job {} attempt {} got no answer{}: {}", job.id(), attempt,
                            refused ? " (address refused, giving up)" : "", e.toString());
                    return Mono.just(refused ? Integer.MIN_VALUE : -1);
                })
                .flatMap(status -> record(job, attempt, status));
    }

    private Mono<Void> record(JobRecord job, int attempt, int status) {
        Instant now = clock.instant();
        try (MDC.MDCCloseable about = JobLogs.about(job.id())) {
            if (status >= 200 && status < 300) {
                log.debug("Webhook of job {} delivered (attempt {}, status {})", job.id(), attempt, status);
                return callbacks.delivered(job.id(), attempt, status, now);
            }
            Instant finished = job.finishedAt() != null ? job.finishedAt() : now;
            Instant next = now.plus(properties.backoff(attempt));
            if (status == Integer.MIN_VALUE || next.isAfter(finished.plus(properties.maxAge()))) {
                log.warn("Webhook of job {} given up after {} attempt(s), last status {}", job.id(), attempt,
                        status == Integer.MIN_VALUE ? "address refused" : status);
                return callbacks.gaveUp(job.id(), attempt, Math.max(status, -1), now);
            }
            return callbacks.failed(job.id(), attempt, status, next);
        }
    }

    @Override
    public void stop() {
        Disposable running = loop;
        if (running != null) {
            running.dispose();
        }
        loop = null;
    }

    @Override
    public boolean isRunning() {
        return loop != null;
    }
}
