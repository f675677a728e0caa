package dev.inferq.gateway.seed;

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
@ConfigurationProperties("inferq.gateway.seed")
public record SeedApiProperties(
        @DefaultValue("120s") Duration resultWait,
        @DefaultValue("disaster") String disasterModel,
        @DefaultValue("sentiment") String sentimentModel,
        @DefaultValue("image") String imageModel) {
}
