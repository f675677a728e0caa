package dev.inferq.gateway.jobs;

import dev.inferq.common.model.ModelCatalog;
import dev.inferq.common.model.ModelDescriptor;
import dev.inferq.contract.JobId;
import dev.inferq.contract.JobRecord;
import dev.inferq.gateway.auth.Caller;
import dev.inferq.gateway.docs.ApiDocumentation;
import dev.inferq.gateway.fetch.ImageDownloads;
import dev.inferq.gateway.problems.ApiException;
import dev.inferq.gateway.versions.ModelRef;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.ExampleObject;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.util.List;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.http.codec.multipart.FilePart;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RequestPart;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The native asynchronous API: submit a job (texts, or an image by upload, raw body or URL), poll it, follow it,
 * cancel it. Every submit takes an optional {@code timeout_s} (query parameter, or JSON body field): a worker that
 * has not started the job by then marks it EXPIRED instead of running it. Each submit route only hands its
 * parameters to {@link SubmitOptionsResolver} and turns its body into a {@link Submission}; {@link JobService} does
 * the rest.
 */
@RestController
@Tag(name = ApiDocumentation.NATIVE_TAG)
public class JobsController {

    static final String SUBMIT_PATH = "/v1/models/{model}/jobs";
    private static final String TIMEOUT = "timeout_s";
    private static final String IDEMPOTENCY_KEY = "Idempotency-Key";
    private static final String CALLBACK_URL = "callback_url";

    private final ModelCatalog catalog;
    private final InputValidator validator;
    private final SubmitOptionsResolver submitOptions;
    private final JobService jobs;
    private final JobEventStream events;
    private final ImageDownloads downloads;
    private final JobViews views;
    private final SubmitAnswers answers;
    private final JobListing listing;
    private final SubmitStreams streams;

    public JobsController(ModelCatalog catalog, InputValidator validator, SubmitOptionsResolver submitOptions,
            JobService jobs, JobEventStream events, ImageDownloads downloads, JobViews views, SubmitAnswers answers,
            JobListing listing, SubmitStreams streams) {
        this.catalog = catalog;
        this.validator = validator;
        this.submitOptions = submitOptions;
        this.jobs = jobs;
        this.events = events;
        this.downloads = downloads;
        this.views = views;
        this.answers = answers;
        this.listing = listing;
        this.streams = streams;
    }

    /** Texts ({@code {"inputs": [...]}}) for a text model, or an image URL ({@code {"url": "..."}}). */
    @PostMapping(path = SUBMIT_PATH, consumes = MediaType.APPLICATION_JSON_VALUE)
    @JobsApi.SubmitResponses
    public Mono<ResponseEntity<Object>> submitJson(@JobsApi.ModelName @PathVariable String model,
            @RequestBody(required = false) Mono<JobBody> body,
            @JobsApi.TimeoutParameter @RequestParam(name = TIMEOUT, required = false) String timeoutS,
            @JobsApi.IdempotencyKeyParameter @RequestHeader(name = IDEMPOTENCY_KEY, required = false)
            String idempotencyKey,
            @JobsApi.PreferParameter @RequestHeader(name = Preferences.HEADER, required = false) String prefer,
            @JobsApi.CacheControlParameter @RequestHeader(name = CacheDirectives.HEADER, required = false)
            String cacheControl, @AuthenticationPrincipal Caller caller, ServerHttpRequest request) {
        ModelDescriptor descriptor = model(model);
        return body.defaultIfEmpty(new JobBody(null, null, null, null))
                .flatMap(b -> {
                    SubmitOptions options = submitOptions.resolve(timeoutS, b.timeoutS(), b.callbackUrl(),
                            idempotencyKey, prefer, cacheControl, caller);
                    Mono<Submission> submission = switch (descriptor.task()) {
                        case TEXT_CLASSIFICATION -> Mono.just(Submission.texts(descriptor.name(),
                                validator.texts(b.inputs(), "inputs"), options));
                        case IMAGE_CLASSIFICATION -> downloads.fetch(descriptor.name(), requireUrl(b), options.tenant())
                                .map(bytes -> Submission.image(descriptor.name(), validator.image(bytes), options));
                    };
                    return submission.flatMap(checked -> submitAndAnswer(model, checked, options.preferences(), request));
                });
    }

