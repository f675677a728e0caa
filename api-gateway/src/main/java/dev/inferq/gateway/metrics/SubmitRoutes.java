package dev.inferq.gateway.metrics;

import org.springframework.http.server.PathContainer;

/**
 * The submit routes of one API, for {@link SubmitMeters}: each API says which of its paths submit a job and to which
 * model, so that counting submits needs to know no API.
 */
public interface SubmitRoutes {

    /** The model a {@code POST} to {@code path} submits a job to, or null when the path is not one of these routes. */
    String model(PathContainer path);
}
