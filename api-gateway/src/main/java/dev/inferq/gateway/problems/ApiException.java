package dev.inferq.gateway.problems;

import java.time.Duration;
import org.springframework.http.HttpStatus;

/**
 * A request the gateway refuses, with the HTTP status and the readable detail of its RFC 9457 problem body.
 * {@code retryAfter}, when set, becomes a {@code Retry-After} header.
 */
public class ApiException extends RuntimeException {

    private final HttpStatus status;
    private final String title;
    private final Duration retryAfter;
    private final String field;

    public ApiException(HttpStatus status, String title, String detail, Duration retryAfter, Throwable cause) {
        this(status, title, detail, retryAfter, cause, null);
    }

    private ApiException(HttpStatus status, String title, String detail, Duration retryAfter, Throwable cause,
            String field) {
        super(detail, cause);
        this.status = status;
        this.title = title;
        this.retryAfter = retryAfter;
        this.field = field;
    }

    public ApiException(HttpStatus status, String title, String detail) {
        this(status, title, detail, null, null);
    }

    public static ApiException badRequest(String detail) {
        return new ApiException(HttpStatus.BAD_REQUEST, "Invalid request", detail);
    }

    /** A request field that breaks the contract; the problem body names it in {@code field}. */
    public static ApiException invalidField(String field, String detail) {
        return new ApiException(HttpStatus.UNPROCESSABLE_CONTENT, "Invalid field", "'" + field + "' " + detail, null,
                null, field);
    }

    public static ApiException tooLarge(String detail) {
        return new ApiException(HttpStatus.CONTENT_TOO_LARGE, "Payload too large", detail);
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
}
