package dev.inferq.gateway.legacy;

import dev.inferq.contract.JobRecord;
import dev.inferq.contract.JobStatus;
import dev.inferq.gateway.auth.Caller;
import dev.inferq.gateway.docs.ApiDocumentation;
import dev.inferq.gateway.fetch.ImageDownloads;
import dev.inferq.gateway.limits.RequestJson;
import dev.inferq.gateway.jobs.CacheDirectives;
import dev.inferq.gateway.jobs.InputValidator;
import dev.inferq.gateway.jobs.JobAccepted;
import dev.inferq.gateway.jobs.JobEventStream;
import dev.inferq.gateway.jobs.JobService;
import dev.inferq.gateway.jobs.JobsApi;
import dev.inferq.gateway.jobs.Preferences;
import dev.inferq.gateway.jobs.Submission;
import dev.inferq.gateway.jobs.SubmitOptions;
import dev.inferq.gateway.jobs.SubmitOptionsResolver;
import dev.inferq.gateway.problems.ApiException;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.ExampleObject;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.media.SchemaProperty;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.util.Map;
import java.util.function.Function;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Mono;

/**
 * The synchronous JSON API of the system inferq replaced, served through the same queue and workers: each call
 * submits a job and waits for its result. A result that takes longer than {@code inferq.gateway.seed.result-wait},
 * or a client that sends {@code Prefer: respond-async}, gets {@code 202} with the job's link instead.
 */
@RestController
@Tag(name = ApiDocumentation.LEGACY_TAG)
public class LegacyController {

    static final String DISASTER_PATH = "/api/v1/disaster_classification";
    static final String SENTIMENT_PATH = "/api/v1/sentiment_classification";
    static final String IMAGE_PATH = "/api/v1/image_classification";

    private final JobService jobs;
    private final InputValidator validator;
    private final SubmitOptionsResolver submitOptions;
    private final ImageDownloads downloads;
    private final JobEventStream events;
    private final LegacyApiProperties properties;
    private final RequestJson requestJson;

    public LegacyController(JobService jobs, InputValidator validator, SubmitOptionsResolver submitOptions,
            ImageDownloads downloads, JobEventStream events, LegacyApiProperties properties, RequestJson requestJson) {
        this.requestJson = requestJson;
        this.jobs = jobs;
        this.validator = validator;
        this.submitOptions = submitOptions;
        this.downloads = downloads;
        this.events = events;
        this.properties = properties;
    }

    @GetMapping("/")
    @Operation(operationId = "legacyStatus", summary = "Liveness of the legacy API",
            description = "Always `{\"Status\": \"Running\"}`, as the replaced service answered; operators use"
                    + " `/actuator/health/readiness`.")
    @ApiResponse(responseCode = "200", description = "Running", content = @Content(mediaType = "application/json",
            schemaProperties = @SchemaProperty(name = "Status", schema = @Schema(type = "string",
                    allowableValues = "Running")),
            examples = @ExampleObject(name = "running", value = "{\"Status\": \"Running\"}")))
    public Map<String, String> status() {
        return Map.of("Status", "Running");
    }

    @PostMapping(DISASTER_PATH)
    @Operation(operationId = "legacyDisasterClassification",
            summary = "Classify texts as disaster or not (legacy, synchronous)", description = LegacyApi.TEXT)
    @LegacyApi.TextResponses
    public Mono<ResponseEntity<Object>> disaster(@LegacyApi.TextBody @RequestBody(required = false) Mono<String> body,
            @LegacyApi.PreferParameter @RequestHeader(name = "Prefer", required = false) String prefer,
            @JobsApi.CacheControlParameter @RequestHeader(name = CacheDirectives.HEADER, required = false)
            String cacheControl, @AuthenticationPrincipal Caller caller) {
        return classifyText(properties.disasterModel(), "tinybert-disaster-tweet", body,
                submitOptions.resolveLegacy(prefer, cacheControl, caller));
    }

    @PostMapping(SENTIMENT_PATH)
    @Operation(operationId = "legacySentimentClassification",
            summary = "Classify the sentiment of texts (legacy, synchronous)", description = LegacyApi.TEXT)
    @LegacyApi.TextResponses
    public Mono<ResponseEntity<Object>> sentiment(@LegacyApi.TextBody @RequestBody(required = false) Mono<String> body,
            @LegacyApi.PreferParameter @RequestHeader(name = "Prefer", required = false) String prefer,
            @JobsApi.CacheControlParameter @RequestHeader(name = CacheDirectives.HEADER, required = false)
            String cacheControl, @AuthenticationPrincipal Caller caller) {
        return classifyText(properties.sentimentModel(), "tinybert-sentiment-analysis", body,
                submitOptions.resolveLegacy(prefer, cacheControl, caller));
    }

    @PostMapping(IMAGE_PATH)
    @Operation(operationId = "legacyImageClassification",
            summary = "Classify an image by URL (legacy, synchronous)", description = LegacyApi.IMAGE)
    @LegacyApi.ImageResponses
    public Mono<ResponseEntity<Object>> image(@LegacyApi.ImageBody @RequestBody(required = false) Mono<String> body,
            @LegacyApi.PreferParameter @RequestHeader(name = "Prefer", required = false) String prefer,
            @JobsApi.CacheControlParameter @RequestHeader(name = CacheDirectives.HEADER, required = false)
            String cacheControl, @AuthenticationPrincipal Caller caller) {
        SubmitOptions options = submitOptions.resolveLegacy(prefer, cacheControl, caller);
        return body.defaultIfEmpty("")
                .map(text -> LegacyRequests.image(text, requestJson.mapper()))
                .flatMap(request -> downloads.fetch(properties.imageModel(), request.classifiedUrl(), options.tenant())
                        .map(bytes -> Submission.image(properties.imageModel(), validator.image(bytes), options))
                        .flatMap(jobs::submit)
                        .flatMap(queued -> answer(queued, options, done -> LegacyResponses.ImageResponse.of(request,
                                "vit-human-pose-classification", done))));
    }

    private Mono<ResponseEntity<Object>> classifyText(String model, String modelName, Mono<String> body,
            SubmitOptions options) {
        return body.defaultIfEmpty("")
                .map(text -> LegacyRequests.text(text, requestJson.mapper()))
                .flatMap(request -> jobs.submit(
                                Submission.texts(model, validator.texts(request.text(), "text"), options))
                        .flatMap(queued -> answer(queued, options,
                                done -> LegacyResponses.TextResponse.of(request, modelName, done))));
    }

    private Mono<ResponseEntity<Object>> answer(JobRecord queued, SubmitOptions options,
            Function<JobRecord, Object> result) {
        if (options.preferences().respondAsync()) {
            ResponseEntity<Object> accepted = JobAccepted.response(queued);
            return Mono.just(ResponseEntity.status(accepted.getStatusCode())
                    .headers(accepted.getHeaders())
                    .header(Preferences.APPLIED, Preferences.RESPOND_ASYNC)
                    .body(accepted.getBody()));
        }
        return events.terminal(queued)
                .timeout(properties.resultWait(), Mono.empty())
                .map(done -> {
                    if (done.status() != JobStatus.SUCCEEDED) {
                        throw new ApiException(HttpStatus.UNPROCESSABLE_CONTENT, "Job did not succeed",
                                "job " + done.id() + " ended " + done.status()
                                        + (done.error() != null ? ": " + done.error() : ""));
                    }
                    return ResponseEntity.ok(result.apply(done));
                })
                .switchIfEmpty(Mono.fromSupplier(() -> JobAccepted.response(queued)));
    }
}