    /** An image uploaded as {@code multipart/form-data}, in the form field {@code file}. */
    @PostMapping(path = SUBMIT_PATH, consumes = MediaType.MULTIPART_FORM_DATA_VALUE)
    @JobsApi.SubmitResponses
    public Mono<ResponseEntity<Object>> submitUpload(@JobsApi.ModelName @PathVariable String model,
            @RequestPart("file") Mono<FilePart> file,
            @JobsApi.TimeoutParameter @RequestParam(name = TIMEOUT, required = false) String timeoutS,
            @JobsApi.CallbackUrlParameter @RequestParam(name = CALLBACK_URL, required = false) String callbackUrl,
            @JobsApi.IdempotencyKeyParameter @RequestHeader(name = IDEMPOTENCY_KEY, required = false)
            String idempotencyKey,
            @JobsApi.PreferParameter @RequestHeader(name = Preferences.HEADER, required = false) String prefer,
            @JobsApi.CacheControlParameter @RequestHeader(name = CacheDirectives.HEADER, required = false)
            String cacheControl, @AuthenticationPrincipal Caller caller, ServerHttpRequest request) {
        ModelDescriptor descriptor = imageModel(model);
        SubmitOptions options = submitOptions.resolve(timeoutS, null, callbackUrl, idempotencyKey, prefer,
                cacheControl, caller);
        return file.flatMap(part -> DataBufferUtils.join(part.content(), validator.maxImageBytes()))
                .map(buffer -> {
                    byte[] bytes = new byte[buffer.readableByteCount()];
                    buffer.read(bytes);
                    DataBufferUtils.release(buffer);
                    return bytes;
                })
                .map(bytes -> Submission.image(descriptor.name(), validator.image(bytes), options))
                .flatMap(submission -> submitAndAnswer(model, submission, options.preferences(), request));
    }

    /** An image sent as the raw request body ({@code Content-Type: image/*}). */
    @PostMapping(path = SUBMIT_PATH, consumes = "image/*")
    @JobsApi.SubmitResponses
    public Mono<ResponseEntity<Object>> submitRawImage(@JobsApi.ModelName @PathVariable String model,
            @RequestBody Mono<byte[]> body,
            @JobsApi.TimeoutParameter @RequestParam(name = TIMEOUT, required = false) String timeoutS,
            @JobsApi.CallbackUrlParameter @RequestParam(name = CALLBACK_URL, required = false) String callbackUrl,
            @JobsApi.IdempotencyKeyParameter @RequestHeader(name = IDEMPOTENCY_KEY, required = false)
            String idempotencyKey,
            @JobsApi.PreferParameter @RequestHeader(name = Preferences.HEADER, required = false) String prefer,
            @JobsApi.CacheControlParameter @RequestHeader(name = CacheDirectives.HEADER, required = false)
            String cacheControl, @AuthenticationPrincipal Caller caller, ServerHttpRequest request) {
        ModelDescriptor descriptor = imageModel(model);
        SubmitOptions options = submitOptions.resolve(timeoutS, null, callbackUrl, idempotencyKey, prefer,
                cacheControl, caller);
        return body.map(bytes -> Submission.image(descriptor.name(), validator.image(bytes), options))
                .flatMap(submission -> submitAndAnswer(model, submission, options.preferences(), request));
    }

    /** The caller's tenant's jobs, newest first, a page at a time ({@link JobListing}). */
    @GetMapping("/v1/jobs")
    @JobsApi.ListResponses
    public Mono<JobPage> list(@JobsApi.LimitParameter @RequestParam(name = "limit", required = false) String limit,
            @JobsApi.ModelFilter @RequestParam(name = "model", required = false) List<String> model,
            @JobsApi.StatusFilter @RequestParam(name = "status", required = false) List<String> status,
            @JobsApi.CursorParameter @RequestParam(name = "cursor", required = false) String cursor,
            @AuthenticationPrincipal Caller caller) {
        return Mono.fromCallable(() -> JobListQuery.parse(limit, model, status, cursor, catalog.names()))
                .flatMap(query -> listing.list(caller.tenant(), query));
    }

    @GetMapping("/v1/jobs/{id}")
    @Operation(operationId = "getJob", summary = "Poll a job",
            description = "The job's stored state: its status, and once it is"
                + " SUCCEEDED one prediction per input (texts: every label's score; images: the top 5 labels).")
    @ApiResponse(responseCode = "200", description = "The job")
    @ApiResponse(responseCode = "404", ref = ApiDocumentation.NOT_FOUND_RESPONSE)
    public Mono<JobView> get(@JobsApi.JobIdParameter @PathVariable String id,
            @AuthenticationPrincipal Caller caller) {
        return jobs.find(jobId(id), caller.tenant()).flatMap(views::view);
    }

