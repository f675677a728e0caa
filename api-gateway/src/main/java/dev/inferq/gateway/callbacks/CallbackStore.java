package dev.inferq.gateway.callbacks;

import dev.inferq.common.job.JobNames;
import dev.inferq.contract.JobId;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.springframework.data.redis.connection.ReactiveRedisConnectionFactory;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Webhook state in Redis, beside the job: the hash {@link JobNames#callbackKey} (URL and delivery state, expiring
 * with the job) and the deliveries due, {@link JobNames#callbacksDueKey}, which the job store's transition fills when a
 * job with a webhook ends. Both are durable as Redis is, so a delivery survives the restart of any process.
 */
@Component
public class CallbackStore {

    /**
     * Takes up to ARGV[3] deliveries due at ARGV[1] (epoch ms) by moving them to ARGV[2] (the end of the lease), so
     * that of several gateways exactly one attempts each at a time.
     */
    private static final RedisScript<List> CLAIM = RedisScript.of("""
            local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
            for _, id in ipairs(due) do
              redis.call('ZADD', KEYS[1], 'XX', ARGV[2], id)
            end
            return due
            """, List.class);

    private final ReactiveStringRedisTemplate redis;

    public CallbackStore(ReactiveRedisConnectionFactory connections) {
        this.redis = new ReactiveStringRedisTemplate(connections);
    }

    /** Records that the job, when it ends, is to be delivered to {@code url}; kept as long as the job. */
    public Mono<Boolean> register(JobId id, String url, Duration ttl) {
        String key = JobNames.callbackKey(id);
        return redis.opsForHash().putAll(key, Map.of("url", url, "attempts", "0"))
                .then(redis.expire(key, ttl));
    }

    /** Deliveries due now, each now leased to the caller until {@code leaseUntil}. */
    @SuppressWarnings("unchecked")
    public Flux<JobId> claimDue(Instant now, Instant leaseUntil, int limit) {
        return redis.execute(CLAIM, List.of(JobNames.callbacksDueKey()), List.of(
                        Long.toString(now.toEpochMilli()), Long.toString(leaseUntil.toEpochMilli()),
                        Integer.toString(limit)))
                .flatMapIterable(ids -> (List<Object>) ids)
                .map(id -> new JobId(id.toString()));
    }

    /** The job's webhook state; empty when the job has none. */
    public Mono<CallbackState> state(JobId id) {
        return redis.<String, String>opsForHash().entries(JobNames.callbackKey(id))
                .collectMap(Map.Entry::getKey, Map.Entry::getValue)
                .filter(fields -> fields.containsKey("url"))
                .map(fields -> new CallbackState(fields.get("url"),
                        Integer.parseInt(fields.getOrDefault("attempts", "0")),
                        fields.containsKey("last_status") ? Integer.valueOf(fields.get("last_status")) : null,
                        fields.containsKey("delivered_at") ? Instant.parse(fields.get("delivered_at")) : null,
                        fields.containsKey("gave_up_at") ? Instant.parse(fields.get("gave_up_at")) : null));
    }

    /** Makes a delivery due again at {@code at} without counting an attempt (it was over a limit, never sent). */
    public Mono<Void> putBack(JobId id, Instant at) {
        return redis.opsForZSet().add(JobNames.callbacksDueKey(), id.value(), at.toEpochMilli()).then();
    }

    /** Records a successful attempt and takes the delivery off the due list. */
    public Mono<Void> delivered(JobId id, int attempts, int status, Instant at) {
        return redis.opsForHash().putAll(JobNames.callbackKey(id), Map.of("attempts", Integer.toString(attempts),
                        "last_status", Integer.toString(status), "delivered_at", at.toString()))
                .then(redis.opsForZSet().remove(JobNames.callbacksDueKey(), id.value())).then();
    }

    /** Records a failed attempt and when the next one is due. */
    public Mono<Void> failed(JobId id, int attempts, int status, Instant nextAttempt) {
        return redis.opsForHash().putAll(JobNames.callbackKey(id), Map.of("attempts", Integer.toString(attempts),
                        "last_status", Integer.toString(status)))
                .then(redis.opsForZSet().add(JobNames.callbacksDueKey(), id.value(), nextAttempt.toEpochMilli()))
                .then();
    }

    /** Records the last failed attempt of a delivery given up on, and takes it off the due list. */
    public Mono<Void> gaveUp(JobId id, int attempts, int status, Instant at) {
        return redis.opsForHash().putAll(JobNames.callbackKey(id), Map.of("attempts", Integer.toString(attempts),
                        "last_status", Integer.toString(status), "gave_up_at", at.toString()))
                .then(redis.opsForZSet().remove(JobNames.callbacksDueKey(), id.value())).then();
    }

    /** Takes a delivery whose job is gone (expired) off the due list. */
    public Mono<Void> forget(JobId id) {
        return redis.opsForZSet().remove(JobNames.callbacksDueKey(), id.value()).then();
    }
}
