package dev.inferq.gateway.legacy;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import dev.inferq.contract.JobRecord;
import dev.inferq.contract.Prediction;
import io.swagger.v3.oas.annotations.media.Schema;
import java.time.Duration;
import java.util.List;

/** Answers of the legacy API, field for field and in the legacy order. */
final class LegacyResponses {

    private LegacyResponses() {
    }

    /** The legacy answer of the text endpoints: one label and one score per input text, in order. */
    @JsonPropertyOrder({"user_id", "text", "model_name", "sentiment", "score", "prediction_time"})
    @Schema(name = "LegacyTextResponse")
    record TextResponse(String userId, List<String> text, String modelName, List<String> sentiment,
            List<Double> score, long predictionTime) {

        static TextResponse of(LegacyRequests.TextRequest request, String modelName, JobRecord done) {
            return new TextResponse(request.userId(), request.text(), modelName,
                    done.predictions().stream().map(Prediction::label).toList(),
                    done.predictions().stream().map(Prediction::score).toList(),
                    predictionMillis(done));
        }
    }

    /** The legacy answer of the image endpoint: the classified image's top labels with scores, best first. */
    @JsonPropertyOrder({"user_id", "url", "model_name", "label", "score", "prediction_time"})
    @Schema(name = "LegacyImageResponse")
    record ImageResponse(String userId, List<String> url, String modelName, List<String> label, List<Double> score,
            long predictionTime) {

        static ImageResponse of(LegacyRequests.ImageRequest request, String modelName, JobRecord done) {
            List<Prediction.LabelScore> top = done.predictions().get(0).scores();
            return new ImageResponse(request.userId(), request.url(), modelName,
                    top.stream().map(Prediction.LabelScore::label).toList(),
                    top.stream().map(Prediction.LabelScore::score).toList(),
                    predictionMillis(done));
        }
    }

    /** Like the legacy {@code prediction_time}: the model's time on the job, not the time spent queued. */
    private static long predictionMillis(JobRecord done) {
        return Duration.between(done.startedAt(), done.finishedAt()).toMillis();
    }
}
