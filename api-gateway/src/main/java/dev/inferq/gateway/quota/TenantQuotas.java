package dev.inferq.gateway.quota;

import dev.inferq.common.job.JobStore;
import dev.inferq.contract.JobRecord;
import dev.inferq.gateway.problems.ApiException;
import io.github.bucket4j.ConsumptionProbe;
import java.time.Duration;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;

/**
 * Creates new jobs within their tenant's quotas ({@link QuotaProperties}): a submit takes one token from the tenant's
 * rate bucket ({@link TenantRateLimiter}), then the job is created unless the tenant already has {@code max-queued}
 * jobs queued or running; the count and the creation are one atomic step in Redis ({@link JobStore#create(JobRecord,
 * long, long)}), and a job stops counting in the step that makes it terminal. Over either limit the submit is a
 * {@code 429} problem with {@code Retry-After}, and nothing is stored. A submit refused for {@code max-queued} has
 * spent its token all the same: every attempt counts against the rate.
 *
 * <p>Both limits live in Redis, so they hold across any number of gateway replicas. The {@code RateLimit-Policy} and
 * {@code RateLimit} fields of the answer are written into the request's {@link RateLimitFields}.
 */
@Component
public class TenantQuotas {

    private final QuotaProperties properties;
    private final TenantRateLimiter limiter;
    private final JobStore store;

    public TenantQuotas(QuotaProperties properties, TenantRateLimiter limiter, JobStore store) {
        this.properties = properties;
        this.limiter = limiter;
        this.store = store;
    }

    /**
     * Stores {@code queued}, a new job, if its tenant's quotas allow it; a 429 {@link ApiException} if not. The
     * tenant's job list then keeps its newest {@code maxListed} jobs.
     */
    public Mono<Void> create(JobRecord queued, long maxListed) {
        TenantQuota quota = properties.of(queued.tenant());
        if (!quota.limitsAnything()) {
            return store.create(queued, 0, maxListed).then();
        }
        return Mono.deferContextual(context -> {
            RateLimitFields fields = context.getOrDefault(RateLimitFields.class, new RateLimitFields());
            return takeToken(queued.tenant(), quota, fields).then(createWithin(queued, quota, maxListed, fields));
        });
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

    private Mono<Void> createWithin(JobRecord queued, TenantQuota quota, long maxListed, RateLimitFields fields) {
        return store.create(queued, quota.maxQueued(), maxListed).flatMap(creation -> {
            if (quota.capsQueued()) {
                fields.queued(quota, creation.active());
            }
            if (creation.created()) {
                return Mono.empty();
            }
            return Mono.error(new ApiException(HttpStatus.TOO_MANY_REQUESTS, "Too many queued jobs",
                    "tenant '" + queued.tenant() + "' has " + creation.active() + " jobs queued or running (limit "
                            + quota.maxQueued() + "); submit again once one of them has finished or was cancelled",
                    properties.queuedRetryAfter(), null));
        });
    }
}
