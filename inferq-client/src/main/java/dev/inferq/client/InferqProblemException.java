package dev.inferq.client;

import java.time.Duration;
import java.util.Optional;

/**
 * The gateway refused the request with an RFC 9457 problem body. {@link #kind()} says which refusal it is, so callers
 * switch on it rather than on status numbers; {@link #retryAfter()} carries the {@code Retry-After} of a 429 or 503.
 * An error answer that is not a problem body (a proxy's HTML page, say) becomes one too, with the status's reason
 * as title and the start of the body as detail.
 */
public class InferqProblemException extends InferqException {

    /** The refusals the API documents, by HTTP status; anything else is {@link #OTHER}. */
    public enum Kind {
        /** 400: malformed JSON, a field of the wrong type, missing or empty inputs, a bad {@code timeout_s}. */
        BAD_REQUEST(400),
        /** 401: no API key, or one that is unknown or revoked ({@code InferqClient.Builder.apiKey}). */
        UNAUTHORIZED(401),
        /** 403: a key of the wrong kind: a tenant's key on an admin route, or the admin key on a tenant's. */
        FORBIDDEN(403),
        /** 404: an unknown model, or a job id that never existed, whose result expired or of another tenant. */
        NOT_FOUND(404),
        /** 409: cancelling a job that is no longer QUEUED. */
        CONFLICT(409),
        /** 413: too many inputs, a text or image too large. */
        CONTENT_TOO_LARGE(413),
        /** 415: a content type the model does not take. */
        UNSUPPORTED_MEDIA_TYPE(415),
        /** 422: a refused image URL, an Idempotency-Key reused for another request, a legacy field violation. */
        UNPROCESSABLE_CONTENT(422),
        /** 429: the model's backlog is full; retry after {@code Retry-After}. */
        TOO_MANY_REQUESTS(429),
        /** 503: Kafka or Redis could not take the job, nothing was stored; retry after {@code Retry-After}. */
        SERVICE_UNAVAILABLE(503),
        OTHER(0);

        private final int status;

        Kind(int status) {
            this.status = status;
        }

        public static Kind of(int status) {
            for (Kind kind : values()) {
                if (kind.status == status) {
                    return kind;
                }
            }
            return OTHER;
        }

        /** True for the refusals that say "not now": the same request may succeed later. */
        public boolean isRetryable() {
            return this == TOO_MANY_REQUESTS || this == SERVICE_UNAVAILABLE;
        }
    }

    private final int status;
    private final String title;
    private final String detail;
    private final String field;
    private final Duration retryAfter;

    public InferqProblemException(int status, String title, String detail, String field, Duration retryAfter) {
        super(status + " " + title + (detail.isEmpty() ? "" : ": " + detail), null);
        this.status = status;
        this.title = title;
        this.detail = detail;
        this.field = field;
        this.retryAfter = retryAfter;
    }

    public Kind kind() {
        return Kind.of(status);
    }

    public int status() {
        return status;
    }

    public String title() {
        return title;
    }

    /** What to fix, as the gateway words it; empty when the answer had none. */
    public String detail() {
        return detail;
    }

    /** The offending request field ({@code inputs[1]}, {@code timeout_s}), when the refusal is about one. */
    public Optional<String> field() {
        return Optional.ofNullable(field);
    }

    /** How long the gateway asks the client to wait before retrying, when it said. */
    public Optional<Duration> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }
}
