package dev.inferq.gateway.quota;

import dev.inferq.common.job.JobNames;
import dev.inferq.common.job.JobStore;
import dev.inferq.contract.JobRecord;
import dev.inferq.gateway.backlog.BackpressureProperties;
import dev.inferq.gateway.problems.ApiException;
import dev.inferq.gateway.problems.ProblemType;
import io.github.bucket4j.ConsumptionProbe;
import java.time.Clock;
import java.time.Duration;
import org.springframework.data.domain.Range;
import org.springframework.data.redis.connection.ReactiveRedisConnectionFactory;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;

/**
 * Creates new jobs within their tenant's quotas ({@link QuotaProperties}): a submit takes one token from the tenant's
 * rate bucket ({@link TenantRateLimiter}), then the job is created unless the tenant already has as many jobs queued
 * or running as it may; the count and the creation are one atomic step in Redis ({@link JobStore#create(JobRecord,
 * long, long)}), and a job stops counting in the step that makes it terminal. Over either limit the submit is a
 * {@code 429} problem with {@code Retry-After}, and nothing is stored. A submit refused for its queued jobs has spent
 * its token all the same: every attempt counts against the rate.
 *
 * <p>How many jobs a tenant may have queued or running is {@code max-queued} where set, and never more than its share
 * of a model's backlog limit ({@code inferq.gateway.backpressure.tenant-share} of {@code max-backlog}, on by default):
 * one tenant alone cannot fill a model's backlog and lock every other tenant out of it.
 *
 * <p>A job's input bytes count against its tenant's {@link TenantInputBytes} before the job is created.
 *
 * <p>A submit whose input must first be downloaded is checked before the download ({@link #precheck}), which takes
 * its token then, so that a tenant over its quota makes the gateway download nothing.
 *
 * <p>Both limits live in Redis, so they hold across any number of gateway replicas. The {@code RateLimit-Policy} and
 * {@code RateLimit} fields of the answer are written into the request's {@link RateLimitFields}.
 */
@Component
public class TenantQuotas {

    static final String SHARE_SETTING = "inferq.gateway.backpressure.tenant-share";

    private final QuotaProperties properties;
    private final TenantRateLimiter limiter;
    private final JobStore store;
    private final ReactiveStringRedisTemplate redis;
    private final Clock clock;
    private final long shareCap;
    private final TenantInputBytes inputBytes;

    public TenantQuotas(QuotaProperties properties, TenantRateLimiter limiter, JobStore store,
            BackpressureProperties backpressure, ReactiveRedisConnectionFactory connections, Clock clock,
            TenantInputBytes inputBytes) {
        this.inputBytes = inputBytes;
        this.properties = properties;
        this.limiter = limiter;
        this.store = store;
        this.redis = new ReactiveStringRedisTemplate(connections);
        this.clock = clock;
        this.shareCap = backpressure.tenantCap();
    }

    /**
     * Stores {@code queued}, a new job, if its tenant's quotas allow it; a 429 {@link ApiException} if not. The
     * tenant's job list then keeps its newest {@code maxListed} jobs.
     */
    public Mono<Void> create(JobRecord queued, long maxListed) {
        return create(queued, 0, maxListed);
    }

    /** {@link #create(JobRecord, long)} for a job that stores {@code inputBytes} bytes of input beside it. */
    public Mono<Void> create(JobRecord queued, long inputBytes, long maxListed) {
        TenantQuota quota = properties.of(queued.tenant());
        return Mono.deferContextual(context -> {
            RateLimitFields fields = context.getOrDefault(RateLimitFields.class, new RateLimitFields());
            Mono<Void> token = fields.tokenTaken() ? Mono.empty() : takeToken(queued.tenant(), quota, fields);
            // The input's bytes are reserved first, and given back when the job is not created after all.
            return token.then(this.inputBytes.reserve(queued, inputBytes))
                    .then(createWithin(queued, quota, maxListed, fields).onErrorResume(e -> this.inputBytes
                            .release(queued, inputBytes).onErrorComplete().then(Mono.error(e))));
        });
    }

