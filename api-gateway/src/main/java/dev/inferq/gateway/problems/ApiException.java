package dev.inferq.gateway.problems;

import java.time.Duration;
import org.springframework.http.HttpStatus;

/**
 * A request the gateway refuses, with the HTTP status, the {@link ProblemType} and the readable detail of its RFC 9457
 * problem body. {@code retryAfter}, when set, becomes a {@code Retry-After} header; {@code setting}, when set, names
 * the configuration setting of the limit that refused the request (the body's {@code setting}).
 */
public class ApiException extends RuntimeException {

    private final HttpStatus status;
    private final ProblemType type;
    private final String title;
    private final Duration retryAfter;
    private final String field;
    private final String setting;

    /** A problem whose type is the one titled {@code title}, or else the one of its status. */
    public ApiException(HttpStatus status, String title, String detail, Duration retryAfter, Throwable cause) {
        this(status, ProblemType.of(status.value(), title), title, detail, retryAfter, cause, null, null);
    }

    private ApiException(HttpStatus status, ProblemType type, String title, String detail, Duration retryAfter,
            Throwable cause, String field, String setting) {
        super(detail, cause);
        this.status = status;
        this.type = type;
        this.title = title;
        this.retryAfter = retryAfter;
        this.field = field;
        this.setting = setting;
    }

    public ApiException(HttpStatus status, String title, String detail) {
        this(status, title, detail, null, null);
    }

    /**
     * A refusal for a limit: {@code setting} names it. Over a limit that frees up by itself (a count of things in
     * flight), {@code retryAfter} says when to try again; over a size, it is null.
     */
    public static ApiException limit(HttpStatus status, ProblemType type, String detail, String setting,
            Duration retryAfter) {
        return new ApiException(status, type, type.title(), detail, retryAfter, null, null, setting);
    }

    public static ApiException badRequest(String detail) {
        return new ApiException(HttpStatus.BAD_REQUEST, "Invalid request", detail);
    }

    /** A request field that breaks the contract; the problem body names it in {@code field}. */
    public static ApiException invalidField(String field, String detail) {
        return new ApiException(HttpStatus.UNPROCESSABLE_CONTENT, ProblemType.INVALID_FIELD, "Invalid field",
                "'" + field + "' " + detail, null, null, field, null);
    }

    public static ApiException tooLarge(String detail) {
        return new ApiException(HttpStatus.CONTENT_TOO_LARGE, "Payload too large", detail);
    }

    /** Over a size limit that {@code setting} sets. */
    public static ApiException tooLarge(String detail, String setting) {
        return limit(HttpStatus.CONTENT_TOO_LARGE, ProblemType.BODY_TOO_LARGE, detail, setting, null);
    }

    public static ApiException unsupportedMediaType(String detail) {
        return new ApiException(HttpStatus.UNSUPPORTED_MEDIA_TYPE, "Unsupported media type", detail);
    }

    public static ApiException unknownModel(String model, Iterable<String> known) {
        return new ApiException(HttpStatus.NOT_FOUND, "Unknown model",
                "model '" + model + "' does not exist; available models: " + String.join(", ", known));
    }

    public static ApiException jobNotFound(String id) {
        return new ApiException(HttpStatus.NOT_FOUND, "Job not found",
                "job '" + id + "' does not exist or its result has expired");
    }

    /** The request conflicts with the resource's current state (e.g. cancelling a job that already started). */
    public static ApiException conflict(String detail) {
        return new ApiException(HttpStatus.CONFLICT, "Conflict", detail);
    }

    public static ApiException unavailable(String detail, Duration retryAfter, Throwable cause) {
        return new ApiException(HttpStatus.SERVICE_UNAVAILABLE, "Service unavailable", detail, retryAfter, cause);
    }

    public HttpStatus status() {
        return status;
    }

    public ProblemType type() {
        return type;
    }

    public String title() {
        return title;
    }

    public Duration retryAfter() {
        return retryAfter;
    }

    /** The offending request field, or null when the refusal is not about one field. */
    public String field() {
        return field;
    }

    /** The setting of the limit that refused the request, or null when no limit did. */
    public String setting() {
        return setting;
    }
}
