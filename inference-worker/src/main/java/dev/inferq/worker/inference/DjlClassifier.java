package dev.inferq.worker.inference;

import ai.djl.inference.Predictor;
import ai.djl.modality.Classifications;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.TranslateException;
import dev.inferq.common.model.ModelDescriptor;
import dev.inferq.contract.Prediction;
import java.util.Deque;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;

/** A {@link Classifier} backed by a DJL model whose translator answers {@link Classifications}. */
abstract class DjlClassifier<I> implements Classifier<I> {

    private final String name;
    private final ZooModel<I, Classifications> model;
    private final int topK;
    // A DJL Predictor is not thread-safe (it keeps per-call state) while the model is. Each concurrent caller borrows
    // a predictor of its own and returns it: there are never more than the consumer threads calling, they are reused
    // from batch to batch, and no call waits on another's forward pass.
    private final Deque<Predictor<I, Classifications>> idle = new ConcurrentLinkedDeque<>();
    private final Queue<Predictor<I, Classifications>> created = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean closed = new AtomicBoolean();

    DjlClassifier(String name, ZooModel<I, Classifications> model, int topK) {
        this.name = name;
        this.model = model;
        this.topK = topK;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public List<Prediction> classify(List<I> inputs) {
        if (inputs.isEmpty()) {
            return List.of();
        }
        Predictor<I, Classifications> predictor = borrow();
        try {
            return predictor.batchPredict(inputs).stream().map(this::toPrediction).toList();
        } catch (TranslateException | RuntimeException e) {
            // Anything the model or its translator throws for these inputs would be thrown again on a retry.
            throw new InferenceException("model '" + name + "' could not classify " + inputs.size() + " input(s): "
                    + e.getMessage(), e);
        } finally {
            idle.push(predictor);
        }
    }

    /**
     * Closes once, whoever asks first: a model version unloaded at run time ({@code versions.ModelVersionSet}) may be
     * the one the registry loaded at start, which the registry closes again as the worker stops.
     */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            created.forEach(Predictor::close);
            model.close();
        }
    }

    private Predictor<I, Classifications> borrow() {
        Predictor<I, Classifications> predictor = idle.poll();
        if (predictor == null) {
            predictor = model.newPredictor();
            created.add(predictor);
        }
        return predictor;
    }

    private Prediction toPrediction(Classifications classifications) {
        List<Prediction.LabelScore> ranked = classifications.<Classifications.Classification>topK(topK).stream()
                .map(c -> new Prediction.LabelScore(c.getClassName(), c.getProbability()))
                .toList();
        return Prediction.fromRanked(ranked);
    }

    /**
     * The model file's name without extension ({@code .pt} for PyTorch): {@code option.modelName}, else the folder
     * name. The image model folder holds a float32 {@code image} and a bfloat16 {@code image_bf16} (models/README.md).
     */
    static String modelFileName(ModelDescriptor descriptor) {
        return descriptor.property("option.modelName").orElse(descriptor.name());
    }

    static String engine(ModelDescriptor descriptor) {
        return descriptor.property("engine").orElse("PyTorch");
    }
}
