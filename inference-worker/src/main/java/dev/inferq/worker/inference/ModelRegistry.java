package dev.inferq.worker.inference;

import dev.inferq.common.image.ImagePolicy;
import dev.inferq.common.model.ModelCatalog;
import dev.inferq.common.model.ModelDescriptor;
import dev.inferq.worker.WorkerProperties;
import dev.inferq.worker.inference.variant.CpuFeatures;
import dev.inferq.worker.inference.variant.ModelVariant;
import dev.inferq.worker.inference.variant.ModelVariants;
import dev.inferq.worker.inference.variant.VariantSelector;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * The models this worker serves, each loaded once when the application starts and closed when it stops. Loading
 * happens in the constructor, so the application (and its health endpoint) is only up once every model is. Where a
 * model folder lists several variants, the one served is chosen here, on this machine's CPU ({@link VariantSelector}).
 * What differs by task (loading, reading inputs, the kind of forward pass) comes from {@link TaskSupport}. These are
 * the models' first versions; further versions are loaded the same way, later, by {@link #loadVersion}.
 */
@Component
public class ModelRegistry implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ModelRegistry.class);

    private final List<ServedModel<?>> models;
    private final ImagePolicy images;
    private final WorkerProperties properties;
    private final VariantSelector selector;

    public ModelRegistry(ModelCatalog catalog, WorkerProperties properties, ImagePolicy images) {
        if (properties.intraOpThreads() > 0) {
            // Read by the PyTorch engine once, when it loads: i.e. with the first model below.
            System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(properties.intraOpThreads()));
        }
        System.setProperty("ai.djl.pytorch.graph_optimizer", Boolean.toString(properties.graphOptimizer()));
        properties.variant().keySet().stream().filter(model -> catalog.find(model).isEmpty()).findFirst()
                .ifPresent(model -> {
                    throw new IllegalStateException("inferq.worker.variant." + model + " pins a variant of model '"
                            + model + "', which is not in the models folder; its models are " + catalog.names());
                });
        this.images = images;
        this.properties = properties;
        CpuFeatures cpu = CpuFeatures.ofThisMachine();
        log.info("CPU flags that decide model variants: {}", cpu.summary());
        this.selector = new VariantSelector(cpu, properties.variantSelection().budget());
        List<ServedModel<?>> loaded = new ArrayList<>();
        try {
            for (ModelDescriptor descriptor : catalog.only(properties.models()).all()) {
                loaded.add(load(descriptor, images, properties, selector));
            }
        } catch (RuntimeException e) {
            loaded.forEach(model -> model.classifier().close());
            throw e;
        }
        this.models = List.copyOf(loaded);
    }

    /** The served models, in the catalog's order. */
    public List<ServedModel<?>> models() {
        return models;
    }

    /**
     * Loads another version of a served model ({@code descriptor}: its folder, under the model's name), choosing its
     * variant as at start. The caller owns the answer and closes its classifier when the version is unloaded.
     */
    public ServedModel<?> loadVersion(ModelDescriptor descriptor) {
        return load(descriptor, images, properties, selector);
    }

    @Override
    public void close() {
        models.forEach(model -> model.classifier().close());
    }

    private static ServedModel<?> load(ModelDescriptor descriptor, ImagePolicy images, WorkerProperties properties,
            VariantSelector selector) {
        long start = System.nanoTime();
        try {
            List<ModelVariant> candidates = ModelVariants.of(descriptor);
            Optional<String> pinned = Optional.ofNullable(properties.variant().get(descriptor.name()));
            ServedModel<?> model = serve(descriptor, TaskSupport.of(descriptor, images),
                    BatchPolicy.of(descriptor, properties), candidates, pinned, selector);
            log.info("Loaded model '{}' ({}) from {} ({} engine, file '{}', {}) in {} ms", descriptor.name(),
                    descriptor.task().apiName(), descriptor.directory(), model.engine(), model.variant(),
                    model.selection(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
            return model;
        } catch (RuntimeException e) {
            throw new IllegalStateException("cannot load model '" + descriptor.name() + "' from model folder "
                    + descriptor.directory() + ": " + e.getMessage(), e);
        }
    }

    /** Chooses the variant to serve, each candidate loaded and timed as {@code support} says. */
    private static <I> ServedModel<I> serve(ModelDescriptor descriptor, TaskSupport<I> support, BatchPolicy policy,
            List<ModelVariant> candidates, Optional<String> pinned, VariantSelector selector) {
        VariantSelector.Selection<Classifier<I>> selection = selector.select(descriptor.name(), candidates, pinned,
                List.of(1, policy.maxBatchSize()), variant -> support.trials().load(variant.applyTo(descriptor)));
        if (selection.rows().size() > 1) {
            log.info("Variants of model '{}' (ms per forward pass, fastest of the timed passes):\n{}",
                    selection.model().name(), selection.table());
        }
        return new ServedModel<>(selection.model(), support.reader(), policy, support.workload(),
                selection.variant().name(), selection.variant().engine(), selection.how(), selection.msPerBatch());
    }
}
