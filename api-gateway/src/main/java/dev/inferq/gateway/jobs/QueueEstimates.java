package dev.inferq.gateway.jobs;

import dev.inferq.common.job.JobRecord;
import dev.inferq.common.job.JobStatus;
import dev.inferq.common.job.JobStore;
import dev.inferq.gateway.backlog.BacklogMonitor;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;

/**
 * Where a queued job stands: its position in its model's queue (exact, from the queue the job store keeps) and an
 * estimate of when it starts: the jobs up to and including it, at the rate the model's workers completed jobs over
 * the recent throughput window.
 */
@Component
public class QueueEstimates {

    private final JobStore store;
    private final BacklogMonitor backlog;

    public QueueEstimates(JobStore store, BacklogMonitor backlog) {
        this.store = store;
        this.backlog = backlog;
    }

    /** {@code job} with its queue figures when it is QUEUED; as it is otherwise. */
    public Mono<JobView> view(JobRecord job) {
        if (job.status() != JobStatus.QUEUED) {
            return Mono.just(JobView.of(job));
        }
        return store.queuePosition(job.model(), job.id())
                .map(position -> new JobView(job, position, eta(job.model(), position)))
                .defaultIfEmpty(JobView.of(job));
    }

    private Long eta(String model, long position) {
        return backlog.completedPerSecond(model)
                .filter(rate -> rate > 0)
                .map(rate -> (long) Math.ceil((position + 1) / rate))
                .orElse(null);
    }
}
