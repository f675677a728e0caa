package dev.inferq.gateway.limits;

import dev.inferq.common.image.ImagePolicy;
import dev.inferq.gateway.GatewayProperties;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;

/**
 * The largest request body of each route, from the input limits: what the largest valid request of that route needs,
 * and no more. Texts are counted as JSON may write them: a control character escaped as {@code \u0001} takes six
 * bytes, so 64 texts of 4,096 such characters are a valid body of 1.6 MB. Images (upload, raw body) take
 * {@code inferq.image.max-bytes} plus room for the multipart framing; every other body (a URL, admin keys) is small.
 */
@Component
public class BodyLimits {

    /** JSON and multipart framing around the inputs: field names, quotes, part headers, boundaries. */
    static final int FRAMING_BYTES = 64 * 1024;
    /** The most bytes one character of a JSON string may take ({@code \}{@code u001f}). */
    static final int JSON_BYTES_PER_CHAR = 6;
    static final String TEXT_SETTINGS = "inferq.gateway.max-inputs, inferq.gateway.max-text-chars";
    static final String IMAGE_SETTING = "inferq.image.max-bytes";
    static final String OTHER_SETTING = LimitsProperties.PREFIX + "other-body-max-bytes";

    private final long textBytes;
    private final long imageBytes;
    private final long otherBytes;

    public BodyLimits(GatewayProperties gateway, ImagePolicy images, LimitsProperties limits) {
        this.textBytes = (long) gateway.maxInputs() * gateway.maxTextChars() * JSON_BYTES_PER_CHAR + FRAMING_BYTES;
        this.imageBytes = images.maxBytes() + FRAMING_BYTES;
        this.otherBytes = limits.otherBodyMaxBytes().toBytes();
    }

    /** A route's limit and the settings it follows from. */
    public record Limit(long bytes, String setting) {
    }

    /** The limit of a request to {@code path} with {@code contentType} (null when it has none). */
    public Limit of(HttpMethod method, String path, MediaType contentType) {
        if (!HttpMethod.POST.equals(method)) {
            return new Limit(otherBytes, OTHER_SETTING);
        }
        if (isSubmit(path)) {
            boolean image = contentType != null && (contentType.getType().equals("image")
                    || MediaType.MULTIPART_FORM_DATA.isCompatibleWith(contentType));
            return image ? new Limit(imageBytes, IMAGE_SETTING) : new Limit(textBytes, TEXT_SETTINGS);
        }
        if (path.equals("/api/v1/disaster_classification") || path.equals("/api/v1/sentiment_classification")) {
            return new Limit(textBytes, TEXT_SETTINGS);
        }
        return new Limit(otherBytes, OTHER_SETTING);
    }

    /** The largest Kafka message of a valid job: its texts as JSON-escaped as they can be, and the envelope. */
    public long largestJobMessage() {
        return textBytes + FRAMING_BYTES;
    }

    /** The most bytes any body may have: what codecs may hold in memory. */
    public int largest() {
        return Math.toIntExact(Math.max(Math.max(textBytes, imageBytes), otherBytes));
    }

    /** The longest JSON string a body may hold: a text, or a URL. */
    public static int maxJsonString(GatewayProperties gateway) {
        return Math.max(gateway.maxTextChars(), 8192);
    }

    private static boolean isSubmit(String path) {
        return path.startsWith("/v1/models/") && path.endsWith("/jobs")
                && path.indexOf('/', "/v1/models/".length()) == path.length() - "/jobs".length();
    }
}
