package dev.inferq.gateway.problems;

import dev.inferq.gateway.GatewayProperties;
import dev.inferq.gateway.redis.RedisFull;
import java.util.Collection;
import io.netty.handler.timeout.ReadTimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.codec.DecodingException;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.dao.DataAccessException;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.TransientDataAccessException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.InvalidMediaTypeException;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.reactive.result.method.annotation.ResponseEntityExceptionHandler;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.ServerWebInputException;
import reactor.core.publisher.Mono;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonToken;
import tools.jackson.core.exc.StreamConstraintsException;
import tools.jackson.databind.exc.MismatchedInputException;

/**
 * Turns every refusal into an {@code application/problem+json} body (RFC 9457) whose {@code detail} says what to fix.
 * Spring's own web errors (415, 405, 406 ...) come through {@link ResponseEntityExceptionHandler}; bad input found by
 * the decoders becomes 400 or 413 here rather than a 500.
 */
@RestControllerAdvice
public class ProblemHandler extends ResponseEntityExceptionHandler {

    private static final Logger log = LoggerFactory.getLogger(ProblemHandler.class);
    private static final String BODY_SETTINGS = "inferq.gateway.max-inputs, inferq.gateway.max-text-chars,"
            + " inferq.image.max-bytes";
    private static final String IMAGE_BYTES = "inferq.image.max-bytes";
    private static final String JSON_SETTINGS = "inferq.gateway.max-text-chars, inferq.gateway.limits.json.*";
    private static final String BODY_READ_TIMEOUT = "inferq.gateway.limits.connections.body-read-timeout";
    private static final String MULTIPART_PARTS = "inferq.gateway.limits.multipart.max-parts";
    private static final String MULTIPART_HEADERS = "inferq.gateway.limits.multipart.max-header-bytes";

    private final GatewayProperties properties;

    public ProblemHandler(GatewayProperties properties) {
        this.properties = properties;
    }

    @ExceptionHandler(ApiException.class)
    public ResponseEntity<ProblemDetail> handleApi(ApiException e) {
        if (e.status().is5xxServerError()) {
            log.warn("{}: {}", e.title(), e.getMessage(), e.getCause());
        }
        ProblemDetail problem = problem(e.type(), e.status(), e.title(), e.getMessage());
        if (e.field() != null) {
            problem.setProperty("field", e.field());
        }
        if (e.setting() != null) {
            problem.setProperty("setting", e.setting());
        }
        // Always a problem, also where the client asked for events or an image: content negotiation would otherwise
        // write the problem as whatever the route produces.
        ResponseEntity.BodyBuilder response = ResponseEntity.status(e.status())
                .contentType(MediaType.APPLICATION_PROBLEM_JSON);
        if (e.retryAfter() != null) {
            response.header(HttpHeaders.RETRY_AFTER, ProblemResponses.retryAfterSeconds(e.retryAfter()));
        }
        return response.body(problem);
    }

    /**
     * Redis refusing a write at its memory cap ({@code noeviction}), on any route: a 503 naming the cause
     * ({@link RedisFull}). Redis not answering in time or not reachable (a restart, a burst the client could not keep
     * up with) is a 503 with {@code Retry-After} too: nothing the client sent is wrong, and the same request may
     * succeed in a moment. Any other store failure is a fault of ours and left to the default handling (500).
     */
    @ExceptionHandler(DataAccessException.class)
    public ResponseEntity<ProblemDetail> handleStoreFailure(DataAccessException e) {
        if (RedisFull.is(e)) {
            return handleApi(RedisFull.problem(e));
        }
        if (e instanceof TransientDataAccessException || e instanceof DataAccessResourceFailureException) {
            return handleApi(ApiException.unavailable("the job store (Redis) did not answer in time; retry later",
                    properties.retryAfter(), e));
        }
        throw e;
    }

    /**
     * A request body that paused longer than {@code connections.body-read-timeout} (Reactor Netty's read timeout,
     * which fails the body's reader): the client's doing, a 408, not a 500.
     */
    @ExceptionHandler(ReadTimeoutException.class)
    public ResponseEntity<ProblemDetail> handleBodyTimeout(ReadTimeoutException e) {
        return handleApi(ApiException.limit(HttpStatus.REQUEST_TIMEOUT, ProblemType.REQUEST_TIMEOUT,
                "the request body paused for longer than this gateway waits between reads", BODY_READ_TIMEOUT, null));
    }

