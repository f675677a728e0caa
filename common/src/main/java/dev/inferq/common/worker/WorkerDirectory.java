package dev.inferq.common.worker;

import dev.inferq.common.job.JobNames;
import dev.inferq.contract.JobCodec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.springframework.data.domain.Range;
import org.springframework.data.redis.connection.ReactiveRedisConnectionFactory;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The workers alive now, as they announce themselves in Redis: each worker writes its {@link WorkerPresence} under
 * {@link JobNames#workerKey} with a short time to live and refreshes it well before it runs out, so a worker that dies
 * disappears from the directory within that time, with no one having to notice.
 *
 * <p>The workers are also kept in one sorted set, {@value #INDEX}, scored by when their entry runs out: reading the
 * directory (every {@code GET /v1/models}, which the console polls every 2 s per tab) reads that set and the entries
 * it names, never a SCAN of the whole keyspace, whose cost grows with every job stored.
 */
public class WorkerDirectory {

    /** The sorted set of worker ids, scored by the epoch millisecond their presence expires. */
    static final String INDEX = "inferq:workers";

    /** KEYS[1] the worker's key, KEYS[2] the index; ARGV[1] presence JSON, ARGV[2] ttl ms, ARGV[3] the worker id. */
    private static final RedisScript<Long> ANNOUNCE = RedisScript.of("""
            local now = redis.call('TIME')
            local nowMs = now[1] * 1000 + math.floor(now[2] / 1000)
            redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
            redis.call('ZADD', KEYS[2], nowMs + tonumber(ARGV[2]), ARGV[3])
            redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', nowMs)
            return 1
            """, Long.class);

    private final ReactiveStringRedisTemplate redis;

    public WorkerDirectory(ReactiveRedisConnectionFactory connectionFactory) {
        this.redis = new ReactiveStringRedisTemplate(connectionFactory);
    }

    /** Writes (or refreshes) {@code presence} for {@code ttl}. */
    public Mono<Boolean> announce(WorkerPresence presence, Duration ttl) {
        String json = JobCodec.mapper().writeValueAsString(presence);
        return redis.execute(ANNOUNCE, List.of(JobNames.workerKey(presence.id()), INDEX),
                        List.of(json, Long.toString(ttl.toMillis()), presence.id()))
                .next().map(done -> true);
    }

    /** Removes the worker's entry at once, as it stops. */
    public Mono<Boolean> withdraw(String workerId) {
        return redis.opsForZSet().remove(INDEX, workerId)
                .then(redis.delete(JobNames.workerKey(workerId))).map(count -> count > 0);
    }

    /** Every worker whose presence has not expired; entries that cannot be read are left out. */
    public Flux<WorkerPresence> workers() {
        return redis.opsForZSet().rangeByScore(INDEX,
                        Range.rightUnbounded(Range.Bound.exclusive((double) System.currentTimeMillis())))
                .collectList()
                .filter(ids -> !ids.isEmpty())
                .flatMapMany(ids -> redis.opsForValue().multiGet(ids.stream().map(JobNames::workerKey).toList()))
                // An entry that expired between the two reads comes back null, which Reactor's iteration refuses.
                .flatMapIterable(values -> values.stream().filter(json -> json != null && !json.isEmpty()).toList())
                .flatMap(json -> {
                    try {
                        return Mono.just(JobCodec.mapper().readValue(json.getBytes(StandardCharsets.UTF_8),
                                WorkerPresence.class));
                    } catch (RuntimeException e) {
                        return Mono.empty();
                    }
                });
    }
}
