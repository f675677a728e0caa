package dev.inferq.gateway.jobs;

import dev.inferq.contract.JobRecord;
import dev.inferq.contract.JobStatus;
import dev.inferq.gateway.docs.ApiDocumentation;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.enums.Explode;
import io.swagger.v3.oas.annotations.enums.ParameterIn;
import io.swagger.v3.oas.annotations.headers.Header;
import io.swagger.v3.oas.annotations.media.ArraySchema;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.ExampleObject;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.media.SchemaProperty;
import io.swagger.v3.oas.annotations.parameters.RequestBody;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The OpenAPI descriptions that several job routes share: the three submit routes (JSON, upload, raw image) are one
 * operation in the document and must describe it alike, and the job id and cancel answers recur. springdoc reads
 * these meta-annotations like the annotations they carry.
 */
public final class JobsApi {

    public static final String ACCEPTED_EXAMPLE = """
            {"id": "3q2RRw3aUYxQv9mRr7Yy0g", "model": "sentiment", "status": "QUEUED", \
            "created_at": "2026-11-29T10:15:30.123Z"}""";

    public static final String SUCCEEDED_EXAMPLE = """
            {"version": 1, "id": "3q2RRw3aUYxQv9mRr7Yy0g", "model": "sentiment", "status": "SUCCEEDED", \
            "input_count": 2, "created_at": "2026-11-29T10:15:30.123Z", "started_at": "2026-11-29T10:15:30.140Z", \
            "finished_at": "2026-11-29T10:15:30.171Z", "worker": "worker-1", "predictions": [\
            {"label": "positive", "score": 0.61, "scores": [{"label": "positive", "score": 0.61}, \
            {"label": "negative", "score": 0.39}]}, \
            {"label": "negative", "score": 0.77, "scores": [{"label": "negative", "score": 0.77}, \
            {"label": "positive", "score": 0.23}]}]}""";

    public static final String CANCELLED_EXAMPLE = """
            {"version": 1, "id": "3q2RRw3aUYxQv9mRr7Yy0g", "model": "sentiment", "status": "CANCELLED", \
            "input_count": 2, "created_at": "2026-11-29T10:15:30.123Z", "finished_at": "2026-11-29T10:15:31.002Z", \
            "error": "cancelled by the client"}""";

    /** The events of a job followed to its end, as the submit route streams them. */
    static final String EVENTS_EXAMPLE = """
            retry:2000

            id:QUEUED:0
            event:status
            retry:2000
            data:{"version":1,"id":"3q2RRw3aUYxQv9mRr7Yy0g","model":"sentiment","status":"QUEUED",\
            "input_count":1,"created_at":"2026-11-29T10:15:30.123Z","queue_position":0}

            id:RUNNING
            event:status
            retry:2000
            data:{"version":1,"id":"3q2RRw3aUYxQv9mRr7Yy0g","model":"sentiment","status":"RUNNING",\
            "input_count":1,"created_at":"2026-11-29T10:15:30.123Z","started_at":"2026-11-29T10:15:30.140Z"}

            id:SUCCEEDED
            event:status
            retry:2000
            data:{"version":1,"id":"3q2RRw3aUYxQv9mRr7Yy0g","model":"sentiment","status":"SUCCEEDED",...}
            """;

    private static final String PREFERENCE_APPLIED = "With `Prefer: wait=N`: how long the gateway waited";

    private JobsApi() {
    }

