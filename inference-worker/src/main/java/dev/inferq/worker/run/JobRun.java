package dev.inferq.worker.run;

import dev.inferq.contract.JobId;
import dev.inferq.contract.JobRecord;
import dev.inferq.contract.JobRequest;
import dev.inferq.contract.JobStatus;

/**
 * One job on its way through one run of its batch, from the record read at the start to the outcome stored at the
 * end: each step reads and advances this one object, so a job's delivery, record, cache key and outcome never travel
 * in lists that must stay aligned. Belongs to its consumer's thread.
 */
final class JobRun {

    private final Delivery delivery;
    /** As read when the run began; the RUNNING record once started; the outcome once ended. */
    private JobRecord record;
    private String cacheKey;
    private boolean ended;

    JobRun(Delivery delivery, JobRecord current) {
        this.delivery = delivery;
        this.record = current;
    }

    Delivery delivery() {
        return delivery;
    }

    JobRequest request() {
        return delivery.request();
    }

    JobId id() {
        return record.id();
    }

    JobRecord record() {
        return record;
    }

    /**
     * Whether an earlier delivery started the job and never finished it (its worker died, maybe on this input); only
     * meaningful before this run starts it.
     */
    boolean isSuspect() {
        return record.status() == JobStatus.RUNNING;
    }

    void started(JobRecord running) {
        record = running;
    }

    /** The key the job reads and shares in the response cache; null when it neither reads nor shares one. */
    String cacheKey() {
        return cacheKey;
    }

    void keyed(String key) {
        cacheKey = key;
    }

    /** Gives the job its terminal record, to be stored at the end of the run. */
    void ended(JobRecord outcome) {
        record = outcome;
        ended = true;
    }

    boolean hasEnded() {
        return ended;
    }
}
