package dev.inferq.gateway.outbox;

import dev.inferq.contract.JobInput;
import dev.inferq.contract.JobRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Fault injection for the {@code gateway-crash-mid-accept} fault scenario
 * ({@code inferq.gateway.outbox.crash-before-publish-on-input}): halts the gateway, as a SIGKILL or an OOM kill would,
 * after a job's record is stored and before its message is published, when the job's first text is the configured
 * one. Off when the text is empty, which is the default.
 */
@Component
public class CrashBeforePublish {

    private static final Logger log = LoggerFactory.getLogger(CrashBeforePublish.class);
    /** The exit status of a process killed by SIGKILL. */
    private static final int EXIT_STATUS = 137;

    private final String trigger;

    CrashBeforePublish(OutboxProperties properties) {
        this.trigger = properties.crashBeforePublishOnInput();
        if (!trigger.isEmpty()) {
            log.warn("Fault injection is on: a job with the first input '{}' halts this gateway before its publish"
                    + " (inferq.gateway.outbox.crash-before-publish-on-input)", trigger);
        }
    }

    /** Halts the process if {@code request} carries the trigger. */
    public void check(JobRequest request) {
        if (!trigger.isEmpty() && request.input() instanceof JobInput.Texts texts
                && texts.texts().get(0).equals(trigger)) {
            log.error("Job {} carries the crash-before-publish text: halting the gateway", request.id());
            Runtime.getRuntime().halt(EXIT_STATUS);
        }
    }
}
