package dev.inferq.gateway.versions;

import dev.inferq.common.model.ModelCatalog;
import dev.inferq.common.model.ModelDescriptor;
import dev.inferq.common.model.versions.ModelVersionStore;
import dev.inferq.common.model.versions.ModelVersions;
import dev.inferq.common.model.versions.VersionChangeException;
import dev.inferq.common.model.versions.VersionFolders;
import dev.inferq.gateway.GatewayProperties;
import dev.inferq.gateway.docs.ApiDocumentation;
import dev.inferq.gateway.problems.ApiException;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.function.UnaryOperator;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Model versions at run time, for the holder of the admin key: add a version from a folder the gateways and workers
 * can read, list the versions with their cards and the workers that have each loaded, make one the default, send a
 * share of the jobs that name no version to a candidate (a canary) or stop that, and retire a version. Every change
 * is stored in Redis ({@link ModelVersionStore}), routed by at once on this gateway and within
 * {@code inferq.versions.refresh} on the others, and followed by the workers without a restart.
 */
@RestController
@Tag(name = AdminVersionsController.TAG, description = "Add, route and retire model versions (admin key)")
public class AdminVersionsController {

    static final String TAG = "model versions";
    private static final String BASE = "/v1/admin/models/{name}";

    private final ModelCatalog catalog;
    private final ModelVersionStore store;
    private final VersionRouter router;
    private final VersionViews views;
    private final Clock clock;
    private final Duration retryAfter;

    public AdminVersionsController(ModelCatalog catalog, ModelVersionStore store, VersionRouter router,
            VersionViews views, Clock clock, GatewayProperties gateway) {
        this.catalog = catalog;
        this.store = store;
        this.router = router;
        this.views = views;
        this.clock = clock;
        this.retryAfter = gateway.retryAfter();
    }

    /** What {@code POST .../versions} takes. */
    public record NewVersion(@Schema(description = "Absolute path of a model folder (DJL layout, the model's task)"
            + " that every gateway and worker can read", example = "/models/sentiment-2026-12",
            requiredMode = Schema.RequiredMode.REQUIRED) String path) {
    }

    /** What {@code PUT .../default} takes. */
    public record DefaultVersion(@Schema(example = "2", requiredMode = Schema.RequiredMode.REQUIRED) Integer version) {
    }

    /** What {@code PUT .../canary} takes. */
    public record CanaryRequest(@Schema(example = "2", requiredMode = Schema.RequiredMode.REQUIRED) Integer version,
            @Schema(description = "The share of the jobs that name no version, more than 0 and less than 1",
                    example = "0.1", requiredMode = Schema.RequiredMode.REQUIRED) Double share) {
    }

    @GetMapping(BASE + "/versions")
    @Operation(operationId = "listModelVersions", summary = "List a model's versions",
            description = "Each version with its status, folder, card and the workers that have it loaded; the"
                    + " default and the canary.")
    @ApiResponse(responseCode = "200", description = "The versions")
    @ApiResponse(responseCode = "404", ref = ApiDocumentation.NOT_FOUND_RESPONSE)
    @ApiResponse(responseCode = "503", ref = ApiDocumentation.UNAVAILABLE_RESPONSE)
    public Mono<VersionList> list(@ModelParameter @PathVariable String name) {
        return unavailableWithoutRedis(views.list(model(name), true));
    }

