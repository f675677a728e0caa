package dev.inferq.client;

import java.net.URI;
import java.time.Duration;
import java.util.Map;

/** What {@link InferqClient.Builder} collected; shared by the blocking and the asynchronous client. */
record ClientSettings(
        URI baseUri,
        Duration connectTimeout,
        Duration requestTimeout,
        Map<String, String> headers,
        RetryPolicy retries,
        Duration pollInterval,
        int streamReconnects) {

    ClientSettings {
        headers = Map.copyOf(headers);
    }
}
