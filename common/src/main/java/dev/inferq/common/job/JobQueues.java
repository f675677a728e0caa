package dev.inferq.common.job;

import dev.inferq.common.job.JobStore.ListedJob;
import dev.inferq.contract.JobId;
import java.util.List;
import org.springframework.data.domain.Range;
import org.springframework.data.redis.connection.Limit;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The job store's sorted sets of jobs: each model's queue ({@link JobNames#queueKey}) and each tenant's job list
 * ({@link JobNames#tenantJobsKey}). The scripts that create and move jobs keep them; these are their reads, and the
 * list's trimming of jobs whose records are gone.
 */
final class JobQueues {

    private final ReactiveStringRedisTemplate redis;

    JobQueues(ReactiveStringRedisTemplate redis) {
        this.redis = redis;
    }

    /** {@link JobStore#queuePosition}. */
    Mono<Long> queuePosition(String model, JobId id) {
        return redis.opsForZSet().rank(JobNames.queueKey(model), id.value());
    }

    /** {@link JobStore#queuePositions}. */
    Mono<List<Long>> queuePositions(String model, List<JobId> ids) {
        return redis.execute(JobScripts.QUEUE_POSITIONS, List.of(JobNames.queueKey(model)),
                        ids.stream().map(JobId::value).toList())
                .next()
                .map(ranks -> ((List<?>) ranks).stream().map(rank -> ((Number) rank).longValue()).toList());
    }

    /** {@link JobStore#listed}. */
    Flux<ListedJob> listed(String tenant, long since, long until, int offset, int count) {
        return redis.opsForZSet().reverseRangeByScoreWithScores(JobNames.tenantJobsKey(tenant),
                        Range.closed((double) since, (double) until), Limit.limit().offset(offset).count(count))
                .map(entry -> new ListedJob(new JobId(entry.getValue()), entry.getScore().longValue()));
    }

    /** {@link JobStore#unlist}. */
    Mono<Long> unlist(String tenant, List<JobId> ids) {
        return ids.isEmpty() ? Mono.just(0L) : redis.opsForZSet().remove(JobNames.tenantJobsKey(tenant),
                ids.stream().map(JobId::value).toArray());
    }
}