    /** The submit operation ({@code POST /v1/models/{model}/jobs}) and its answers. */
    @Target(ElementType.METHOD)
    @Retention(RetentionPolicy.RUNTIME)
    @Operation(operationId = "submitJob", summary = "Submit a job", description = """
            Texts for a text model as JSON `{"inputs": [...]}`; an image for the image model as an upload \
            (`multipart/form-data`, field `file`), as the raw body (`Content-Type: image/*`) or as JSON \
            `{"url": "https://..."}`, which the gateway downloads (loopback, private and link-local addresses are \
            refused unless allow-listed). The answer comes at once: the job is QUEUED, find it at `Location`; with \
            `Prefer: wait=N` the gateway first waits up to N seconds for the job to finish. With \
            `Accept: text/event-stream` the answer is instead `200` with the job's event stream, exactly what \
            `GET /v1/jobs/{id}/events` sends, ending after the terminal event: one exchange per job (`Location` \
            still names the job; `Prefer` is not applied). Such a submit is refused before the job is accepted when \
            it would exceed the event stream limits (`too-many-streams`), and an `Idempotency-Key` repeat streams \
            the job the first request created.""",
            requestBody = @RequestBody(required = true, content = {
                @Content(mediaType = "application/json", schema = @Schema(implementation = JobBody.class),
                        examples = {
                            @ExampleObject(name = "texts", value = """
                                    {"inputs": ["I loved it", "worst film ever"]}"""),
                            @ExampleObject(name = "image URL", value = """
                                    {"url": "https://example.org/photo.jpg"}"""),
                            @ExampleObject(name = "texts with a deadline", value = """
                                    {"inputs": ["quick, please"], "timeout_s": 30}""")}),
                @Content(mediaType = "multipart/form-data", schema = @Schema(type = "object",
                        requiredProperties = "file"), schemaProperties = @SchemaProperty(name = "file",
                        schema = @Schema(type = "string", format = "binary",
                                description = "The image: JPEG, PNG, GIF or BMP"))),
                @Content(mediaType = "image/*", schema = @Schema(type = "string", format = "binary",
                        description = "The image's bytes: JPEG, PNG, GIF or BMP"))}))
    @ApiResponse(responseCode = "200", description = "`Accept: text/event-stream` was sent: the job's events, as"
            + " `GET /v1/jobs/{id}/events` sends them; or `Prefer: wait=N` was sent and the job ended within the wait",
            headers = {
                @Header(name = "Location", description = ApiDocumentation.LOCATION,
                        schema = @Schema(type = "string", format = "uri-reference")),
                @Header(name = "Preference-Applied", description = PREFERENCE_APPLIED,
                        schema = @Schema(type = "string", example = "wait=10"))},
            content = {
                @Content(mediaType = "application/json", schema = @Schema(implementation = JobView.class),
                        examples = @ExampleObject(name = "succeeded", value = SUCCEEDED_EXAMPLE)),
                @Content(mediaType = "text/event-stream", schema = @Schema(type = "string"),
                        examples = @ExampleObject(name = "queued, running, succeeded", value = EVENTS_EXAMPLE))})
    @ApiResponse(responseCode = "202", description = "Accepted: the job is queued", headers = {
        @Header(name = "Location", description = ApiDocumentation.LOCATION,
                schema = @Schema(type = "string", format = "uri-reference")),
        @Header(name = "Preference-Applied", description = PREFERENCE_APPLIED,
                schema = @Schema(type = "string", example = "wait=10")),
        @Header(name = "RateLimit", ref = ApiDocumentation.RATE_LIMIT_HEADER),
        @Header(name = "RateLimit-Policy", ref = ApiDocumentation.RATE_LIMIT_POLICY_HEADER)},
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = JobAccepted.class),
                    examples = @ExampleObject(name = "queued", value = ACCEPTED_EXAMPLE)))
    @ApiResponse(responseCode = "400", ref = ApiDocumentation.BAD_REQUEST_RESPONSE)
    @ApiResponse(responseCode = "404", ref = ApiDocumentation.NOT_FOUND_RESPONSE)
    @ApiResponse(responseCode = "409", ref = ApiDocumentation.CONFLICT_RESPONSE)
    @ApiResponse(responseCode = "413", ref = ApiDocumentation.TOO_LARGE_RESPONSE)
    @ApiResponse(responseCode = "415", ref = ApiDocumentation.UNSUPPORTED_MEDIA_TYPE_RESPONSE)
    @ApiResponse(responseCode = "422", ref = ApiDocumentation.UNPROCESSABLE_RESPONSE)
    @ApiResponse(responseCode = "429", ref = ApiDocumentation.TOO_MANY_REQUESTS_RESPONSE)
    @ApiResponse(responseCode = "503", ref = ApiDocumentation.UNAVAILABLE_RESPONSE)
    public @interface SubmitResponses {
    }

    /** The answers of cancelling a job. */
    @Target(ElementType.METHOD)
    @Retention(RetentionPolicy.RUNTIME)
    @ApiResponse(responseCode = "200", description = "The job, now CANCELLED", content = @Content(
            mediaType = "application/json", schema = @Schema(implementation = JobRecord.class),
            examples = @ExampleObject(name = "cancelled", value = CANCELLED_EXAMPLE)))
    @ApiResponse(responseCode = "404", ref = ApiDocumentation.NOT_FOUND_RESPONSE)
    @ApiResponse(responseCode = "409", ref = ApiDocumentation.CONFLICT_RESPONSE)
    public @interface CancelResponses {
    }

    /** The job list ({@code GET /v1/jobs}) and its answers. */
    @Target(ElementType.METHOD)
    @Retention(RetentionPolicy.RUNTIME)
    @Operation(operationId = "listJobs", summary = "List the caller's jobs", description = """
            The caller's tenant's jobs, newest first, each as `GET /v1/jobs/{id}` answers it, a page at a time: \
            pass `next_cursor` as `cursor` (with the same filters) for the next page, until it is null. Jobs created \
            meanwhile do not shift the pages: none is listed twice or skipped. The list keeps the jobs created within \
            `inferq.result-ttl` (24 h), at most the newest `inferq.gateway.job-list.max-jobs` (10000) per tenant; an \
            older job stays readable by its id until it expires. With filters, a page reads at most \
            `max-chunks` x `chunk` (10 x 100) entries of the list: one that stops there holds fewer jobs than \
            `limit`, or none, and a `next_cursor` to go on.""")
    @ApiResponse(responseCode = "200", description = "A page of jobs", content = @Content(
            mediaType = "application/json", schema = @Schema(implementation = JobPage.class),
            examples = @ExampleObject(name = "a page", value = "{\"jobs\": [" + SUCCEEDED_EXAMPLE
                    + "], \"next_cursor\": \"MTc2NTEyMzQ1Njc4OS4zcTJSUnczYVVZeFF2OW1ScjdZeTBn\"}")))
    @ApiResponse(responseCode = "400", ref = ApiDocumentation.BAD_REQUEST_RESPONSE)
    public @interface ListResponses {
    }

    @Target(ElementType.PARAMETER)
    @Retention(RetentionPolicy.RUNTIME)
    @Parameter(in = ParameterIn.QUERY, description = "Most jobs on the page",
            schema = @Schema(type = "integer", minimum = "1", maximum = "100", defaultValue = "20"), example = "20")
    public @interface LimitParameter {
    }

    @Target(ElementType.PARAMETER)
    @Retention(RetentionPolicy.RUNTIME)
    @Parameter(in = ParameterIn.QUERY, description = """
            Only jobs of these models (names of `GET /v1/models`): repeat the parameter or separate names by commas. \
            An unknown name is a 400""", explode = Explode.TRUE,
            array = @ArraySchema(schema = @Schema(type = "string", example = "sentiment")))
    public @interface ModelFilter {
    }

    @Target(ElementType.PARAMETER)
    @Retention(RetentionPolicy.RUNTIME)
    @Parameter(in = ParameterIn.QUERY, description = """
            Only jobs in these statuses: repeat the parameter or separate statuses by commas (any case). An unknown \
            status is a 400""", explode = Explode.TRUE,
            array = @ArraySchema(schema = @Schema(implementation = JobStatus.class)))
    public @interface StatusFilter {
    }

    @Target(ElementType.PARAMETER)
    @Retention(RetentionPolicy.RUNTIME)
    @Parameter(in = ParameterIn.QUERY, description = """
            Where the previous page ended: its `next_cursor`, unchanged (an opaque token). Left out: the newest \
            jobs. A token this API did not give out is a 400""", schema = @Schema(type = "string"))
    public @interface CursorParameter {
    }

    @Target(ElementType.PARAMETER)
    @Retention(RetentionPolicy.RUNTIME)
    @Parameter(in = ParameterIn.PATH, description = "A model's name, as `GET /v1/models` lists them; `name@N` (such"
            + " as `sentiment@2`) runs the job on version N of the model, else it goes to the default version (or the"
            + " canary, for its share). An unknown or retired version is a 404", example = "sentiment")
    public @interface ModelName {
    }

    @Target(ElementType.PARAMETER)
    @Retention(RetentionPolicy.RUNTIME)
    @Parameter(in = ParameterIn.PATH, description = "The job's id, from the submit's answer or `Location`",
            schema = @Schema(type = "string", pattern = "^[A-Za-z0-9_-]{22}$"), example = "3q2RRw3aUYxQv9mRr7Yy0g")
    public @interface JobIdParameter {
    }

    @Target(ElementType.PARAMETER)
    @Retention(RetentionPolicy.RUNTIME)
    @Parameter(in = ParameterIn.QUERY, description = """
            Seconds within which a worker must start the job, or it ends EXPIRED without running (1 to \
            `inferq.gateway.max-timeout`, default 24 h); a JSON body may carry `timeout_s` instead, not both""",
            schema = @Schema(type = "integer", minimum = "1"), example = "30")
    public @interface TimeoutParameter {
    }

    @Target(ElementType.PARAMETER)
    @Retention(RetentionPolicy.RUNTIME)
    @Parameter(in = ParameterIn.QUERY,
            description = "An http(s) URL that gets the job's terminal record as a signed POST")
    public @interface CallbackUrlParameter {
    }

    @Target(ElementType.PARAMETER)
    @Retention(RetentionPolicy.RUNTIME)
    @Parameter(in = ParameterIn.HEADER, description = """
            Makes the submit safe to retry: the same key with the same request answers the job the first one \
            created, for as long as jobs live; the same key with a different request is a 422""",
            schema = @Schema(type = "string", minLength = 1, maxLength = 255),
            example = "order-2728-retry-safe")
    public @interface IdempotencyKeyParameter {
    }

    @Target(ElementType.PARAMETER)
    @Retention(RetentionPolicy.RUNTIME)
    @Parameter(in = ParameterIn.HEADER, description = """
            RFC 7240 preferences: `wait=N` waits up to N seconds (at most `inferq.gateway.max-wait`) and answers \
            `200` with the finished job if it ends by then, else the usual `202`; `respond-async` answers `202` at \
            once. Unknown preferences are ignored.""", schema = @Schema(type = "string"), example = "wait=10")
    public @interface PreferParameter {
    }

    @Target(ElementType.PARAMETER)
    @Retention(RetentionPolicy.RUNTIME)
    @Parameter(in = ParameterIn.HEADER, description = """
            `no-cache` (also `no-store`, or `max-age=0`) asks for a fresh computation: the job is not answered from \
            the response cache, does not share the forward pass of an identical job and leaves no entry. Without it, \
            a job whose model, model variant and input (texts, or image bytes) were computed within \
            `inferq.cache.ttl` gets the stored predictions and `"cached": true`""",
            schema = @Schema(type = "string"), example = "no-cache")
    public @interface CacheControlParameter {
    }

    @Target(ElementType.PARAMETER)
    @Retention(RetentionPolicy.RUNTIME)
    @Parameter(in = ParameterIn.HEADER, description = """
            A reconnecting client's last event id (the status it last saw): the stream then sends only what came \
            after it""", schema = @Schema(type = "string"), example = "QUEUED")
    public @interface LastEventIdParameter {
    }
}
