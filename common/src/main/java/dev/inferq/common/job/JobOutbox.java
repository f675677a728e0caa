package dev.inferq.common.job;

import dev.inferq.contract.JobCodec;
import dev.inferq.contract.JobId;
import dev.inferq.contract.JobRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.springframework.data.redis.connection.ReactiveRedisConnectionFactory;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The accepted jobs whose Kafka message is not known to be in Kafka yet: the gateway enters a job's message here
 * before it creates the job's record ({@link #enter}) and takes it out once Kafka acknowledged the publish
 * ({@link #leave}). A gateway that dies in between leaves the entry behind, and a sweep ({@link #claimDue}) publishes
 * it, or ends the job, later. An entry without a record is a job that was never created (refused, or the gateway died
 * first): the sweep drops it.
 */
public class JobOutbox {

    private static final RedisScript<Long> ENTER = RedisScript.of("""
            redis.call('SET', KEYS[2], ARGV[2], 'EX', ARGV[3])
            return redis.call('ZADD', KEYS[1], ARGV[4], ARGV[1])""", Long.class);
    // Redis's clock, not the callers': every gateway agrees on what is due. Each entry taken is leased by moving its
    // score on, so that no other sweep takes it until the lease runs out.
    // The ids come back as one comma-separated string: job ids are base64url, which has no comma.
    private static final RedisScript<String> CLAIM = RedisScript.of("""
            local now = redis.call('TIME')
            local nowMs = now[1] * 1000 + math.floor(now[2] / 1000)
            local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', nowMs, 'LIMIT', 0, ARGV[1])
            for _, id in ipairs(due) do
              redis.call('ZADD', KEYS[1], 'XX', nowMs + ARGV[2], id)
            end
            return table.concat(due, ',')""", String.class);

    private final ReactiveStringRedisTemplate redis;
    private final Duration keep;

    /** {@code keep}: how long an entry's message is kept at most, as long as an unfinished job's record. */
    public JobOutbox(ReactiveRedisConnectionFactory connectionFactory, Duration keep) {
        this.redis = new ReactiveStringRedisTemplate(connectionFactory);
        this.keep = keep;
    }

    /** Enters {@code request}'s message, due for a sweep at {@code dueAt} (epoch ms) unless it leaves first. */
    public Mono<Void> enter(JobRequest request, long dueAt) {
        return redis.execute(ENTER, List.of(JobNames.outboxKey(), JobNames.outboxMessageKey(request.id())),
                List.of(request.id().value(), new String(JobCodec.encodeRequest(request),
                        StandardCharsets.UTF_8), Long.toString(keep.toSeconds()),
                        Long.toString(dueAt))).then();
    }

    /** Takes the job out: its message is in Kafka, or it needs none any more. */
    public Mono<Void> leave(JobId id) {
        return redis.opsForZSet().remove(JobNames.outboxKey(), id.value())
                .then(redis.delete(JobNames.outboxMessageKey(id))).then();
    }

    /** Whether the job's message is still waiting for a confirmed publish. */
    public Mono<Boolean> isPending(JobId id) {
        return redis.opsForZSet().score(JobNames.outboxKey(), id.value()).hasElement();
    }

    /** The message of a pending job; empty when the job is not pending (or its message expired). */
    public Mono<JobRequest> message(JobId id) {
        return redis.opsForValue().get(JobNames.outboxMessageKey(id))
                .map(json -> JobCodec.decodeRequest(json.getBytes(StandardCharsets.UTF_8)));
    }

    /** Up to {@code max} jobs due for a sweep, each leased to the caller for {@code lease}. */
    public Flux<JobId> claimDue(int max, Duration lease) {
        return redis.execute(CLAIM, List.of(JobNames.outboxKey()),
                        List.of(Integer.toString(max), Long.toString(lease.toMillis())))
                .flatMapIterable(ids -> ids.isEmpty() ? List.of() : List.of(ids.split(","))).map(JobId::new);
    }
}
