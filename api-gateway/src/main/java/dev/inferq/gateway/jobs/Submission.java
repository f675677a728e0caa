package dev.inferq.gateway.jobs;

import dev.inferq.contract.JobInput;
import dev.inferq.contract.Tenants;
import java.time.Duration;
import java.util.Objects;

/**
 * Everything one submit asks for, whatever route it came by (JSON, upload, raw body, URL, the legacy API): the model,
 * the checked input, the input bytes stored beside the job (images; null for texts), the time within which a worker
 * must start it (null: no deadline), the client's {@code Idempotency-Key} (null: none), the checked URL its
 * terminal record is POSTed to (null: none), the tenant it is submitted for ({@link Tenants#DEFAULT} unless the
 * caller is authenticated as another), whether the client asked not to be answered from the response cache, and the
 * version of the model it named ({@code sentiment@2}; null: none, the job goes to the default version or the canary).
 */
public record Submission(String model, JobInput input, byte[] inputBytes, Duration timeout, String idempotencyKey,
        String callbackUrl, String tenant, boolean bypassCache, Integer modelVersion) {

    public Submission {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(input, "input");
        tenant = Tenants.orDefault(tenant);
    }

    /** A submission of texts, which travel inside the job's message. */
    public static Submission texts(String model, JobInput.Texts texts, SubmitOptions options) {
        return new Submission(model, texts, null, options);
    }

    /** A submission of an image, whose bytes are stored beside the job. */
    public static Submission image(String model, CheckedImage image, SubmitOptions options) {
        return new Submission(model, image.input(), image.bytes(), options);
    }

    private Submission(String model, JobInput input, byte[] inputBytes, SubmitOptions options) {
        this(model, input, inputBytes, options.timeout(), options.idempotencyKey(), options.callbackUrl(),
                options.tenant(), options.bypassCache(), null);
    }

    /** The same submission, for version {@code version} of its model (null: none named). */
    public Submission atVersion(Integer version) {
        return new Submission(model, input, inputBytes, timeout, idempotencyKey, callbackUrl, tenant, bypassCache,
                version);
    }
}
