package dev.inferq.gateway.legacy;

import dev.inferq.gateway.metrics.SubmitRoutes;
import java.util.Map;
import org.springframework.http.server.PathContainer;
import org.springframework.stereotype.Component;

/** The legacy submit routes, one per model, as {@code inferq.gateway.seed.*} configures them. */
@Component
class LegacySubmitRoutes implements SubmitRoutes {

    private final Map<String, String> models;

    LegacySubmitRoutes(LegacyApiProperties properties) {
        this.models = Map.of(
                LegacyController.DISASTER_PATH, properties.disasterModel(),
                LegacyController.SENTIMENT_PATH, properties.sentimentModel(),
                LegacyController.IMAGE_PATH, properties.imageModel());
    }

    @Override
    public String model(PathContainer path) {
        return models.get(path.value());
    }
}