    @PostMapping(path = BASE + "/versions", consumes = MediaType.APPLICATION_JSON_VALUE)
    @ResponseStatus(HttpStatus.CREATED)
    @Operation(operationId = "addModelVersion", summary = "Add a version of a model",
            description = "Numbered one more than the highest so far. Workers load it within"
                    + " `inferq.versions.refresh`; it gets jobs named `model@N` at once, and no others until it is made"
                    + " the default or the canary.")
    @ApiResponse(responseCode = "201", description = "The versions, the new one last")
    @ApiResponse(responseCode = "400", ref = ApiDocumentation.BAD_REQUEST_RESPONSE)
    @ApiResponse(responseCode = "404", ref = ApiDocumentation.NOT_FOUND_RESPONSE)
    @ApiResponse(responseCode = "503", ref = ApiDocumentation.UNAVAILABLE_RESPONSE)
    public Mono<VersionList> add(@ModelParameter @PathVariable String name, @RequestBody NewVersion body) {
        ModelDescriptor model = model(name);
        if (body == null || body.path() == null || body.path().isBlank()) {
            throw ApiException.badRequest("the body must name the version's folder: {\"path\": \"/models/...\"}");
        }
        // Reading the folder's few metadata files blocks: off the event loop.
        return Mono.fromCallable(() -> VersionFolders.read(model, folder(body.path())))
                .subscribeOn(Schedulers.boundedElastic())
                .onErrorMap(VersionChangeException.class, AdminVersionsController::problem)
                .flatMap(read -> change(model, versions -> versions.add(read.directory().toString(), clock.instant())));
    }

    @PutMapping(path = BASE + "/default", consumes = MediaType.APPLICATION_JSON_VALUE)
    @Operation(operationId = "setDefaultModelVersion", summary = "Make a version the default",
            description = "Jobs that name no version go to it (less the canary's share). Refused (409) until every"
                    + " live worker serving the model has it loaded. Promoting the canary ends the canary.")
    @ApiResponse(responseCode = "200", description = "The versions")
    @ApiResponse(responseCode = "400", ref = ApiDocumentation.BAD_REQUEST_RESPONSE)
    @ApiResponse(responseCode = "404", ref = ApiDocumentation.NOT_FOUND_RESPONSE)
    @ApiResponse(responseCode = "409", ref = ApiDocumentation.CONFLICT_RESPONSE)
    @ApiResponse(responseCode = "503", ref = ApiDocumentation.UNAVAILABLE_RESPONSE)
    public Mono<VersionList> setDefault(@ModelParameter @PathVariable String name, @RequestBody DefaultVersion body) {
        ModelDescriptor model = model(name);
        int version = required(body == null ? null : body.version(), "version");
        return checked(name, versions -> versions.withDefault(version))
                .then(views.requireLoaded(name, version))
                .then(change(model, versions -> versions.withDefault(version)));
    }

    @PutMapping(path = BASE + "/canary", consumes = MediaType.APPLICATION_JSON_VALUE)
    @Operation(operationId = "setModelCanary", summary = "Send a share of the jobs to a candidate version",
            description = "The version takes `share` of the jobs that name no version, split exactly by a counter on"
                    + " each gateway. Refused (409) until every live worker serving the model has it loaded.")
    @ApiResponse(responseCode = "200", description = "The versions")
    @ApiResponse(responseCode = "400", ref = ApiDocumentation.BAD_REQUEST_RESPONSE)
    @ApiResponse(responseCode = "404", ref = ApiDocumentation.NOT_FOUND_RESPONSE)
    @ApiResponse(responseCode = "409", ref = ApiDocumentation.CONFLICT_RESPONSE)
    @ApiResponse(responseCode = "503", ref = ApiDocumentation.UNAVAILABLE_RESPONSE)
    public Mono<VersionList> setCanary(@ModelParameter @PathVariable String name, @RequestBody CanaryRequest body) {
        ModelDescriptor model = model(name);
        int version = required(body == null ? null : body.version(), "version");
        if (body.share() == null) {
            throw ApiException.badRequest("the body must give the canary's 'share', more than 0 and less than 1");
        }
        double share = body.share();
        return checked(name, versions -> versions.withCanary(version, share))
                .then(views.requireLoaded(name, version))
                .then(change(model, versions -> versions.withCanary(version, share)));
    }

