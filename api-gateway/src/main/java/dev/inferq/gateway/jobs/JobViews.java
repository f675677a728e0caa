package dev.inferq.gateway.jobs;

import dev.inferq.common.job.JobStore;
import dev.inferq.contract.JobRecord;
import dev.inferq.contract.JobStatus;
import dev.inferq.gateway.backlog.BacklogMonitor;
import dev.inferq.gateway.callbacks.CallbackState;
import dev.inferq.gateway.callbacks.CallbackStore;
import java.util.Optional;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;

/**
 * A job as the API shows it ({@link JobView}): while queued, where it stands: its position in its model's queue
 * (exact, from the queue the job store keeps) and an estimate of when it starts (the jobs up to and including it, at
 * the rate the model's workers completed jobs over the recent throughput window); and its webhook's state, if any.
 */
@Component
public class JobViews {

    private final JobStore store;
    private final BacklogMonitor backlog;
    private final CallbackStore callbacks;

    public JobViews(JobStore store, BacklogMonitor backlog, CallbackStore callbacks) {
        this.store = store;
        this.backlog = backlog;
        this.callbacks = callbacks;
    }

    /** {@code job} with its queue figures when it is QUEUED, and its webhook's state when it has one. */
    public Mono<JobView> view(JobRecord job) {
        Mono<Optional<Long>> position = job.status() != JobStatus.QUEUED ? Mono.just(Optional.empty())
                : store.queuePosition(job.model(), job.id()).map(Optional::of).defaultIfEmpty(Optional.empty());
        Mono<Optional<CallbackState>> callback = callbacks.state(job.id()).map(Optional::of)
                .defaultIfEmpty(Optional.empty());
        return Mono.zip(position, callback).map(found -> {
            Long place = found.getT1().orElse(null);
            return new JobView(job, place, place == null ? null : eta(job.model(), place),
                    found.getT2().orElse(null));
        });
    }

    /** Seconds to a tenth: whole seconds would overstate every short wait by up to a second. */
    private Double eta(String model, long position) {
        return backlog.completedPerSecond(model)
                .filter(rate -> rate > 0)
                .map(rate -> Math.round((position + 1) / rate * 10) / 10.0)
                .orElse(null);
    }
}
