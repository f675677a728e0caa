package dev.inferq.gateway.limits;

import tools.jackson.databind.json.JsonMapper;

/**
 * The JSON mapper that reads request bodies, whatever route: Boot's configuration on a parser with the limits of
 * {@link Codecs}. Routes that parse a body themselves (the legacy API) read it with this one too.
 */
public record RequestJson(JsonMapper mapper) {
}
