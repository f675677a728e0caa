package dev.inferq.gateway.jobs;

import dev.inferq.common.job.JobId;
import dev.inferq.common.job.JobRecord;
import dev.inferq.common.job.JobStore;
import dev.inferq.common.model.ModelCatalog;
import dev.inferq.common.model.ModelDescriptor;
import dev.inferq.common.model.ModelTask;
import dev.inferq.gateway.GatewayProperties;
import dev.inferq.gateway.problems.ApiException;
import java.net.URI;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.http.codec.multipart.FilePart;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestPart;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** The native asynchronous API: submit a job, poll it, or follow its events. */
@RestController
public class JobsController {

    private final ModelCatalog catalog;
    private final InputValidator validator;
    private final JobSubmitter submitter;
    private final JobStore store;
    private final JobEventStream events;
    private final GatewayProperties properties;

    public JobsController(ModelCatalog catalog, InputValidator validator, JobSubmitter submitter, JobStore store,
            JobEventStream events, GatewayProperties properties) {
        this.catalog = catalog;
        this.validator = validator;
        this.submitter = submitter;
        this.store = store;
        this.events = events;
        this.properties = properties;
    }

    @PostMapping(path = "/v1/models/{model}/jobs", consumes = MediaType.APPLICATION_JSON_VALUE)
    public Mono<ResponseEntity<JobAccepted>> submitTexts(@PathVariable String model,
            @RequestBody(required = false) Mono<TextJobBody> body) {
        ModelDescriptor descriptor = model(model, ModelTask.TEXT_CLASSIFICATION);
        return body.defaultIfEmpty(new TextJobBody(null))
                .map(validator::texts)
                .flatMap(texts -> submitter.submit(descriptor.name(), texts))
                .map(JobsController::accepted);
    }

    @PostMapping(path = "/v1/models/{model}/jobs", consumes = MediaType.MULTIPART_FORM_DATA_VALUE)
    public Mono<ResponseEntity<JobAccepted>> submitImage(@PathVariable String model,
            @RequestPart("file") Mono<FilePart> file) {
        ModelDescriptor descriptor = model(model, ModelTask.IMAGE_CLASSIFICATION);
        int limit = Math.toIntExact(properties.maxImageSize().toBytes());
        return file.flatMap(part -> DataBufferUtils.join(part.content(), limit))
                .map(buffer -> {
                    byte[] bytes = new byte[buffer.readableByteCount()];
                    buffer.read(bytes);
                    DataBufferUtils.release(buffer);
                    return bytes;
                })
                .flatMap(bytes -> submitter.submit(descriptor.name(), validator.image(bytes), bytes))
                .map(JobsController::accepted);
    }

    @GetMapping("/v1/jobs/{id}")
    public Mono<JobRecord> get(@PathVariable String id) {
        return store.find(jobId(id)).switchIfEmpty(Mono.error(() -> ApiException.jobNotFound(id)));
    }

    @GetMapping(path = "/v1/jobs/{id}/events", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
    public Flux<ServerSentEvent<JobRecord>> events(@PathVariable String id) {
        JobId jobId = jobId(id);
        return store.find(jobId)
                .switchIfEmpty(Mono.error(() -> ApiException.jobNotFound(id)))
                .flatMapMany(known -> events.follow(jobId));
    }

    private ModelDescriptor model(String name, ModelTask expected) {
        ModelDescriptor descriptor = catalog.find(name)
                .orElseThrow(() -> ApiException.unknownModel(name, catalog.names()));
        if (descriptor.task() != expected) {
            throw ApiException.unsupportedMediaType(descriptor.task() == ModelTask.TEXT_CLASSIFICATION
                    ? "model '" + name + "' classifies text: send application/json {\"inputs\": [\"...\"]}"
                    : "model '" + name + "' classifies images: send multipart/form-data with the image in field 'file'");
        }
        return descriptor;
    }

    private static JobId jobId(String id) {
        if (!JobId.isWellFormed(id)) {
            throw ApiException.jobNotFound(id);
        }
        return new JobId(id);
    }

    private static ResponseEntity<JobAccepted> accepted(JobRecord queued) {
        return ResponseEntity.accepted()
                .location(URI.create("/v1/jobs/" + queued.id().value()))
                .body(JobAccepted.of(queued));
    }
}
