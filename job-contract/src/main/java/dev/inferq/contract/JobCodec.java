package dev.inferq.contract;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.json.JsonMapper;

/**
 * JSON encoding of the job contract, shared by both sides so the wire format has one definition.
 *
 * <p>Field names are snake_case; unknown fields are ignored so that an older reader tolerates additive changes, and an
 * absent primitive field reads as its default (Jackson 3 would refuse it), so that a newer reader tolerates messages
 * and records written before an additive field existed ({@code bypass_cache}, {@code cached}: false; a missing
 * {@code version} reads 0 and is refused). A newer {@code version} than this code understands is refused.
 */
public final class JobCodec {

    private static final JsonMapper MAPPER = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .disable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .build();

    private JobCodec() {
    }

    /** The mapper behind the codec, for callers that embed contract types in their own JSON. */
    public static JsonMapper mapper() {
        return MAPPER;
    }

    public static byte[] encodeRequest(JobRequest request) {
        return MAPPER.writeValueAsBytes(request);
    }

    public static JobRequest decodeRequest(byte[] json) {
        JobRequest request = read(json, JobRequest.class);
        requireSupported(request.version(), JobRequest.CURRENT_VERSION, "job request");
        return request;
    }

    public static String encodeRecord(JobRecord record) {
        return MAPPER.writeValueAsString(record);
    }

    public static JobRecord decodeRecord(String json) {
        JobRecord record = read(json.getBytes(StandardCharsets.UTF_8), JobRecord.class);
        requireSupported(record.version(), JobRecord.CURRENT_VERSION, "job record");
        return record;
    }

    /** Any value that embeds contract types (the store's idempotency claims, for example), in the contract's JSON. */
    public static String encode(Object value) {
        return MAPPER.writeValueAsString(value);
    }

    /** Reads what {@link #encode} wrote; a value that does not decode is a {@link MalformedJobException}. */
    public static <T> T decode(String json, Class<T> type) {
        return read(json.getBytes(StandardCharsets.UTF_8), type);
    }

    /** The predictions of one job, as the response cache keeps them. */
    public static String encodePredictions(List<Prediction> predictions) {
        return MAPPER.writeValueAsString(predictions);
    }

    public static List<Prediction> decodePredictions(String json) {
        Prediction[] predictions = read(json.getBytes(StandardCharsets.UTF_8), Prediction[].class);
        if (predictions == null || Arrays.asList(predictions).contains(null)) {
            throw new MalformedJobException("cannot decode predictions: null where a prediction belongs", null);
        }
        return List.of(predictions);
    }

    private static <T> T read(byte[] json, Class<T> type) {
        try {
            return MAPPER.readValue(json, type);
        } catch (JacksonException | IllegalArgumentException | NullPointerException e) {
            throw new MalformedJobException("cannot decode " + type.getSimpleName() + ": " + e.getMessage(), e);
        }
    }

    private static void requireSupported(int version, int supported, String what) {
        if (version < 1 || version > supported) {
            throw new MalformedJobException(
                    what + " has version " + version + " but this build understands 1.." + supported, null);
        }
    }

    /** A message or record that does not follow the contract; retrying it cannot help. */
    public static final class MalformedJobException extends RuntimeException {
        public MalformedJobException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
