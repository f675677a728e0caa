package dev.inferq.gateway.jobs;

import dev.inferq.common.job.JobId;
import dev.inferq.common.job.JobRecord;
import dev.inferq.common.model.ModelCatalog;
import dev.inferq.common.model.ModelDescriptor;
import dev.inferq.common.model.ModelTask;
import dev.inferq.gateway.fetch.ImageFetcher;
import dev.inferq.gateway.problems.ApiException;
import java.time.Duration;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.http.codec.multipart.FilePart;
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
 * has not started the job by then marks it EXPIRED instead of running it. Each route only turns its request into a
 * {@link Submission}; {@link JobService} does the rest.
 */
@RestController
public class JobsController {

    private static final String TIMEOUT = "timeout_s";
    private static final String IDEMPOTENCY_KEY = "Idempotency-Key";

    private final ModelCatalog catalog;
    private final InputValidator validator;
    private final JobService jobs;
    private final JobEventStream events;
    private final ImageFetcher fetcher;

    public JobsController(ModelCatalog catalog, InputValidator validator, JobService jobs, JobEventStream events,
            ImageFetcher fetcher) {
        this.catalog = catalog;
        this.validator = validator;
        this.jobs = jobs;
        this.events = events;
        this.fetcher = fetcher;
    }

    /** Texts ({@code {"inputs": [...]}}) for a text model, or an image URL ({@code {"url": "..."}}). */
    @PostMapping(path = "/v1/models/{model}/jobs", consumes = MediaType.APPLICATION_JSON_VALUE)
    public Mono<ResponseEntity<Object>> submitJson(@PathVariable String model,
            @RequestBody(required = false) Mono<JobBody> body,
            @RequestParam(name = TIMEOUT, required = false) String timeoutS,
            @RequestHeader(name = IDEMPOTENCY_KEY, required = false) String idempotencyKey) {
        ModelDescriptor descriptor = model(model);
        Mono<Submission> submission = body.defaultIfEmpty(new JobBody(null, null, null)).flatMap(b -> {
            Duration timeout = validator.timeout(b.timeoutS(), timeoutS);
            return descriptor.task() == ModelTask.TEXT_CLASSIFICATION
                    ? Mono.just(Submission.texts(descriptor.name(), validator.texts(b.inputs(), "inputs"), timeout,
                            idempotencyKey))
                    : fetcher.fetch(requireUrl(b)).map(bytes -> Submission.image(descriptor.name(),
                            validator.image(bytes), timeout, idempotencyKey));
        });
        return submission.flatMap(jobs::submit).map(JobAccepted::response);
    }

    /** An image uploaded as {@code multipart/form-data}, in the form field {@code file}. */
    @PostMapping(path = "/v1/models/{model}/jobs", consumes = MediaType.MULTIPART_FORM_DATA_VALUE)
    public Mono<ResponseEntity<Object>> submitUpload(@PathVariable String model,
            @RequestPart("file") Mono<FilePart> file,
            @RequestParam(name = TIMEOUT, required = false) String timeoutS,
            @RequestHeader(name = IDEMPOTENCY_KEY, required = false) String idempotencyKey) {
        ModelDescriptor descriptor = imageModel(model);
        Duration timeout = validator.timeout(null, timeoutS);
        return file.flatMap(part -> DataBufferUtils.join(part.content(), validator.maxImageBytes()))
                .map(buffer -> {
                    byte[] bytes = new byte[buffer.readableByteCount()];
                    buffer.read(bytes);
                    DataBufferUtils.release(buffer);
                    return bytes;
                })
                .flatMap(bytes -> jobs.submit(Submission.image(descriptor.name(), validator.image(bytes), timeout,
                        idempotencyKey)))
                .map(JobAccepted::response);
    }

    /** An image sent as the raw request body ({@code Content-Type: image/*}). */
    @PostMapping(path = "/v1/models/{model}/jobs", consumes = "image/*")
    public Mono<ResponseEntity<Object>> submitRawImage(@PathVariable String model,
            @RequestBody Mono<byte[]> body,
            @RequestParam(name = TIMEOUT, required = false) String timeoutS,
            @RequestHeader(name = IDEMPOTENCY_KEY, required = false) String idempotencyKey) {
        ModelDescriptor descriptor = imageModel(model);
        Duration timeout = validator.timeout(null, timeoutS);
        return body.flatMap(bytes -> jobs.submit(Submission.image(descriptor.name(), validator.image(bytes), timeout,
                        idempotencyKey)))
                .map(JobAccepted::response);
    }

    @GetMapping("/v1/jobs/{id}")
    public Mono<JobRecord> get(@PathVariable String id) {
        return jobs.find(jobId(id));
    }

    @GetMapping(path = "/v1/jobs/{id}/events", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
    public Flux<ServerSentEvent<JobRecord>> events(@PathVariable String id) {
        JobId jobId = jobId(id);
        return jobs.find(jobId).flatMapMany(known -> events.follow(jobId));
    }

    /**
     * Cancels a job that no worker has started yet: it ends CANCELLED and the worker skips it. A job already
     * started or finished answers 409 naming its status.
     */
    @PostMapping("/v1/jobs/{id}/cancel")
    public Mono<JobRecord> cancel(@PathVariable String id) {
        return Mono.fromCallable(() -> jobId(id)).flatMap(jobs::cancel);
    }

    /** The same as {@link #cancel}: a job's record is not removed before its time to live runs out. */
    @DeleteMapping("/v1/jobs/{id}")
    public Mono<JobRecord> delete(@PathVariable String id) {
        return cancel(id);
    }

    private ModelDescriptor model(String name) {
        return catalog.find(name).orElseThrow(() -> ApiException.unknownModel(name, catalog.names()));
    }

    private ModelDescriptor imageModel(String name) {
        ModelDescriptor descriptor = model(name);
        if (descriptor.task() != ModelTask.IMAGE_CLASSIFICATION) {
            throw ApiException.unsupportedMediaType("model '" + name
                    + "' classifies text: send application/json {\"inputs\": [\"...\"]}");
        }
        return descriptor;
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
