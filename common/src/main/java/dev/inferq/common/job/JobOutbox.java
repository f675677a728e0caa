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
import reactor.util.context.Context;

/**
 * The accepted jobs whose Kafka message is not known to be in Kafka yet: the gateway's submit enters a job's message
 * here in the same script call that creates the job's record ({@link Entry}) and takes it out once Kafka acknowledged
 * the publish ({@link #leave}). A gateway that dies in between leaves the entry behind, and a sweep ({@link #claimDue})
 * publishes it, or ends the job, later. An entry without a record is a job that is gone or was never created (entered
 * on its own, {@link #enter}): the sweep drops it.
 */
public class JobOutbox {

    private static final RedisScript<Long> LEAVE = RedisScript.of("""
            redis.call('ZREM', KEYS[1], ARGV[1])
            return redis.call('DEL', KEYS[2])""", Long.class);
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

    /**
     * Enters {@code request}'s message on its own, due for a sweep at {@code dueAt} (epoch ms) unless it leaves first;
     * a job created with its {@link Entry} needs no call of this.
     */
    public Mono<Void> enter(JobRequest request, long dueAt) {
        return redis.execute(JobScripts.OUTBOX_ENTER, List.of(JobNames.outboxKey(),
                JobNames.outboxMessageKey(request.id())), List.of(request.id().value(), encode(request),
                Long.toString(keep.toSeconds()), Long.toString(dueAt))).then();
    }

    /** Takes the job out: its message is in Kafka, or it needs none any more. One script call, one round trip. */
    public Mono<Void> leave(JobId id) {
        return redis.execute(LEAVE, List.of(JobNames.outboxKey(), JobNames.outboxMessageKey(id)),
                List.of(id.value())).then();
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

    static String encode(JobRequest request) {
        return new String(JobCodec.encodeRequest(request), StandardCharsets.UTF_8);
    }

    /**
     * A job's message to enter in the outbox, due for a sweep {@code grace} after its record is created, by the
     * {@link JobStore#create(dev.inferq.contract.JobRecord, long, long)} call that creates the record: the record and
     * the entry are one atomic script call, so no job has a record without its entry, nor an entry when it was refused.
     * The creation finds it in its subscriber context ({@link #creating}), so that whatever checks a creation on its
     * way to the store (a tenant's quotas) need not carry it.
     */
    public record Entry(JobRequest request, Duration grace) {

        /** {@code creation}, whose {@link JobStore#create} call is to enter this entry too. */
        public <T> Mono<T> creating(Mono<T> creation) {
            return creation.contextWrite(Context.of(Entry.class, this));
        }
    }
}
