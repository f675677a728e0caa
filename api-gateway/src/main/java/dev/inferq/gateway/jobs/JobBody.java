package dev.inferq.gateway.jobs;

import java.util.List;

/**
 * The JSON body of a job: {@code {"inputs": ["...", ...]}} for text models, {@code {"url": "https://..."}} for the
 * image model; either may add {@code "timeout_s": 30}, the seconds within which a worker must start the job.
 */
public record JobBody(List<String> inputs, String url, Integer timeoutS) {
}
