package dev.inferq.gateway.legacy;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Settings of the synchronous API kept for the clients of the system inferq replaced ({@code inferq.gateway.seed.*}).
 *
 * @param resultWait how long a request waits for its job's result before answering 202 with the job's link
 * @param disasterModel the model behind {@code /api/v1/disaster_classification}
 * @param sentimentModel the model behind {@code /api/v1/sentiment_classification}
 * @param imageModel the model behind {@code /api/v1/image_classification}
 */
// The prefix keeps its first name, "seed": deployments already set these keys.
@ConfigurationProperties("inferq.gateway.seed")
public record LegacyApiProperties(
        @DefaultValue("120s") Duration resultWait,
        @DefaultValue("disaster") String disasterModel,
        @DefaultValue("sentiment") String sentimentModel,
        @DefaultValue("image") String imageModel) {
}
