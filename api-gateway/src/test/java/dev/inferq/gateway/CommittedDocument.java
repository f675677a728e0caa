package dev.inferq.gateway;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * The OpenAPI document as {@code docs/openapi.json} keeps it: every object's keys sorted, two-space indents, a final
 * newline, so that a change of the API is a readable diff whatever order springdoc writes; {@code servers} left out,
 * since the served one names the port of whoever asked.
 */
final class CommittedDocument {

    private static final JsonMapper MAPPER = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

    private CommittedDocument() {
    }

    static String normalize(String json) {
        Map<?, ?> document = MAPPER.readValue(json, Map.class);
        Map<Object, Object> sorted = sorted(document);
        sorted.remove("servers");
        return MAPPER.writeValueAsString(sorted).replace("\r\n", "\n") + "\n";
    }

    private static Object sortedValue(Object value) {
        if (value instanceof Map<?, ?> map) {
            return sorted(map);
        }
        if (value instanceof List<?> list) {
            return list.stream().map(CommittedDocument::sortedValue).toList();
        }
        return value;
    }

    private static Map<Object, Object> sorted(Map<?, ?> map) {
        Map<Object, Object> sorted = new TreeMap<>();
        map.forEach((key, value) -> sorted.put(key, sortedValue(value)));
        return sorted;
    }
}