    @ExceptionHandler(DataBufferLimitException.class)
    public ResponseEntity<ProblemDetail> handleTooLarge(DataBufferLimitException e) {
        if (e instanceof BodyTooLargeException body) {
            return handleApi(ApiException.tooLarge(body.getMessage(), body.setting()));
        }
        String message = String.valueOf(e.getMessage());
        // The multipart reader's own limits (Spring's messages name them in bytes).
        String setting = message.startsWith("Part headers") ? MULTIPART_HEADERS
                : message.startsWith("Part exceeded") ? IMAGE_BYTES : BODY_SETTINGS;
        return handleApi(ApiException.tooLarge("request body is larger than this gateway accepts: " + message,
                setting));
    }

    /**
     * A body decoded inside the route, as multipart parts are, fails with the decoder's own exception rather than a
     * {@link ServerWebInputException}: a broken multipart body is the client's doing, so 400 (413 over the limit).
     */
    @ExceptionHandler(DecodingException.class)
    public ResponseEntity<ProblemDetail> handleDecoding(DecodingException e) {
        if (rootCause(e) instanceof DataBufferLimitException tooLarge) {
            return handleTooLarge(tooLarge);
        }
        if (rootCause(e) instanceof ReadTimeoutException timeout) {
            return handleBodyTimeout(timeout);
        }
        if (String.valueOf(e.getMessage()).startsWith("Too many parts")) {
            return handleApi(ApiException.tooLarge("the multipart body has " + firstLine(e.getMessage()).substring(
                    "Too many parts".length()).strip() + " parts; an upload has one, 'file'", MULTIPART_PARTS));
        }
        return handleApi(ApiException.badRequest("request body could not be read: "
                + ClassNames.strip(firstLine(e.getMessage()))));
    }

    /** A malformed Content-Type inside the body (a multipart part's); a malformed request Content-Type is a 415. */
    @ExceptionHandler(InvalidMediaTypeException.class)
    public ResponseEntity<ProblemDetail> handleInvalidMediaType(InvalidMediaTypeException e) {
        return handleApi(ApiException.badRequest("a Content-Type in the request body is malformed: "
                + firstLine(e.getMessage())));
    }

    /**
     * Spring's media type parser fails on some malformed values with an index error instead of
     * {@link InvalidMediaTypeException} (one that starts with a quote and holds a slash, e.g. {@code "/a}). The
     * request's own headers are checked before routing ({@link MediaTypeHeaders}); a part's Content-Type is read while
     * a multipart body is decoded, so such an error there is the client's malformed part, a 400. Elsewhere an index
     * error is a fault of ours and stays a 500.
     */
    @ExceptionHandler(StringIndexOutOfBoundsException.class)
    public ResponseEntity<ProblemDetail> handleUnparsablePartHeader(StringIndexOutOfBoundsException e,
            ServerWebExchange exchange) {
        MediaType type = exchange.getRequest().getHeaders().getContentType();
        if (type == null || !MediaType.MULTIPART_FORM_DATA.isCompatibleWith(type)) {
            return handleApi(new ApiException(HttpStatus.INTERNAL_SERVER_ERROR, "Internal error",
                    "the request could not be handled", null, e));
        }
        return handleApi(ApiException.badRequest("a part of the multipart body has a malformed header"));
    }

    @Override
    protected Mono<ResponseEntity<Object>> handleServerWebInputException(
            ServerWebInputException e, HttpHeaders headers, HttpStatusCode status, ServerWebExchange exchange) {
        if (rootCause(e) instanceof DataBufferLimitException tooLarge) {
            return Mono.just(ResponseEntity.status(HttpStatus.CONTENT_TOO_LARGE)
                    .body(handleTooLarge(tooLarge).getBody()));
        }
        if (rootCause(e) instanceof ReadTimeoutException timeout) {
            return Mono.just(ResponseEntity.status(HttpStatus.REQUEST_TIMEOUT)
                    .body(handleBodyTimeout(timeout).getBody()));
        }
        if (jacksonProblem(e) instanceof StreamConstraintsException constraint) {
            return Mono.just(ResponseEntity.status(HttpStatus.CONTENT_TOO_LARGE).body(handleApi(ApiException.tooLarge(
                    "the JSON body is beyond this gateway's limits: " + constraint.getOriginalMessage(),
                    JSON_SETTINGS)).getBody()));
        }
        ProblemDetail problem = problem(ProblemType.MALFORMED_REQUEST, HttpStatus.BAD_REQUEST, "Malformed request",
                ClassNames.strip(describe(e)));
        JacksonException jackson = jacksonProblem(e);
        if (jackson != null && !jackson.getPath().isEmpty()) {
            problem.setProperty("field", fieldPath(jackson));
        }
        return Mono.just(ResponseEntity.badRequest().body(problem));
    }

