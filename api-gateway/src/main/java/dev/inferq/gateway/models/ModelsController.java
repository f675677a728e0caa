package dev.inferq.gateway.models;

import dev.inferq.common.model.ModelCard;
import dev.inferq.common.model.ModelCatalog;
import dev.inferq.common.model.ModelDescriptor;
import dev.inferq.common.model.ModelTask;
import dev.inferq.common.worker.WorkerDirectory;
import dev.inferq.gateway.backlog.BacklogMonitor;
import dev.inferq.gateway.backlog.BackpressureProperties;
import dev.inferq.gateway.docs.ApiDocumentation;
import dev.inferq.gateway.problems.ApiException;
import dev.inferq.gateway.versions.VersionList;
import dev.inferq.gateway.versions.VersionViews;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.ExampleObject;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.time.Instant;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** The model registry: the models this platform serves, each with its card and live figures. */
@RestController
@Tag(name = ApiDocumentation.MODELS_TAG)
public class ModelsController {

    private final ModelCatalog catalog;
    private final BacklogMonitor backlog;
    private final WorkerDirectory workers;
    private final BackpressureProperties backpressure;
    private final VersionViews versions;

    public ModelsController(ModelCatalog catalog, BacklogMonitor backlog, WorkerDirectory workers,
            BackpressureProperties backpressure, VersionViews versions) {
        this.catalog = catalog;
        this.versions = versions;
        this.backlog = backlog;
        this.workers = workers;
        this.backpressure = backpressure;
    }

    @GetMapping("/v1/models")
    @Operation(operationId = "listModels", summary = "List the models",
            description = "Each model's name (the `{model}` of the submit route),"
                + " its task, its labels in the order of the scores, where its weights come from, and the workers"
                + " serving it now: the variant each chose on its CPU (model file, engine) and its measured"
                + " milliseconds per forward pass by batch size.")
    @ApiResponse(responseCode = "200", description = "The models", content = @Content(
            mediaType = "application/json", schema = @Schema(implementation = ModelList.class),
            examples = @ExampleObject(name = "tiny models", value = """
                    {"models": [{"name": "disaster", "task": "text-classification", \
                    "labels": ["not_disaster", "disaster"], "weights": "trained", "workers": []}, \
                    {"name": "image", "task": "image-classification", "labels": ["calling", "clapping"], \
                    "weights": "random", "workers": [{"id": "4711@worker-image-0", "variant": "image_int8", \
                    "engine": "PyTorch", "selection": "measured", "ms_per_batch": {"1": 212.4, "4": 790.1}, \
                    "started_at": "2026-12-02T10:00:00Z"}]}]}""")))
    public Mono<ModelList> list() {
        return serving().collectMultimap(Map.Entry::getKey, Map.Entry::getValue)
                .map(byModel -> new ModelList(catalog.all().stream()
                        .map(m -> new ModelInfo(m.name(), m.task(), m.labels(), m.card().weights(),
                                sorted(byModel.getOrDefault(m.name(), List.of()))))
                        .toList()));
    }

    /**
     * One model's card (task, labels, architecture, where its weights come from, data set, split, metrics) with
     * live figures: its backlog, the jobs completed per second recently, and the workers serving it now.
     */
    @GetMapping("/v1/models/{name}")
    @Operation(operationId = "getModel", summary = "Describe a model",
            description = "Its card (architecture, weights, data set, split,"
                + " metrics) and what it is doing now: backlog, jobs completed per second, the workers serving it; and"
                + " its versions: the default, the canary and its share, each version's status, card and the workers"
                + " that have it loaded.")
    @ApiResponse(responseCode = "200", description = "The model", content = @Content(
            mediaType = "application/json", schema = @Schema(implementation = ModelDetails.class)))
    @ApiResponse(responseCode = "404", ref = ApiDocumentation.NOT_FOUND_RESPONSE)
    public Mono<ModelDetails> get(
            @Parameter(description = "A model's name, as `GET /v1/models` lists them", example = "sentiment")
            @PathVariable String name) {
        ModelDescriptor model = catalog.find(name)
                .orElseThrow(() -> ApiException.unknownModel(name, catalog.names()));
        Mono<List<ServingWorker>> workers = serving().filter(entry -> entry.getKey().equals(name))
                .map(Map.Entry::getValue)
                .collectList()
                .map(ModelsController::sorted);
        return Mono.zip(workers, versions.list(model, false))
                .map(found -> new ModelDetails(model.name(), model.task(), model.labels(), model.card(),
                        new Live(backlog.backlog(name), backlog.completedPerSecond(name).orElse(null),
                                backpressure.throughputWindow().toSeconds(), found.getT1().size(), found.getT1()),
                        found.getT2()));
    }

    /** Every (model, worker serving it) pair the worker directory holds now. */
    private Flux<Map.Entry<String, ServingWorker>> serving() {
        return workers.workers().flatMapIterable(worker -> worker.models().stream()
                .map(served -> Map.entry(served.model(), new ServingWorker(worker.id(), served.variant(),
                        served.engine(), served.selection(), served.msPerBatch(), worker.startedAt())))
                .toList());
    }

    private static List<ServingWorker> sorted(Collection<ServingWorker> serving) {
        return serving.stream().sorted(Comparator.comparing(ServingWorker::id)).toList();
    }

    /** The answer of {@code GET /v1/models}. */
    public record ModelList(List<ModelInfo> models) {
    }

    /**
     * One model as clients see it; {@code weights} says whether it is {@code trained}, {@code converted} or not, and
     * {@code workers} who serves it now, in which variant.
     */
    public record ModelInfo(String name, ModelTask task, List<String> labels, String weights,
            List<ServingWorker> workers) {
    }

    /**
     * The answer of {@code GET /v1/models/{name}}: {@code card} is the card of the model's folder in the models
     * folder (version 1); {@code versions} lists every version with its own.
     */
    public record ModelDetails(String name, ModelTask task, List<String> labels, ModelCard card, Live live,
            VersionList versions) {
    }

    /**
     * What the model is doing now: jobs waiting (-1 before the first reading), jobs completed per second over the
     * last {@code windowS} seconds (null before two readings), and the workers serving it.
     */
    public record Live(long backlog, Double completedPerSecond, long windowS, int workerCount,
            List<ServingWorker> workers) {
    }

    /**
     * A worker serving the model: the variant (model file) and engine it runs, how it chose it ({@code measured} on
     * its CPU among the folder's candidates, {@code pinned} by its operator, or the folder's {@code only} one), and the
     * milliseconds per forward pass it measured at start, by batch size (empty unless measured).
     */
    public record ServingWorker(String id, String variant, String engine,
            @Schema(allowableValues = {"measured", "pinned", "only"}) String selection,
            @Schema(description = "milliseconds per forward pass by batch size, measured when the worker started",
                    example = "{\"1\": 212.4, \"4\": 790.1}") SortedMap<Integer, Double> msPerBatch,
            Instant startedAt) {
    }
}
