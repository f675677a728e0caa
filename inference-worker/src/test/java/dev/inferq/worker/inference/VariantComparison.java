package dev.inferq.worker.inference;

import ai.djl.modality.cv.Image;
import dev.inferq.common.model.ModelDescriptor;
import dev.inferq.contract.Prediction;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Runs a model variant and its baseline on the same images and measures how far the variant's answers drift. */
record VariantComparison(int images, int sameTopLabel, double maxProbabilityDiff) {

    double agreement() {
        return (double) sameTopLabel / images;
    }

    /** {@code descriptor} with {@code overrides} applied to its serving.properties, as an operator would edit them. */
    static ModelDescriptor withProperties(ModelDescriptor descriptor, Map<String, String> overrides) {
        Map<String, String> properties = new HashMap<>(descriptor.properties());
        properties.putAll(overrides);
        return new ModelDescriptor(descriptor.name(), descriptor.task(), descriptor.labels(), descriptor.directory(),
                properties);
    }

    /** Classifies {@code images} with both (every label scored) in batches of {@code batch}, and compares. */
    static VariantComparison of(ModelDescriptor baseline, ModelDescriptor variant, List<Image> images, int batch)
            throws Exception {
        Map<String, String> allLabels = Map.of("topK", Integer.toString(baseline.labels().size()));
        try (ImageClassifier reference = ImageClassifier.load(withProperties(baseline, allLabels));
             ImageClassifier candidate = ImageClassifier.load(withProperties(variant, allLabels))) {
            int same = 0;
            double maxDiff = 0;
            for (int i = 0; i < images.size(); i += batch) {
                List<Image> slice = images.subList(i, Math.min(images.size(), i + batch));
                List<Prediction> expected = reference.classify(slice);
                List<Prediction> actual = candidate.classify(slice);
                for (int j = 0; j < slice.size(); j++) {
                    same += expected.get(j).label().equals(actual.get(j).label()) ? 1 : 0;
                    Map<String, Double> scores = scores(actual.get(j));
                    for (Prediction.LabelScore s : expected.get(j).scores()) {
                        maxDiff = Math.max(maxDiff, Math.abs(s.score() - scores.get(s.label())));
                    }
                }
            }
            return new VariantComparison(images.size(), same, maxDiff);
        }
    }

    private static Map<String, Double> scores(Prediction prediction) {
        Map<String, Double> scores = new HashMap<>();
        prediction.scores().forEach(s -> scores.put(s.label(), s.score()));
        return scores;
    }
}