    /** Spring's own refusals (405, 406, 415 ...) get the type of their status, and a detail that names no class. */
    @Override
    protected Mono<ResponseEntity<Object>> createResponseEntity(Object body, HttpHeaders headers, HttpStatusCode status,
            ServerWebExchange exchange) {
        if (body instanceof ProblemDetail problem) {
            if (problem.getType() == null || "about:blank".equals(problem.getType().toString())) {
                problem.setType(ProblemType.forStatus(status.value()).uri());
            }
            problem.setDetail(ClassNames.strip(problem.getDetail()));
        }
        return super.createResponseEntity(body, headers, status, exchange);
    }

    private static ProblemDetail problem(ProblemType type, HttpStatusCode status, String title, String detail) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
        problem.setType(type.uri());
        problem.setTitle(title);
        return problem;
    }

    private static String describe(ServerWebInputException e) {
        String decodingProblem = e.getCause() instanceof DecodingException decoding
                ? parserMessage(decoding.getMostSpecificCause()) : null;
        if (startsWith(e.getReason(), "No request body") || startsWith(decodingProblem, "No request body")) {
            return "the request body is empty";
        }
        if (jacksonProblem(e) instanceof MismatchedInputException mismatch && !mismatch.getPath().isEmpty()
                && expected(mismatch.getTargetType()) != null) {
            return "request body is not valid JSON for this endpoint: '" + fieldPath(mismatch) + "' must be "
                    + expected(mismatch.getTargetType()) + found(mismatch.getCurrentToken());
        }
        if (jacksonProblem(e) instanceof MismatchedInputException mismatch && mismatch.getPath().isEmpty()) {
            return "request body is not valid JSON for this endpoint: it must be a JSON object"
                    + found(mismatch.getCurrentToken());
        }
        if (decodingProblem != null) {
            return "request body is not valid JSON for this endpoint: " + firstLine(decodingProblem);
        }
        // Spring's own reasons can name controller methods; clients get a statement about their request instead.
        return e.getReason() != null && !e.getReason().contains("public ")
                ? e.getReason() : "request body or parameters could not be read";
    }

    private static JacksonException jacksonProblem(ServerWebInputException e) {
        return e.getCause() instanceof DecodingException decoding
                && decoding.getMostSpecificCause() instanceof JacksonException jackson ? jackson : null;
    }

    /** The JSON path of the offending value as the client wrote it, e.g. {@code inputs[0]} or {@code timeout_s}. */
    private static String fieldPath(JacksonException e) {
        StringBuilder path = new StringBuilder();
        for (JacksonException.Reference step : e.getPath()) {
            if (step.getPropertyName() != null) {
                path.append(path.isEmpty() ? "" : ".").append(step.getPropertyName());
            } else if (step.getIndex() >= 0) {
                path.append('[').append(step.getIndex()).append(']');
            }
        }
        return path.toString();
    }

    /** The JSON type a Java field takes, or null where no short name says it better than Jackson's message. */
    private static String expected(Class<?> target) {
        if (target == null) {
            return null;
        }
        if (target == String.class) {
            return "a string";
        }
        if (target == Integer.class || target == Long.class || target == int.class || target == long.class) {
            return "a whole number";
        }
        if (target == Boolean.class || target == boolean.class) {
            return "true or false";
        }
        if (Number.class.isAssignableFrom(target) || target == double.class) {
            return "a number";
        }
        if (Collection.class.isAssignableFrom(target) || target.isArray()) {
            return "an array";
        }
        return null;
    }

    private static String found(JsonToken token) {
        if (token == null) {
            return "";
        }
        return switch (token) {
            case VALUE_STRING -> ", not a string";
            case VALUE_NUMBER_INT -> ", not a number";
            case VALUE_NUMBER_FLOAT -> ", not a fractional number";
            case VALUE_TRUE, VALUE_FALSE -> ", not a boolean";
            case START_OBJECT -> ", not an object";
            case START_ARRAY -> ", not an array";
            default -> "";
        };
    }

    /** Jackson's own message without the source excerpt and location it appends. */
    private static String parserMessage(Throwable cause) {
        return cause instanceof JacksonException jackson ? jackson.getOriginalMessage() : cause.getMessage();
    }

    private static boolean startsWith(String text, String prefix) {
        return text != null && text.startsWith(prefix);
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "unreadable body";
        }
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }

    private static Throwable rootCause(Throwable e) {
        Throwable cause = e;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        return cause;
    }
}
