package dev.inferq.client;

import dev.inferq.contract.JobId;
import dev.inferq.contract.JobRecord;
import java.time.Duration;
import java.util.Optional;

/** The job did not reach a terminal state within the wait; it goes on running, and can be awaited again. */
public class JobAwaitTimeoutException extends InferqException {

    private final JobId jobId;
    private final transient JobRecord lastSeen;

    public JobAwaitTimeoutException(JobId jobId, Duration wait, JobRecord lastSeen) {
        super("job " + jobId + " did not finish within " + wait + "; last seen "
                + (lastSeen == null ? "nothing" : lastSeen.status().name()), null);
        this.jobId = jobId;
        this.lastSeen = lastSeen;
    }

    public JobId jobId() {
        return jobId;
    }

    /** The last state the client saw, empty when none arrived before the wait ran out. */
    public Optional<JobRecord> lastSeen() {
        return Optional.ofNullable(lastSeen);
    }
}