    /**
     * The checks of {@link #create} that need no job yet, for a submit that has work to do before it can make one
     * (an image to download): takes the tenant's token, and refuses when the tenant has as many jobs as it may.
     */
    public Mono<Void> precheck(String tenant) {
        TenantQuota quota = properties.of(tenant);
        return Mono.deferContextual(context -> {
            RateLimitFields fields = context.getOrDefault(RateLimitFields.class, new RateLimitFields());
            return takeToken(tenant, quota, fields).doOnSuccess(done -> fields.tokenTaken(true))
                    .then(activeJobs(tenant))
                    .flatMap(active -> {
                        long cap = cap(quota);
                        return cap > 0 && active >= cap ? Mono.error(tooManyQueued(tenant, active, quota))
                                : Mono.<Void>empty();
                    });
        });
    }

    private Mono<Long> activeJobs(String tenant) {
        // Entries are scored by when they stop counting (create.lua): those past now no longer do.
        return redis.opsForZSet().count(JobNames.tenantActiveKey(tenant),
                Range.rightUnbounded(Range.Bound.exclusive((double) clock.millis())));
    }

    private Mono<Void> takeToken(String tenant, TenantQuota quota, RateLimitFields fields) {
        if (!quota.limitsRate()) {
            return Mono.empty();
        }
        return limiter.tryTake(tenant, quota).flatMap(probe -> {
            if (probe.isConsumed()) {
                fields.rate(quota, probe.getRemainingTokens(), Duration.ofNanos(probe.getNanosToWaitForReset()));
                return Mono.empty();
            }
            return Mono.error(overRate(tenant, quota, probe, fields));
        });
    }

    private static ApiException overRate(String tenant, TenantQuota quota, ConsumptionProbe probe,
            RateLimitFields fields) {
        long seconds = Math.max(1, RateLimitFields.wholeSeconds(Duration.ofNanos(probe.getNanosToWaitForRefill())));
        Duration retryAfter = Duration.ofSeconds(seconds);
        fields.rate(quota, 0, retryAfter);
        return new ApiException(HttpStatus.TOO_MANY_REQUESTS, "Rate limit exceeded",
                "tenant '" + tenant + "' submits faster than its rate limit of " + quota.describeRate()
                        + "; retry after " + seconds + " s", retryAfter, null);
    }

    /** The most jobs the tenant may have queued or running: its own cap, within its share of a model's backlog. */
    private long cap(TenantQuota quota) {
        if (!quota.capsQueued()) {
            return shareCap;
        }
        return shareCap > 0 ? Math.min(shareCap, quota.maxQueued()) : quota.maxQueued();
    }

    private Mono<Void> createWithin(JobRecord queued, TenantQuota quota, long maxListed, RateLimitFields fields) {
        return store.create(queued, cap(quota), maxListed).flatMap(creation -> {
            if (quota.capsQueued()) {
                fields.queued(quota, creation.active());
            }
            if (creation.created()) {
                return Mono.empty();
            }
            return Mono.error(tooManyQueued(queued.tenant(), creation.active(), quota));
        });
    }

    private ApiException tooManyQueued(String tenant, long active, TenantQuota quota) {
        long cap = cap(quota);
        boolean share = !quota.capsQueued() || cap < quota.maxQueued();
        return ApiException.limit(HttpStatus.TOO_MANY_REQUESTS, ProblemType.TOO_MANY_QUEUED,
                "tenant '" + tenant + "' has " + active + " jobs queued or running (limit " + cap
                        + (share ? ", its share of a model's backlog" : "") + "); submit again once one of them has"
                        + " finished or was cancelled",
                share ? SHARE_SETTING : "inferq.quota.max-queued", properties.queuedRetryAfter());
    }
}
