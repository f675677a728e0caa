package dev.inferq.client;

import dev.inferq.contract.JobCodec;
import dev.inferq.contract.JobId;
import dev.inferq.contract.JobRecord;
import dev.inferq.contract.JobStatus;
import java.net.URI;
import java.net.http.HttpHeaders;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/** Reads the gateway's answers: submits (202 or, after {@code Prefer: wait}, 200), pages, models, problem bodies. */
final class Answers {

    private static final int DETAIL_EXCERPT = 300;

    private Answers() {
    }

    /** A complete HTTP answer: unary calls read the whole (small) body before deciding. */
    record Answer(int status, HttpHeaders headers, String body) {
        boolean isSuccess() {
            return status / 100 == 2;
        }

        String header(String name) {
            return headers.firstValue(name).orElse(null);
        }
    }

    /** A 202 carries the job's id and first state; a 200 (the job ended within {@code Prefer: wait}) the whole job. */
    static SubmittedJob submitted(Answer answer) {
        if (answer.status() == 200) {
            JobRecord done = JobCodec.decodeRecord(answer.body());
            return new SubmittedJob(done.id(), done.model(), done.status(), done.createdAt(),
                    URI.create("/v1/jobs/" + done.id().value()), Optional.of(done));
        }
        JsonNode json = JobCodec.mapper().readTree(answer.body());
        JobId id = new JobId(json.path("id").asString());
        String location = answer.header("Location");
        return new SubmittedJob(id, json.path("model").asString(), JobStatus.valueOf(json.path("status").asString()),
                Instant.parse(json.path("created_at").asString()),
                URI.create(location != null ? location : "/v1/jobs/" + id.value()), Optional.empty());
    }

    static JobPage page(Answer answer) {
        JsonNode json = JobCodec.mapper().readTree(answer.body());
        List<JobRecord> jobs = new ArrayList<>();
        for (JsonNode job : json.path("jobs")) {
            jobs.add(JobCodec.decodeRecord(job.toString()));
        }
        JsonNode cursor = json.path("next_cursor");
        return new JobPage(jobs, cursor.isString() ? cursor.asString() : null);
    }

    static List<ModelInfo> models(Answer answer) {
        List<ModelInfo> models = new ArrayList<>();
        for (JsonNode model : JobCodec.mapper().readTree(answer.body()).path("models")) {
            models.add(ModelInfo.of(model));
        }
        return List.copyOf(models);
    }

    static ModelInfo model(Answer answer) {
        return ModelInfo.of(JobCodec.mapper().readTree(answer.body()));
    }

    static InferqProblemException problem(Answer answer, Clock clock) {
        JsonNode json = problemJson(answer.body());
        String title = text(json, "title");
        String detail = text(json, "detail");
        if (json == null && !answer.body().isBlank()) {
            detail = answer.body().strip();
            detail = detail.length() > DETAIL_EXCERPT ? detail.substring(0, DETAIL_EXCERPT) + "..." : detail;
        }
        return new InferqProblemException(answer.status(),
                title != null ? title : reason(answer.status()), detail != null ? detail : "", text(json, "field"),
                retryAfter(answer.header("Retry-After"), clock));
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

    /** The title of an error answer without a problem body: RFC 9110's reason phrase of the statuses seen in front of APIs. */
    static String reason(int status) {
        return switch (status) {
            case 400 -> "Bad Request";
            case 401 -> "Unauthorized";
            case 403 -> "Forbidden";
            case 404 -> "Not Found";
            case 405 -> "Method Not Allowed";
            case 406 -> "Not Acceptable";
            case 408 -> "Request Timeout";
            case 409 -> "Conflict";
            case 413 -> "Content Too Large";
            case 415 -> "Unsupported Media Type";
            case 422 -> "Unprocessable Content";
            case 429 -> "Too Many Requests";
            case 500 -> "Internal Server Error";
            case 502 -> "Bad Gateway";
            case 503 -> "Service Unavailable";
            case 504 -> "Gateway Timeout";
            default -> "HTTP " + status;
        };
    }

    /** The {@code type} of a problem body; null when the body is no problem, or names none. */
    static String problemType(String body) {
        return text(problemJson(body), "type");
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
