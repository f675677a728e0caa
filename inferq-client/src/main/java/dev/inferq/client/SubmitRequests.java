package dev.inferq.client;

import dev.inferq.contract.JobCodec;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * The submit requests ({@code POST /v1/models/{model}/jobs}) of texts, an image or an image URL, answered either as a
 * job accepted (JSON) or, with {@code Accept: text/event-stream}, as the job's event stream in the same exchange.
 *
 * <p>{@code timeout_s} goes in the query, where the gateway takes it for every kind of submit; {@code callback_url} in
 * the JSON body, or in the query where the body is an image. Every submit carries an idempotency key, so that the
 * retry policy can send it again without creating a second job.
 */
final class SubmitRequests {

    /** How the gateway is asked to answer a submit. */
    enum Answer {
        /** The job accepted (202), or finished within {@code Prefer: wait} (200). */
        JOB,
        /** The job's event stream (200, {@code text/event-stream}); {@code Prefer} is not sent, the stream waits. */
        EVENTS
    }

    private final Transport transport;

    SubmitRequests(Transport transport) {
        this.transport = transport;
    }

    HttpRequest texts(String model, List<String> texts, SubmitOptions options, Answer answer) {
        return json(model, "inputs", List.copyOf(texts), options, answer);
    }

    HttpRequest image(String model, byte[] image, String contentType, SubmitOptions options, Answer answer) {
        return submit(model, options, contentType, image.clone(), true, answer);
    }

    HttpRequest imageUrl(String model, URI url, SubmitOptions options, Answer answer) {
        return json(model, "url", url.toString(), options, answer);
    }

    private HttpRequest json(String model, String field, Object value, SubmitOptions options, Answer answer) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put(field, value);
        if (options.callbackUrl() != null) {
            body.put("callback_url", options.callbackUrl().toString());
        }
        return submit(model, options, "application/json", JobCodec.mapper().writeValueAsBytes(body), false, answer);
    }

    private HttpRequest submit(String model, SubmitOptions options, String contentType, byte[] body,
            boolean imageBody, Answer answer) {
        Objects.requireNonNull(options, "options");
        List<String> parameters = new ArrayList<>();
        if (options.timeout() != null) {
            parameters.add("timeout_s=" + options.timeout().toSeconds());
        }
        if (imageBody && options.callbackUrl() != null) {
            parameters.add("callback_url=" + Transport.encode(options.callbackUrl().toString()));
        }
        HttpRequest.Builder request = transport.request("/v1/models/" + Transport.encode(model) + "/jobs"
                        + queryString(parameters))
                .header("Content-Type", contentType)
                .header("Idempotency-Key", options.idempotencyKey() != null ? options.idempotencyKey()
                        : UUID.randomUUID().toString())
                .POST(BodyPublishers.ofByteArray(body));
        if (options.bypassCache()) {
            request.header("Cache-Control", "no-cache");
        }
        if (answer == Answer.EVENTS) {
            request.header("Accept", "text/event-stream");
        } else if (options.waitFor() != null) {
            request.header("Prefer", "wait=" + options.waitFor().toSeconds())
                    .timeout(transport.settings().requestTimeout().plus(options.waitFor()));
        }
        return request.build();
    }

    static String queryString(List<String> parameters) {
        return parameters.isEmpty() ? "" : "?" + String.join("&", parameters);
    }
}
