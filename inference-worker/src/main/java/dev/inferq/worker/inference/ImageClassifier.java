package dev.inferq.worker.inference;

import ai.djl.ModelException;
import ai.djl.modality.Classifications;
import ai.djl.modality.cv.Image;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.Translator;
import ai.djl.translate.TranslatorContext;
import dev.inferq.common.model.ModelDescriptor;
import dev.inferq.contract.Prediction;
import java.io.IOException;
import java.util.List;

/**
 * An image classifier taking RGB {@code [batch, 3, height, width]} scaled to 0..1 and normalised with the
 * {@code mean}/{@code std} of its {@code serving.properties}; each prediction holds the {@code topK} best labels.
 *
 * <p>Its forward passes take {@link PreparedImage}s ({@link #prepared()}): the worker decodes, resizes and normalises
 * each image once, before the pass ({@link ImagePreparer}), and the pass's translator only copies the values into the
 * input tensor; there is no second resize inside DJL. Classifying decoded {@link Image}s prepares them first, the same
 * way.
 */
public final class ImageClassifier implements Classifier<Image> {

    private static final int DEFAULT_TOP_K = 5;

    private final Prepared prepared;
    private final ImagePreparer preparer;

    private ImageClassifier(Prepared prepared, ImagePreparer preparer) {
        this.prepared = prepared;
        this.preparer = preparer;
    }

    /** Loads the model in {@code descriptor}'s folder. */
    public static ImageClassifier load(ModelDescriptor descriptor) throws ModelException, IOException {
        ImagePreparer preparer = ImagePreparer.of(descriptor);
        Criteria<PreparedImage, Classifications> criteria = Criteria.builder()
                .setTypes(PreparedImage.class, Classifications.class)
                .optModelPath(descriptor.directory())
                .optModelName(DjlClassifier.modelFileName(descriptor))
                .optEngine(DjlClassifier.engine(descriptor))
                // The catalog's labels: the same list, in the same order, that the gateway shows clients.
                .optTranslator(new PreparedImageTranslator(descriptor.labels(), preparer))
                .build();
        int topK = Math.min(descriptor.property("topK").map(String::trim).map(Integer::parseInt)
                .orElse(DEFAULT_TOP_K), descriptor.labels().size());
        return new ImageClassifier(new Prepared(descriptor.name(), criteria.loadModel(), topK), preparer);
    }

    @Override
    public String name() {
        return prepared.name();
    }

    /** Prepares {@code inputs} ({@link #preparer()}) and classifies them in one forward pass. */
    @Override
    public List<Prediction> classify(List<Image> inputs) {
        return prepared.classify(inputs.stream().map(preparer::prepare).toList());
    }

    /** This model taking images already prepared: what the worker's forward passes call. */
    public Classifier<PreparedImage> prepared() {
        return prepared;
    }

    /** How this model's inputs are prepared. */
    public ImagePreparer preparer() {
        return preparer;
    }

    @Override
    public void close() {
        prepared.close();
    }

    private static final class Prepared extends DjlClassifier<PreparedImage> {

        Prepared(String name, ZooModel<PreparedImage, Classifications> model, int topK) {
            super(name, model, topK);
        }
    }

    /** Copies prepared values into the input tensor; softmax over the logits, labelled with the catalog's labels. */
    private record PreparedImageTranslator(List<String> labels, ImagePreparer preparer)
            implements Translator<PreparedImage, Classifications> {

        @Override
        public NDList processInput(TranslatorContext ctx, PreparedImage input) {
            if (input.width() != preparer.width() || input.height() != preparer.height()) {
                throw new IllegalArgumentException("the model takes " + preparer.width() + " x " + preparer.height()
                        + " images, this one was prepared at " + input.width() + " x " + input.height());
            }
            return new NDList(ctx.getNDManager().create(input.pixels(), new Shape(3, input.height(), input.width())));
        }

        @Override
        public Classifications processOutput(TranslatorContext ctx, NDList list) {
            return new Classifications(labels, list.singletonOrThrow().softmax(0));
        }
    }
}
