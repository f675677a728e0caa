package dev.inferq.worker.inference;

import ai.djl.ModelException;
import dev.inferq.common.image.ImagePolicy;
import dev.inferq.common.model.ModelDescriptor;
import dev.inferq.common.model.ModelTask;
import dev.inferq.worker.compute.ComputeScheduler.Workload;
import java.io.IOException;

/**
 * What the worker needs to serve a model of each {@link ModelTask}, in one place: how one of its variants loads, ready
 * to be timed ({@link ClassifierTrial}); how a job's input becomes the model's ({@link InputReader}); and which kind of
 * work its forward passes are for the compute scheduler. The one {@code switch} on the task has no default, so a new
 * task does not compile until it has all three.
 *
 * @param <I> the model's input type
 */
record TaskSupport<I>(TrialLoader<I> trials, InputReader<I> reader, Workload workload) {

    /** Loads one variant of the model (its descriptor with the variant applied) with its sample input. */
    interface TrialLoader<I> {
        ClassifierTrial<I> load(ModelDescriptor variant) throws ModelException, IOException;
    }

    static TaskSupport<?> of(ModelDescriptor model, ImagePolicy images) {
        return switch (model.task()) {
            // Short passes a client waits on.
            case TEXT_CLASSIFICATION -> new TaskSupport<>(
                    variant -> ClassifierTrial.ofText(TextClassifier.load(variant)),
                    new TextInputReader(), Workload.LATENCY);
            // Long passes, run a few images at a time beside text passes.
            case IMAGE_CLASSIFICATION -> new TaskSupport<>(
                    variant -> ClassifierTrial.ofImage(ImageClassifier.load(variant)),
                    new ImageInputReader(images, ImagePreparer.of(model)), Workload.BULK);
        };
    }
}
