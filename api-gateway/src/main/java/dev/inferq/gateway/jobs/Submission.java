package dev.inferq.gateway.jobs;

import dev.inferq.common.job.JobInput;
import java.time.Duration;
import java.util.Objects;

/**
 * Everything one submit asks for, whatever route it came by (JSON, upload, raw body, URL, the legacy API): the model,
 * the checked input, the input bytes stored beside the job (images; null for texts), the time within which a worker
 * must start it (null: no deadline) and the client's {@code Idempotency-Key} (null: none).
 */
public record Submission(String model, JobInput input, byte[] inputBytes, Duration timeout, String idempotencyKey) {

    public Submission {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(input, "input");
    }

    /** A submission of texts, which travel inside the job's message. */
    public static Submission texts(String model, JobInput.Texts texts, Duration timeout, String idempotencyKey) {
        return new Submission(model, texts, null, timeout, idempotencyKey);
    }

    /** A submission of an image, whose bytes are stored beside the job. */
    public static Submission image(String model, CheckedImage image, Duration timeout, String idempotencyKey) {
        return new Submission(model, image.input(), image.bytes(), timeout, idempotencyKey);
    }
}
