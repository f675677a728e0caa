package dev.inferq.client;

import java.net.URI;
import java.time.Duration;
import java.util.Map;

/** What {@link InferqClient.Builder} collected; shared by the blocking and the reactive client. */
record ClientSettings(
        URI baseUri,
        Duration connectTimeout,
        Duration requestTimeout,
        Map<String, String> headers,
        int maxConnections,
        int maxRetries,
        Duration maxRetryDelay,
        Duration pollInterval,
        int streamReconnects) {

    ClientSettings {
        headers = Map.copyOf(headers);
    }
}
