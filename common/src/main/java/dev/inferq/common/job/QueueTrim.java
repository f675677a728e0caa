package dev.inferq.common.job;

import dev.inferq.contract.JobId;
import java.time.Duration;
import java.util.stream.IntStream;
import org.springframework.data.domain.Range;
import org.springframework.data.redis.connection.ReactiveRedisConnectionFactory;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Takes entries whose job record is gone off a model's queue ({@link JobNames#queueKey}), so that they no longer count
 * in queue positions and estimates. An entry joins the queue in the step that creates its record and leaves it before
 * the record is deleted ({@link JobStore}), so one found without its record is stale: its record expired (after
 * {@code unfinishedTtl}, the longest an unfinished record lives) or was lost.
 */
public class QueueTrim {

    private final ReactiveStringRedisTemplate redis;
    private final Duration unfinishedTtl;

    public QueueTrim(ReactiveRedisConnectionFactory connectionFactory, Duration unfinishedTtl) {
        this.redis = new ReactiveStringRedisTemplate(connectionFactory);
        this.unfinishedTtl = unfinishedTtl;
    }

    /**
     * Removes from {@code model}'s queue every entry accepted longer than the unfinished time to live before
     * {@code nowMillis}, and among the {@code checked} oldest ones those without a record; answers how many.
     */
    public Mono<Long> trim(String model, long nowMillis, int checked) {
        String queue = JobNames.queueKey(model);
        Mono<Long> old = redis.opsForZSet().removeRangeByScore(queue,
                Range.closed(Double.NEGATIVE_INFINITY, (double) (nowMillis - unfinishedTtl.toMillis())));
        Mono<Long> orphaned = redis.opsForZSet().range(queue, Range.closed(0L, checked - 1L)).collectList()
                .flatMap(ids -> Flux.fromIterable(ids)
                        .flatMapSequential(id -> redis.hasKey(JobNames.jobKey(new JobId(id))))
                        .collectList()
                        .flatMap(exists -> {
                            Object[] gone = IntStream.range(0, ids.size()).filter(i -> !exists.get(i))
                                    .mapToObj(ids::get).toArray();
                            return gone.length == 0 ? Mono.just(0L) : redis.opsForZSet().remove(queue, gone);
                        }));
        return old.flatMap(removed -> orphaned.map(more -> removed + more));
    }
}