    @DeleteMapping(BASE + "/canary")
    @Operation(operationId = "endModelCanary", summary = "End the canary",
            description = "Every job that names no version goes to the default again.")
    @ApiResponse(responseCode = "200", description = "The versions")
    @ApiResponse(responseCode = "404", ref = ApiDocumentation.NOT_FOUND_RESPONSE)
    @ApiResponse(responseCode = "503", ref = ApiDocumentation.UNAVAILABLE_RESPONSE)
    public Mono<VersionList> endCanary(@ModelParameter @PathVariable String name) {
        return change(model(name), ModelVersions::withoutCanary);
    }

    @DeleteMapping(BASE + "/versions/{version}")
    @Operation(operationId = "retireModelVersion", summary = "Retire a version",
            description = "No job goes to it any more; workers unload it once its batches in progress end, and its"
                    + " jobs still queued run on the default version, whose number their records then name. The"
                    + " default and the canary cannot be retired (409).")
    @ApiResponse(responseCode = "200", description = "The versions")
    @ApiResponse(responseCode = "404", ref = ApiDocumentation.NOT_FOUND_RESPONSE)
    @ApiResponse(responseCode = "409", ref = ApiDocumentation.CONFLICT_RESPONSE)
    @ApiResponse(responseCode = "503", ref = ApiDocumentation.UNAVAILABLE_RESPONSE)
    public Mono<VersionList> retire(@ModelParameter @PathVariable String name,
            @Parameter(description = "The version's number", example = "1") @PathVariable String version) {
        ModelDescriptor model = model(name);
        Integer number = ModelRef.parse(name + "@" + version).version();
        if (number < 1) {
            throw new ApiException(HttpStatus.NOT_FOUND, "Unknown model version",
                    "model '" + name + "' has no version '" + version + "'");
        }
        return change(model, versions -> versions.retire(number, clock.instant()));
    }

    /** Applies {@code change} in Redis and routes by the result at once; answers the versions as listed. */
    private Mono<VersionList> change(ModelDescriptor model, UnaryOperator<ModelVersions> change) {
        return unavailableWithoutRedis(store.update(model.name(), change)
                .doOnNext(router::adopt)
                .then(views.list(model, true)));
    }

    /**
     * Fails as {@code change} would on the versions stored now: a change that cannot be made is refused for what it
     * is before the workers are asked whether they have the version.
     */
    private Mono<Void> checked(String model, UnaryOperator<ModelVersions> change) {
        return unavailableWithoutRedis(store.read(model).map(change)).then();
    }

    private ModelDescriptor model(String name) {
        return catalog.find(name).orElseThrow(() -> ApiException.unknownModel(name, catalog.names()));
    }

    private static Path folder(String path) {
        try {
            return Path.of(path);
        } catch (InvalidPathException e) {
            throw new VersionChangeException(VersionChangeException.Kind.INVALID, "'" + path + "' is no path");
        }
    }

    private static int required(Integer value, String field) {
        if (value == null) {
            throw ApiException.badRequest("the body must give the '" + field + "' (a version number)");
        }
        return value;
    }

    static ApiException problem(VersionChangeException e) {
        return switch (e.kind()) {
            case NOT_FOUND -> new ApiException(HttpStatus.NOT_FOUND, "Unknown model version", e.getMessage());
            case CONFLICT -> ApiException.conflict(e.getMessage());
            case INVALID -> ApiException.badRequest(e.getMessage());
        };
    }

    private <T> Mono<T> unavailableWithoutRedis(Mono<T> answer) {
        return answer.onErrorMap(VersionChangeException.class, AdminVersionsController::problem)
                .onErrorMap(e -> !(e instanceof ApiException), e -> ApiException.unavailable(
                        "the model version store (Redis) did not answer; retry later", retryAfter, e));
    }

    /** The model's name in an admin route. */
    @Target(ElementType.PARAMETER)
    @Retention(RetentionPolicy.RUNTIME)
    @Parameter(description = "A model's name, as `GET /v1/models` lists them", example = "sentiment")
    @interface ModelParameter {
    }
}
