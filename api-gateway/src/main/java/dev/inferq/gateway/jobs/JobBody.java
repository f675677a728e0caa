package dev.inferq.gateway.jobs;

import io.swagger.v3.oas.annotations.media.ArraySchema;
import io.swagger.v3.oas.annotations.media.Schema;
import java.util.List;

/**
 * The JSON body of a job: {@code {"inputs": ["...", ...]}} for text models, {@code {"url": "https://..."}} for the
 * image model; either may add {@code "timeout_s": 30}, the seconds within which a worker must start the job, and
 * {@code "callback_url"}, where the finished job is POSTed.
 */
@Schema(description = "A job: `inputs` for a text model, `url` for the image model")
public record JobBody(
        @ArraySchema(arraySchema = @Schema(description = "The texts to classify, one prediction each, in order"
                + " (1 to inferq.gateway.max-inputs, each at most max-text-chars characters)"),
                schema = @Schema(minLength = 1, example = "I loved it"), minItems = 1)
        List<String> inputs,
        @Schema(description = "An http(s) URL of the image, which the gateway downloads", format = "uri",
                example = "https://example.org/photo.jpg")
        String url,
        @Schema(description = "Seconds within which a worker must start the job, or it ends EXPIRED",
                minimum = "1", example = "30")
        Integer timeoutS,
        @Schema(description = "An http(s) URL that gets the job's terminal record as a signed POST (Standard"
                + " Webhooks: webhook-id, webhook-timestamp, webhook-signature)", format = "uri",
                example = "https://example.org/hooks/inferq")
        String callbackUrl) {
}
