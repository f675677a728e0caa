package dev.inferq.worker.inference;

import ai.djl.modality.cv.ImageFactory;
import dev.inferq.worker.inference.variant.VariantSelector;
import java.awt.Color;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.time.Duration;
import java.util.Collections;
import java.util.List;

/**
 * A loaded {@link Classifier} timed on fixed sample inputs, the same for every candidate of a model: a forward pass
 * at a batch size classifies that many copies of the sample, including the translator's pre- and post-processing,
 * as a batch of jobs would.
 */
public final class ClassifierTrial<I> implements VariantSelector.Trial<Classifier<I>> {

    /** A tweet-length text: text models are timed at the length most of their jobs have. */
    static final String SAMPLE_TEXT = "Forest fire near La Ronge Sask. Canada: residents asked to shelter in place "
            + "as smoke spreads over the highway";
    /** The size the image models take, so that the resize costs nothing that jobs of other sizes would not. */
    static final int SAMPLE_IMAGE_SIZE = 224;

    private final Classifier<I> classifier;
    private final I sample;

    public ClassifierTrial(Classifier<I> classifier, I sample) {
        this.classifier = classifier;
        this.sample = sample;
    }

    public static ClassifierTrial<String> ofText(Classifier<String> classifier) {
        return new ClassifierTrial<>(classifier, SAMPLE_TEXT);
    }

    /** Times the passes jobs run: on an image prepared beforehand, as the worker prepares each job's image. */
    public static ClassifierTrial<PreparedImage> ofImage(ImageClassifier classifier) {
        BufferedImage picture = new BufferedImage(SAMPLE_IMAGE_SIZE, SAMPLE_IMAGE_SIZE, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = picture.createGraphics();
        g.setPaint(new GradientPaint(0, 0, new Color(40, 90, 160), SAMPLE_IMAGE_SIZE, SAMPLE_IMAGE_SIZE,
                new Color(230, 200, 120)));
        g.fillRect(0, 0, SAMPLE_IMAGE_SIZE, SAMPLE_IMAGE_SIZE);
        g.setColor(new Color(200, 40, 40));
        g.fillOval(60, 50, 100, 120);
        g.dispose();
        return new ClassifierTrial<>(classifier.prepared(),
                classifier.preparer().prepare(ImageFactory.getInstance().fromImage(picture)));
    }

    @Override
    public Classifier<I> model() {
        return classifier;
    }

    @Override
    public Duration pass(int batchSize) {
        List<I> batch = Collections.nCopies(batchSize, sample);
        long start = System.nanoTime();
        classifier.classify(batch);
        return Duration.ofNanos(System.nanoTime() - start);
    }

    @Override
    public void close() {
        classifier.close();
    }
}
