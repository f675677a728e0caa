package dev.inferq.gateway.problems;

import java.net.URI;

/**
 * The kinds of problem the gateway answers, each with its RFC 9457 {@code type} URI
 * ({@code https://inferq.dev/problems/<slug>}, listed in docs/api.md) and its title. Clients branch on the type; the
 * status alone cannot tell, say, a tenant over its rate from a model whose backlog is full.
 */
public enum ProblemType {

    MALFORMED_REQUEST("malformed-request", "Malformed request"),
    INVALID_REQUEST("invalid-request", "Invalid request"),
    INVALID_FIELD("invalid-field", "Invalid field"),
    REJECTED_REQUEST("rejected-request", "Rejected request"),
    INVALID_HTTP("invalid-http", "Bad Request"),
    UNAUTHORIZED("unauthorized", "Unauthorized"),
    FORBIDDEN("forbidden", "Forbidden"),
    NOT_FOUND("not-found", "Not Found"),
    UNKNOWN_MODEL("unknown-model", "Unknown model"),
    JOB_NOT_FOUND("job-not-found", "Job not found"),
    METHOD_NOT_ALLOWED("method-not-allowed", "Method Not Allowed"),
    NOT_ACCEPTABLE("not-acceptable", "Not Acceptable"),
    REQUEST_TIMEOUT("request-timeout", "Request Timeout"),
    CONFLICT("conflict", "Conflict"),
    IDEMPOTENCY_KEY_REUSED("idempotency-key-reused", "Idempotency-Key reused"),
    BODY_TOO_LARGE("body-too-large", "Payload too large"),
    URI_TOO_LONG("uri-too-long", "URI Too Long"),
    UNSUPPORTED_MEDIA_TYPE("unsupported-media-type", "Unsupported media type"),
    UNUSABLE_IMAGE_URL("unusable-image-url", "Unusable image URL"),
    HEADERS_TOO_LARGE("headers-too-large", "Request Header Fields Too Large"),
    RATE_LIMITED("rate-limited", "Rate limit exceeded"),
    TOO_MANY_QUEUED("too-many-queued", "Too many queued jobs"),
    MODEL_BUSY("model-busy", "Model busy"),
    TOO_MANY_STREAMS("too-many-streams", "Too many event streams"),
    TOO_MANY_DOWNLOADS("too-many-downloads", "Too many image downloads"),
    TOO_MANY_CONNECTIONS("too-many-connections", "Too many connections"),
    INPUT_STORAGE_FULL("input-storage-full", "Too much stored input"),
    JOB_FAILED("job-failed", "Job did not succeed"),
    UNAVAILABLE("unavailable", "Service unavailable"),
    INTERNAL_ERROR("internal-error", "Internal error");

    /** Where the types live; each one's documentation is the section of docs/api.md of the same name. */
    public static final String BASE = "https://inferq.dev/problems/";

    private final String slug;
    private final String title;

    ProblemType(String slug, String title) {
        this.slug = slug;
        this.title = title;
    }

    public URI uri() {
        return URI.create(BASE + slug);
    }

    public String slug() {
        return slug;
    }

    public String title() {
        return title;
    }

    /** The type whose title is {@code title}, else the one of {@code status}. */
    public static ProblemType of(int status, String title) {
        for (ProblemType type : values()) {
            if (type.title.equals(title)) {
                return type;
            }
        }
        return forStatus(status);
    }

    /** The type of a refusal known only by its status: Spring's own and Reactor Netty's. */
    public static ProblemType forStatus(int status) {
        return switch (status) {
            case 400 -> MALFORMED_REQUEST;
            case 401 -> UNAUTHORIZED;
            case 403 -> FORBIDDEN;
            case 404 -> NOT_FOUND;
            case 405 -> METHOD_NOT_ALLOWED;
            case 406 -> NOT_ACCEPTABLE;
            case 408 -> REQUEST_TIMEOUT;
            case 409 -> CONFLICT;
            case 413 -> BODY_TOO_LARGE;
            case 414 -> URI_TOO_LONG;
            case 415 -> UNSUPPORTED_MEDIA_TYPE;
            case 422 -> INVALID_FIELD;
            case 429 -> RATE_LIMITED;
            case 431 -> HEADERS_TOO_LARGE;
            case 503 -> UNAVAILABLE;
            default -> status >= 500 ? INTERNAL_ERROR : INVALID_REQUEST;
        };
    }
}
