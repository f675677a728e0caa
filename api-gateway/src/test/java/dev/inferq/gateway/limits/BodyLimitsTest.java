package dev.inferq.gateway.limits;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.inferq.common.image.ImagePolicy;
import dev.inferq.gateway.GatewayProperties;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.util.unit.DataSize;

class BodyLimitsTest {

    private static final GatewayProperties GATEWAY = new GatewayProperties(64, 4096, Duration.ofSeconds(10),
            Duration.ofSeconds(5), Duration.ofSeconds(15), Duration.ofSeconds(2), Duration.ofHours(24),
            Duration.ofSeconds(60));
    private static final ImagePolicy IMAGES = new ImagePolicy(10 * 1024 * 1024, 50_000_000);

    private final BodyLimits limits = new BodyLimits(GATEWAY, IMAGES, defaults());

    @Test
    void textRoutesTakeSixtyFourTextsOfEscapedCharactersAndNoMore() {
        long texts = 64L * 4096 * 6 + BodyLimits.FRAMING_BYTES;
        assertThat(limits.of(HttpMethod.POST, "/v1/models/sentiment/jobs", MediaType.APPLICATION_JSON).bytes())
                .isEqualTo(texts);
        assertThat(limits.of(HttpMethod.POST, "/api/v1/sentiment_classification", null).bytes()).isEqualTo(texts);
        assertThat(limits.of(HttpMethod.POST, "/v1/models/sentiment/jobs", null).setting())
                .isEqualTo("inferq.gateway.max-inputs, inferq.gateway.max-text-chars");
        assertThat(limits.largestJobMessage()).isGreaterThan(texts);
    }

    @Test
    void imageRoutesTakeTheImageLimitAndEverythingElseIsSmall() {
        long image = 10L * 1024 * 1024 + BodyLimits.FRAMING_BYTES;
        assertThat(limits.of(HttpMethod.POST, "/v1/models/image/jobs", MediaType.MULTIPART_FORM_DATA).bytes())
                .isEqualTo(image);
        assertThat(limits.of(HttpMethod.POST, "/v1/models/image/jobs", MediaType.IMAGE_PNG).bytes()).isEqualTo(image);
        assertThat(limits.of(HttpMethod.POST, "/api/v1/image_classification", MediaType.APPLICATION_JSON).bytes())
                .isEqualTo(64 * 1024);
        assertThat(limits.of(HttpMethod.POST, "/v1/admin/keys", MediaType.APPLICATION_JSON).setting())
                .isEqualTo("inferq.gateway.limits.other-body-max-bytes");
        assertThat(limits.of(HttpMethod.GET, "/v1/models/image/jobs", null).bytes()).isEqualTo(64 * 1024);
        assertThat(limits.of(HttpMethod.POST, "/v1/models/a/b/jobs", MediaType.IMAGE_PNG).bytes())
                .isEqualTo(64 * 1024);
        assertThat(limits.largest()).isEqualTo((int) image);
    }

    @Test
    void settingsThatCannotWorkAreRefusedAtStart() {
        assertThatThrownBy(() -> new LimitsProperties.Streams(10, 20))
                .hasMessageContaining("inferq.gateway.limits.streams");
        assertThatThrownBy(() -> new LimitsProperties.Downloads(0, 0, Duration.ZERO, 0, 0))
                .hasMessageContaining("inferq.gateway.limits.downloads");
        assertThatThrownBy(() -> new LimitsProperties.Downloads(16, 4, Duration.ofSeconds(-1), 256, 64))
                .hasMessageContaining("inferq.gateway.limits.downloads.wait");
        assertThatThrownBy(() -> new LimitsProperties.Downloads(16, 4, Duration.ofSeconds(2), 8, 64))
                .hasMessageContaining("inferq.gateway.limits.downloads.queued-per-tenant");
        assertThatThrownBy(() -> new LimitsProperties.Connections(Duration.ZERO, Duration.ofSeconds(1),
                Duration.ofSeconds(1), Duration.ofSeconds(1), 1)).hasMessageContaining("timeouts");
    }

    static LimitsProperties defaults() {
        return new LimitsProperties(new LimitsProperties.Connections(Duration.ofSeconds(60), Duration.ofSeconds(10),
                Duration.ofSeconds(10), Duration.ofSeconds(60), 8192), new LimitsProperties.Json(16, 1024),
                new LimitsProperties.Multipart(4, DataSize.ofKilobytes(8)), DataSize.ofKilobytes(64), DataSize.ofBytes(0),
                new LimitsProperties.Streams(2000, 50),
                new LimitsProperties.Downloads(16, 4, Duration.ofSeconds(2), 256, 64),
                new LimitsProperties.Webhooks(64, 8, 4), DataSize.ofMegabytes(256));
    }
}
