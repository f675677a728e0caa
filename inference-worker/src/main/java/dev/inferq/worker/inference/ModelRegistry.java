package dev.inferq.worker.inference;

import ai.djl.ModelException;
import dev.inferq.common.image.ImagePolicy;
import dev.inferq.common.model.ModelCatalog;
import dev.inferq.common.model.ModelDescriptor;
import dev.inferq.worker.WorkerProperties;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * The models this worker serves, each loaded once when the application starts and closed when it stops. Loading
 * happens in the constructor, so the application (and its health endpoint) is only up once every model is.
 */
@Component
public class ModelRegistry implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ModelRegistry.class);

    private final List<ServedModel<?>> models;

    public ModelRegistry(ModelCatalog catalog, WorkerProperties properties, ImagePolicy images) {
        if (properties.intraOpThreads() > 0) {
            // Read by the PyTorch engine once, when it loads: i.e. with the first model below.
            System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(properties.intraOpThreads()));
        }
        System.setProperty("ai.djl.pytorch.graph_optimizer", Boolean.toString(properties.graphOptimizer()));
        List<ServedModel<?>> loaded = new ArrayList<>();
        try {
            for (ModelDescriptor descriptor : catalog.only(properties.models()).all()) {
                loaded.add(load(descriptor, images));
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

    @Override
    public void close() {
        models.forEach(model -> model.classifier().close());
    }

    private static ServedModel<?> load(ModelDescriptor descriptor, ImagePolicy images) {
        long start = System.nanoTime();
        try {
            ServedModel<?> model = switch (descriptor.task()) {
                case TEXT_CLASSIFICATION -> new ServedModel<>(TextClassifier.load(descriptor), new TextInputReader(),
                        DjlClassifier.modelFileName(descriptor), DjlClassifier.engine(descriptor));
                case IMAGE_CLASSIFICATION ->
                        new ServedModel<>(ImageClassifier.load(descriptor), new ImageInputReader(images),
                                DjlClassifier.modelFileName(descriptor), DjlClassifier.engine(descriptor));
            };
            // engine and file come from serving.properties (engine, option.modelName): e.g. image_bf16 vs image
            log.info("Loaded model '{}' ({}) from {} ({} engine, file '{}') in {} ms", descriptor.name(),
                    descriptor.task().apiName(), descriptor.directory(), DjlClassifier.engine(descriptor),
                    DjlClassifier.modelFileName(descriptor), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
            return model;
        } catch (ModelException | IOException | RuntimeException e) {
            throw new IllegalStateException("cannot load model '" + descriptor.name() + "' from model folder "
                    + descriptor.directory() + ": " + e.getMessage(), e);
        }
    }
}
