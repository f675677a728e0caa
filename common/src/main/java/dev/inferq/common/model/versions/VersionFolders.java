package dev.inferq.common.model.versions;

import dev.inferq.common.model.ModelCatalog;
import dev.inferq.common.model.ModelDescriptor;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The folder each version of a model is served from, read as a {@link ModelDescriptor} under the model's name (so that
 * a copy in a folder of any name serves as the model): version 1 is the model's folder in {@code MODELS_DIR}, an
 * added version its own folder. Only metadata is read here, as {@link ModelCatalog} does.
 */
public final class VersionFolders {

    private VersionFolders() {
    }

    /** The descriptor of {@code version} of the model {@code base} describes (its folder in the models folder). */
    public static ModelDescriptor descriptor(ModelDescriptor base, ModelVersion version) {
        return version.path() == null ? base : read(base, Path.of(version.path()));
    }

    /**
     * Reads {@code folder} as a new version of {@code base}'s model: an absolute path to a model folder (with
     * {@code serving.properties}) of the same task. Fails with a {@link VersionChangeException} saying what is wrong.
     */
    public static ModelDescriptor read(ModelDescriptor base, Path folder) {
        if (!folder.isAbsolute()) {
            throw invalid("the folder must be an absolute path (gateways and workers may run in other folders), was "
                    + folder);
        }
        if (!Files.isRegularFile(folder.resolve(ModelCatalog.SERVING_PROPERTIES))) {
            throw invalid("folder " + folder + " is no model folder readable here: it has no "
                    + ModelCatalog.SERVING_PROPERTIES);
        }
        ModelDescriptor read;
        try {
            read = ModelCatalog.read(folder);
        } catch (RuntimeException e) {
            throw invalid("folder " + folder + " cannot be read as a model: " + e.getMessage());
        }
        if (read.task() != base.task()) {
            throw invalid("folder " + folder + " holds a " + read.task().apiName() + " model, but model '"
                    + base.name() + "' is " + base.task().apiName());
        }
        return new ModelDescriptor(base.name(), read.task(), read.labels(), read.directory(), read.properties(),
                read.card());
    }

    private static VersionChangeException invalid(String message) {
        return new VersionChangeException(VersionChangeException.Kind.INVALID, message);
    }
}
