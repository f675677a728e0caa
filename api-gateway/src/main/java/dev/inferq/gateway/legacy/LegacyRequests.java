package dev.inferq.gateway.legacy;

import dev.inferq.gateway.problems.ApiException;
import io.swagger.v3.oas.annotations.media.ArraySchema;
import io.swagger.v3.oas.annotations.media.Schema;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import tools.jackson.core.JacksonException;
import tools.jackson.core.exc.StreamConstraintsException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads request bodies of the legacy API with its exact field rules ({@code user_id} a string, {@code text} a
 * non-empty list of strings, {@code url} a non-empty list of http(s) URLs). Every violation is a 422 naming the field,
 * as the legacy service answered.
 */
final class LegacyRequests {

    private LegacyRequests() {
    }

    /** {@code {"user_id": "...", "text": ["...", ...]}}. */
    @Schema(name = "LegacyTextRequest")
    record TextRequest(
            @Schema(requiredMode = Schema.RequiredMode.REQUIRED, example = "2728") String userId,
            @ArraySchema(schema = @Schema(example = "A massive earthquake has struck the city center."), minItems = 1,
                    arraySchema = @Schema(requiredMode = Schema.RequiredMode.REQUIRED))
            List<String> text) {
    }

    /** {@code {"user_id": "...", "url": ["https://...", ...]}}. */
    @Schema(name = "LegacyImageRequest")
    record ImageRequest(
            @Schema(requiredMode = Schema.RequiredMode.REQUIRED, example = "9151") String userId,
            @ArraySchema(schema = @Schema(format = "uri", example = "https://example.org/a.jpg"), minItems = 1,
                    arraySchema = @Schema(requiredMode = Schema.RequiredMode.REQUIRED,
                            description = "http(s) URLs; the last one is classified"))
            List<String> url) {

        /** The legacy service classified the last URL of the list; so do we. */
        String classifiedUrl() {
            return url.get(url.size() - 1);
        }
    }

    static TextRequest text(String body, JsonMapper mapper) {
        JsonNode json = object(body, mapper);
        return new TextRequest(userId(json), strings(json, "text"));
    }

    static ImageRequest image(String body, JsonMapper mapper) {
        JsonNode json = object(body, mapper);
        String userId = userId(json);
        List<String> urls = strings(json, "url");
        for (int i = 0; i < urls.size(); i++) {
            requireHttpUrl(urls.get(i), "url[" + i + "]");
        }
        return new ImageRequest(userId, urls);
    }

    /** The body's JSON, read by {@code mapper}, whose parser limits stop a body of a million values early. */
    private static JsonNode object(String body, JsonMapper mapper) {
        JsonNode json;
        try {
            json = body == null || body.isBlank() ? null : mapper.readTree(body);
        } catch (StreamConstraintsException e) {
            throw ApiException.tooLarge("the JSON body is beyond this gateway's limits: " + e.getOriginalMessage(),
                    "inferq.gateway.max-text-chars, inferq.gateway.limits.json.*");
        } catch (JacksonException e) {
            throw ApiException.invalidField("body", "is not valid JSON: " + e.getOriginalMessage());
        }
        if (json == null || !json.isObject()) {
            throw ApiException.invalidField("body", "must be a JSON object");
        }
        return json;
    }

    private static String userId(JsonNode json) {
        JsonNode userId = json.get("user_id");
        if (userId == null || !userId.isString()) {
            throw ApiException.invalidField("user_id", "must be a string, e.g. \"user_id\": \"2728\"");
        }
        return userId.asString();
    }

    private static List<String> strings(JsonNode json, String field) {
        JsonNode list = json.get(field);
        if (list == null || !list.isArray() || list.isEmpty()) {
            throw ApiException.invalidField(field, "must be a non-empty list of strings");
        }
        List<String> values = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            if (!list.get(i).isString()) {
                throw ApiException.invalidField(field + "[" + i + "]", "must be a string");
            }
            values.add(list.get(i).asString());
        }
        return values;
    }

    private static void requireHttpUrl(String value, String field) {
        try {
            URI uri = new URI(value);
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if ((scheme.equals("http") || scheme.equals("https")) && uri.getHost() != null) {
                return;
            }
        } catch (URISyntaxException e) {
            // reported below, like any other URL that is not http(s)
        }
        throw ApiException.invalidField(field, "must be an http or https URL, was '" + value + "'");
    }
}
