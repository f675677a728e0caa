package dev.inferq.gateway.quota;

import dev.inferq.common.job.JobNames;
import dev.inferq.common.job.JobStore;
import dev.inferq.contract.JobRecord;
import dev.inferq.gateway.limits.LimitsProperties;
import dev.inferq.gateway.problems.ApiException;
import dev.inferq.gateway.problems.ProblemType;
import java.time.Duration;
import java.util.List;
import org.springframework.data.redis.connection.ReactiveRedisConnectionFactory;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;

/**
 * Counts the input bytes (images) each tenant holds in Redis, and refuses a job whose input would take its tenant
 * past {@code inferq.gateway.limits.tenant-input-bytes} (429 with {@code Retry-After}): without it one tenant could fill
 * Redis with 10 MB images. The count is a hash per tenant ({@value #KEY_PREFIX}{@code <tenant>}) of each input's key
 * and size, reserved before the job is created; inputs whose key is gone (deleted when the job ended, or expired) are
 * dropped from the count whenever the tenant reaches its limit, so the count needs no hook in whoever deletes them.
 */
@Component
public class TenantInputBytes {

    static final String KEY_PREFIX = "inferq:tenant-input-bytes:";
    static final String SETTING = LimitsProperties.PREFIX + "tenant-input-bytes";
    /** A reservation younger than this is kept although its input is not stored yet: its submit is under way. */
    static final Duration GRACE = Duration.ofMinutes(1);

    /**
     * KEYS[1] the tenant's hash; ARGV[1] the new input's key, ARGV[2] its size, ARGV[3] the limit, ARGV[4] grace in
     * ms, ARGV[5] the hash's time to live in s. Answers the tenant's new total, or -(held + 1) when refused.
     */
    private static final RedisScript<Long> RESERVE = RedisScript.of("""
            local now = redis.call('TIME')
            local nowMs = now[1] * 1000 + math.floor(now[2] / 1000)
            local total = tonumber(redis.call('HGET', KEYS[1], '_total') or '0')
            local size = tonumber(ARGV[2])
            local limit = tonumber(ARGV[3])
            if total + size > limit then
              local fields = redis.call('HGETALL', KEYS[1])
              for i = 1, #fields, 2 do
                local key = fields[i]
                if key ~= '_total' then
                  local sep = string.find(fields[i + 1], ':', 1, true)
                  local bytes = tonumber(string.sub(fields[i + 1], 1, sep - 1))
                  local at = tonumber(string.sub(fields[i + 1], sep + 1))
                  if at + tonumber(ARGV[4]) < nowMs and redis.call('EXISTS', key) == 0 then
                    redis.call('HDEL', KEYS[1], key)
                    total = total - bytes
                  end
                end
              end
              if total < 0 then total = 0 end
              redis.call('HSET', KEYS[1], '_total', total)
              if total + size > limit then
                return -total - 1
              end
            end
            redis.call('HSET', KEYS[1], ARGV[1], size .. ':' .. nowMs, '_total', total + size)
            redis.call('EXPIRE', KEYS[1], ARGV[5])
            return total + size
            """, Long.class);

    /** KEYS[1] the tenant's hash; ARGV[1] the input's key. Takes a reservation back (its job was not created). */
    private static final RedisScript<Long> RELEASE = RedisScript.of("""
            local entry = redis.call('HGET', KEYS[1], ARGV[1])
            if not entry then return 0 end
            local bytes = tonumber(string.sub(entry, 1, string.find(entry, ':', 1, true) - 1))
            redis.call('HDEL', KEYS[1], ARGV[1])
            local total = tonumber(redis.call('HGET', KEYS[1], '_total') or '0') - bytes
            redis.call('HSET', KEYS[1], '_total', math.max(total, 0))
            return bytes
            """, Long.class);

    private final ReactiveStringRedisTemplate redis;
    private final long limit;
    private final Duration ttl;
    private final QuotaProperties quotas;

    public TenantInputBytes(ReactiveRedisConnectionFactory connections, LimitsProperties limits, JobStore store,
            QuotaProperties quotas) {
        this.redis = new ReactiveStringRedisTemplate(connections);
        this.limit = limits.tenantInputBytes().toBytes();
        this.ttl = store.ttl();
        this.quotas = quotas;
    }

    /**
     * Reserves {@code size} input bytes (0: the job has none stored) of {@code job}, new; a 429 when its tenant would
     * hold more than it may.
     */
    public Mono<Void> reserve(JobRecord job, long size) {
        if (size <= 0) {
            return Mono.empty();
        }
        if (size > limit) {
            return Mono.error(refusal(job.tenant(), 0, size));
        }
        return redis.execute(RESERVE, List.of(KEY_PREFIX + job.tenant()), List.of(
                        JobNames.inputKey(job.id()), Long.toString(size), Long.toString(limit),
                        Long.toString(GRACE.toMillis()), Long.toString(Math.max(1, ttl.toSeconds()))))
                .next()
                .flatMap(total -> total >= 0 ? Mono.<Void>empty()
                        : Mono.error(refusal(job.tenant(), -total - 1, size)));
    }

    /** Takes back what {@link #reserve} took for {@code job}, whose creation failed. */
    public Mono<Void> release(JobRecord job, long size) {
        if (size <= 0) {
            return Mono.empty();
        }
        return redis.execute(RELEASE, List.of(KEY_PREFIX + job.tenant()), List.of(JobNames.inputKey(job.id())))
                .then();
    }

    private ApiException refusal(String tenant, long held, long size) {
        return ApiException.limit(HttpStatus.TOO_MANY_REQUESTS, ProblemType.INPUT_STORAGE_FULL, "tenant '" + tenant
                + "' holds " + held + " bytes of job inputs in the job store; this input of " + size + " bytes would"
                + " pass its limit of " + limit + " bytes. Submit again once some of its jobs have ended",
                SETTING, quotas.queuedRetryAfter());
    }
}
