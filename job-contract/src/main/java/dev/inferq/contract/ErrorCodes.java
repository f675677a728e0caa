package dev.inferq.contract;

import java.util.List;

/**
 * The machine-readable kinds of a job's end other than success ({@link JobRecord#errorCode()}, JSON
 * {@code error_code}), defined once for the gateway, the workers and the clients. Each is a stable snake_case word;
 * the record's {@code error} says the same for people. docs/api.md lists them.
 */
public final class ErrorCodes {

    /** The job's input is not what its model takes (texts for an image model, say). */
    public static final String INVALID_INPUT = "invalid_input";
    /** The image's bytes cannot be decoded, or the image policy refuses them. */
    public static final String UNDECODABLE_INPUT = "undecodable_input";
    /** The job's stored input bytes were gone when a worker came to read them. */
    public static final String INPUT_MISSING = "input_missing";
    /** The model failed on the job's input, or returned no prediction for it. */
    public static final String MODEL_ERROR = "model_error";
    /** The job was started {@code max-deliveries} times and its worker stopped every time before it finished. */
    public static final String GIVEN_UP_AFTER_DELIVERIES = "given_up_after_deliveries";
    /** The worker failed on the job's batch for a reason of its own (a bug), not the job's input. */
    public static final String WORKER_ERROR = "worker_error";
    /** The gateway stored the job but could not hand it to Kafka within the outbox's time to give up. */
    public static final String PUBLISH_FAILED = "publish_failed";
    /** A worker received the job but its stored record was gone (a Redis that lost writes, say). */
    public static final String RECORD_LOST = "record_lost";
    /** The client cancelled the job (status CANCELLED). */
    public static final String CANCELLED = "cancelled";
    /** The job's deadline passed before a worker started it (status EXPIRED). */
    public static final String DEADLINE_PASSED = "deadline_passed";

    /** Every code, in the order docs/api.md lists them. */
    public static final List<String> ALL = List.of(INVALID_INPUT, UNDECODABLE_INPUT, INPUT_MISSING, MODEL_ERROR,
            GIVEN_UP_AFTER_DELIVERIES, WORKER_ERROR, PUBLISH_FAILED, RECORD_LOST, CANCELLED, DEADLINE_PASSED);

    private ErrorCodes() {
    }
}