    @GetMapping(path = "/v1/jobs/{id}/events", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
    @Operation(operationId = "followJob", summary = "Follow a job",
            description = "Server-sent events: one `status` event per status change, whose `id` is the status and"
                + " whose `data` is the job as `GET /v1/jobs/{id}` answers it, starting with the current one; the"
                + " stream ends after the terminal event. Idle streams carry a `:keep-alive` comment every"
                + " `inferq.gateway.sse-heartbeat` (15 s).")
    @ApiResponse(responseCode = "200", description = "The job's events", content = @Content(
            mediaType = MediaType.TEXT_EVENT_STREAM_VALUE, schema = @Schema(type = "string"),
            examples = @ExampleObject(name = "queued, then running", value = """
                    id:QUEUED
                    event:status
                    data:{"version":1,"id":"3q2RRw3aUYxQv9mRr7Yy0g","model":"sentiment","status":"QUEUED",\
                    "input_count":2,"created_at":"2026-11-29T10:15:30.123Z"}

                    id:RUNNING
                    event:status
                    data:{"version":1,"id":"3q2RRw3aUYxQv9mRr7Yy0g","model":"sentiment","status":"RUNNING",\
                    "input_count":2,"created_at":"2026-11-29T10:15:30.123Z","started_at":"2026-11-29T10:15:30.140Z"}
                    """)))
    @ApiResponse(responseCode = "404", ref = ApiDocumentation.NOT_FOUND_RESPONSE)
    public Flux<ServerSentEvent<Object>> events(@JobsApi.JobIdParameter @PathVariable String id,
            @JobsApi.LastEventIdParameter @RequestHeader(name = "Last-Event-ID", required = false)
            String lastEventId, @AuthenticationPrincipal Caller caller) {
        return events.follow(jobId(id), lastEventId, caller.tenant());
    }

    /**
     * Cancels a job that no worker has started yet: it ends CANCELLED and the worker skips it. A job already
     * started or finished answers 409 naming its status.
     */
    @PostMapping("/v1/jobs/{id}/cancel")
    @JobsApi.CancelResponses
    @Operation(operationId = "cancelJob", summary = "Cancel a queued job",
            description = "A QUEUED job ends CANCELLED and no worker runs it;"
                + " its record stays readable until `inferq.result-ttl` runs out.")
    public Mono<JobRecord> cancel(@JobsApi.JobIdParameter @PathVariable String id,
            @AuthenticationPrincipal Caller caller) {
        return Mono.fromCallable(() -> jobId(id)).flatMap(jobId -> jobs.cancel(jobId, caller.tenant()));
    }

    /** The same as {@link #cancel}: a job's record is not removed before its time to live runs out. */
    @DeleteMapping("/v1/jobs/{id}")
    @JobsApi.CancelResponses
    @Operation(operationId = "deleteJob", summary = "Cancel a queued job",
            description = "The same as `POST /v1/jobs/{id}/cancel`: the record"
                + " is not removed before `inferq.result-ttl` runs out.")
    public Mono<JobRecord> delete(@JobsApi.JobIdParameter @PathVariable String id,
            @AuthenticationPrincipal Caller caller) {
        return cancel(id, caller);
    }

    /** The model a submit path names, {@code name} or {@code name@version}. */
    private ModelDescriptor model(String ref) {
        String name = ModelRef.parse(ref).name();
        return catalog.find(name).orElseThrow(() -> ApiException.unknownModel(name, catalog.names()));
    }

    /**
     * Submits the job, for the version of its model that {@code ref} names, if any; answers its event stream when the
     * client asked for one ({@link SubmitStreams}), else as {@link SubmitAnswers} decides.
     */
    private Mono<ResponseEntity<Object>> submitAndAnswer(String ref, Submission submission, Preferences preferences,
            ServerHttpRequest request) {
        Submission versioned = submission.atVersion(ModelRef.parse(ref).version());
        if (SubmitStreams.wanted(request)) {
            return streams.submit(versioned);
        }
        return jobs.submit(versioned).flatMap(queued -> answers.answer(queued, preferences));
    }

    private ModelDescriptor imageModel(String name) {
        ModelDescriptor descriptor = model(name);
        return switch (descriptor.task()) {
            case IMAGE_CLASSIFICATION -> descriptor;
            case TEXT_CLASSIFICATION -> throw ApiException.unsupportedMediaType("model '" + name
                    + "' classifies text: send application/json {\"inputs\": [\"...\"]}");
        };
    }

    private static String requireUrl(JobBody body) {
        if (body.url() == null || body.url().isBlank()) {
            throw ApiException.badRequest("the image model takes an upload (multipart field 'file'), a raw image body"
                    + " (Content-Type: image/*) or JSON {\"url\": \"https://...\"}");
        }
        return body.url();
    }

    private static JobId jobId(String id) {
        if (!JobId.isWellFormed(id)) {
            throw ApiException.jobNotFound(id);
        }
        return new JobId(id);
    }
}
