package dev.inferq.gateway.jobs;

import java.util.List;

/**
 * The JSON body of a job: {@code {"inputs": ["...", ...]}} for text models, {@code {"url": "https://..."}} for the
 * image model.
 */
public record JobBody(List<String> inputs, String url) {
}
