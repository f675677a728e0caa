package dev.inferq.worker.run;

import dev.inferq.contract.JobInput;
import dev.inferq.contract.JobRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fault injection for the {@code crash-loop} fault scenario ({@code inferq.worker.crash-on-input}): halts the worker
 * process, as a crash in native model code would, when a job with the configured text is about to run. Off when the
 * text is empty, which is the default.
 */
final class CrashHook {

    private static final Logger log = LoggerFactory.getLogger(CrashHook.class);
    /** The exit status of a process killed by SIGKILL, which a native crash resembles to its supervisor. */
    private static final int EXIT_STATUS = 137;

    private final String trigger;

    CrashHook(String trigger) {
        this.trigger = trigger;
        if (!trigger.isEmpty()) {
            log.warn("Fault injection is on: a job with the input '{}' halts this worker (inferq.worker.crash-on-input)",
                    trigger);
        }
    }

    void check(JobRequest request) {
        if (!trigger.isEmpty() && request.input() instanceof JobInput.Texts texts && texts.texts().contains(trigger)) {
            log.error("Job {} carries the crash-on-input text: halting the worker", request.id());
            Runtime.getRuntime().halt(EXIT_STATUS);
        }
    }
}
