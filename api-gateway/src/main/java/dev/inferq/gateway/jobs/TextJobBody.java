package dev.inferq.gateway.jobs;

import java.util.List;

/** The JSON body of a text job: {@code {"inputs": ["...", ...]}}. */
public record TextJobBody(List<String> inputs) {
}
