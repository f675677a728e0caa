package dev.inferq.client;

import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;

/**
 * A model as {@code GET /v1/models} and {@code GET /v1/models/{name}} describe it: its {@code name} (the
 * {@code model} of a submit), {@code task} ({@code text-classification} or {@code image-classification}), its
 * {@code labels} in the order of the scores, and where its {@code weights} come from. The rest (the workers serving
 * it, and for one model its card and live figures) changes with the gateway's versions, so it stays JSON in
 * {@code json}, the whole answer for this model.
 */
public record ModelInfo(String name, String task, List<String> labels, String weights, JsonNode json) {

    public ModelInfo {
        labels = List.copyOf(labels);
    }

    static ModelInfo of(JsonNode model) {
        List<String> labels = new ArrayList<>();
        model.path("labels").forEach(label -> labels.add(label.asString()));
        return new ModelInfo(model.path("name").asString(), model.path("task").asString(), labels,
                weights(model), model);
    }

    /** The list names the weights' origin at the top; one model's answer has it inside its card. */
    private static String weights(JsonNode model) {
        JsonNode weights = model.has("weights") ? model.get("weights") : model.path("card").path("weights");
        return weights.isNull() || weights.isMissingNode() ? null : weights.asString();
    }
}
