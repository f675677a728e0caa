package dev.inferq.gateway.jobs;

import dev.inferq.common.job.JobStore;
import dev.inferq.common.job.JobStore.Stored;
import dev.inferq.contract.JobId;
import dev.inferq.contract.JobInput;
import dev.inferq.contract.JobRecord;
import dev.inferq.contract.JobRequest;
import dev.inferq.contract.JobStatus;
import dev.inferq.gateway.backlog.BacklogMonitor;
import dev.inferq.gateway.callbacks.CallbackState;
import dev.inferq.gateway.callbacks.CallbackStore;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

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
    /** A field that every record stored by this version has, as its JSON names it. */
    private static final String CURRENT_FIELD = "\"has_callback\":";

    private final String unchangedSuffix;

    public JobViews(JobStore store, BacklogMonitor backlog, CallbackStore callbacks, JsonMapper json) {
        this.store = store;
        this.backlog = backlog;
        this.callbacks = callbacks;
        this.unchangedSuffix = unchangedSuffix(json);
    }

    /** {@code job} with its queue figures when it is QUEUED, and its webhook's state when it has one. */
    public Mono<JobView> view(JobRecord job) {
        Mono<Optional<Long>> position = job.status() != JobStatus.QUEUED ? Mono.just(Optional.empty())
                : store.queuePosition(job.model(), job.id()).map(Optional::of).defaultIfEmpty(Optional.empty());
        return Mono.zip(position, callback(job))
                .map(found -> view(job, found.getT1().orElse(null), found.getT2().orElse(null)));
    }

    /** {@code job} at queue position {@code place} (null: none) with webhook state {@code callback} (null: none). */
    JobView view(JobRecord job, Long place, CallbackState callback) {
        return new JobView(job, place, place == null ? null : eta(job.model(), place), callback);
    }

    /** The job's webhook state; no read for a job submitted without a webhook. */
    Mono<Optional<CallbackState>> callback(JobRecord job) {
        return !job.hasCallback() ? Mono.just(Optional.empty())
                : callbacks.state(job.id()).map(Optional::of).defaultIfEmpty(Optional.empty());
    }

    /**
     * What to send as {@code view}'s JSON: when it adds nothing to the record, the JSON the record was stored as
     * ({@code stored}) with the view's empty fields appended, which is what encoding the view would write, at no
     * decoding or encoding; otherwise the view itself, for the codec to encode.
     */
    Object json(Stored stored, JobView view) {
        // A record stored before has_callback existed lacks fields that encoding it writes: it is encoded.
        boolean unchanged = view.queuePosition() == null && view.etaS() == null && view.callback() == null
                && stored.json().endsWith("}") && stored.json().contains(CURRENT_FIELD);
        return unchanged ? stored.json().substring(0, stored.json().length() - 1) + unchangedSuffix : view;
    }

    /**
     * What the web's JSON mapper writes after a record's fields for a view that adds nothing (its null fields, or
     * nothing where nulls are left out), from a sample; the stored JSON is written with the same naming and
     * inclusion ({@code JobCodec}), which {@code EventsRedisCostIT} checks.
     */
    private static String unchangedSuffix(JsonMapper json) {
        JobRecord sample = JobRecord.queued(JobRequest.of(new JobId("0000000000000000000000"), "m",
                new JobInput.Texts(List.of("x")), Instant.EPOCH));
        String record = json.writeValueAsString(sample);
        String view = json.writeValueAsString(new JobView(sample, null, null, null));
        String open = record.substring(0, record.length() - 1);
        if (!view.startsWith(open)) {
            throw new IllegalStateException("a job view does not start with its record's fields: " + view);
        }
        return view.substring(open.length());
    }

    /** Seconds to a tenth: whole seconds would overstate every short wait by up to a second. */
    private Double eta(String model, long position) {
        return backlog.completedPerSecond(model)
                .filter(rate -> rate > 0)
                .map(rate -> Math.round((position + 1) / rate * 10) / 10.0)
                .orElse(null);
    }
}
