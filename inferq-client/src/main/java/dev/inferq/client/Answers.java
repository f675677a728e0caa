package dev.inferq.client;

import dev.inferq.contract.JobCodec;
import dev.inferq.contract.JobId;
import dev.inferq.contract.JobStatus;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/** Reads the gateway's answers that are not job records: the 202 of a submit, problem bodies, {@code Retry-After}. */
final class Answers {

    private static final int DETAIL_EXCERPT = 300;

    private Answers() {
    }

    /** A complete HTTP answer: unary calls read the whole (small) body before deciding. */
    record Answer(int status, HttpHeaders headers, String body) {
        boolean isSuccess() {
            return status / 100 == 2;
        }
    }

    static SubmittedJob submitted(Answer answer) {
        JsonNode json = JobCodec.mapper().readTree(answer.body());
        JobId id = new JobId(json.path("id").asString());
        String location = answer.headers().getFirst(HttpHeaders.LOCATION);
        return new SubmittedJob(id, json.path("model").asString(), JobStatus.valueOf(json.path("status").asString()),
                Instant.parse(json.path("created_at").asString()),
                URI.create(location != null ? location : "/v1/jobs/" + id.value()));
    }

    static InferqProblemException problem(Answer answer, Clock clock) {
        JsonNode json = problemJson(answer.body());
        HttpStatus known = HttpStatus.resolve(answer.status());
        String title = text(json, "title");
        String detail = text(json, "detail");
        if (json == null && !answer.body().isBlank()) {
            detail = answer.body().strip();
            detail = detail.length() > DETAIL_EXCERPT ? detail.substring(0, DETAIL_EXCERPT) + "..." : detail;
        }
        return new InferqProblemException(answer.status(),
                title != null ? title : known != null ? known.getReasonPhrase() : "HTTP " + answer.status(),
                detail != null ? detail : "", text(json, "field"),
                retryAfter(answer.headers().getFirst(HttpHeaders.RETRY_AFTER), clock));
    }

    /**
     * {@code Retry-After} in either of RFC 9110's forms, delay-seconds or an HTTP-date; null when absent or
     * unreadable, a date in the past is no wait.
     */
    static Duration retryAfter(String header, Clock clock) {
        if (header == null || header.isBlank()) {
            return null;
        }
        String value = header.strip();
        try {
            return Duration.ofSeconds(Math.max(0, Long.parseLong(value)));
        } catch (NumberFormatException notSeconds) {
            try {
                Duration until = Duration.between(clock.instant(),
                        ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant());
                return until.isNegative() ? Duration.ZERO : until;
            } catch (DateTimeParseException notDate) {
                return null;
            }
        }
    }

    private static JsonNode problemJson(String body) {
        if (body.isBlank()) {
            return null;
        }
        try {
            JsonNode json = JobCodec.mapper().readTree(body);
            return json.isObject() ? json : null;
        } catch (JacksonException notJson) {
            return null;
        }
    }

    private static String text(JsonNode json, String name) {
        if (json == null) {
            return null;
        }
        JsonNode value = json.get(name);
        return value == null || value.isNull() ? null : value.asString();
    }
}
