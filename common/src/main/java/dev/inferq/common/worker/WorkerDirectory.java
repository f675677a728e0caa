package dev.inferq.common.worker;

import dev.inferq.common.job.JobNames;
import dev.inferq.contract.JobCodec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.springframework.data.redis.connection.ReactiveRedisConnectionFactory;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.data.redis.core.ScanOptions;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The workers alive now, as they announce themselves in Redis: each worker writes its {@link WorkerPresence} under
 * {@link JobNames#workerKey} with a short time to live and refreshes it well before it runs out, so a worker that dies
 * disappears from the directory within that time, with no one having to notice.
 */
public class WorkerDirectory {

    private final ReactiveStringRedisTemplate redis;

    public WorkerDirectory(ReactiveRedisConnectionFactory connectionFactory) {
        this.redis = new ReactiveStringRedisTemplate(connectionFactory);
    }

    /** Writes (or refreshes) {@code presence} for {@code ttl}. */
    public Mono<Boolean> announce(WorkerPresence presence, Duration ttl) {
        String json = JobCodec.mapper().writeValueAsString(presence);
        return redis.opsForValue().set(JobNames.workerKey(presence.id()), json, ttl);
    }

    /** Removes the worker's entry at once, as it stops. */
    public Mono<Boolean> withdraw(String workerId) {
        return redis.delete(JobNames.workerKey(workerId)).map(count -> count > 0);
    }

    /** Every worker whose presence has not expired; entries that cannot be read are left out. */
    public Flux<WorkerPresence> workers() {
        return redis.scan(ScanOptions.scanOptions().match(JobNames.workerKeyPattern()).count(100).build())
                .flatMap(key -> redis.opsForValue().get(key))
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
