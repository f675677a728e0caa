package dev.inferq.common.job;

import dev.inferq.contract.JobId;
import org.slf4j.MDC;

/**
 * Log lines about one job carry its id in the MDC under {@value #JOB_ID}, in the gateway and the workers alike, so
 * that structured logs of both services can be searched by job.
 */
public final class JobLogs {

    /** The MDC key naming the job a log line is about. */
    public static final String JOB_ID = "job_id";

    private JobLogs() {
    }

    /** Puts job {@code id} in the MDC until the returned closeable is closed. */
    public static MDC.MDCCloseable about(JobId id) {
        return MDC.putCloseable(JOB_ID, id.value());
    }
}
