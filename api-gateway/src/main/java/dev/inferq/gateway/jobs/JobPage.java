package dev.inferq.gateway.jobs;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.swagger.v3.oas.annotations.media.Schema;
import java.util.List;

/**
 * One page of {@code GET /v1/jobs}: the tenant's jobs, newest first, each as {@code GET /v1/jobs/{id}} shows it, and
 * where the next page starts.
 *
 * @param jobs the page's jobs, newest first
 * @param nextCursor the {@code cursor} of the next page; null when the list has no more jobs
 */
public record JobPage(
        @Schema(description = "The jobs, newest first, each as `GET /v1/jobs/{id}` answers it")
        List<JobView> jobs,
        @Schema(description = """
                Pass it as `cursor`, with the same filters, for the next page; null when no job follows. A page that \
                stopped at its read budget may hold fewer jobs than `limit`, or none, and still have one""",
                example = "MTc2NTEyMzQ1Njc4OS4zcTJSUnczYVVZeFF2OW1ScjdZeTBn")
        @JsonInclude(JsonInclude.Include.ALWAYS)
        String nextCursor) {

    public JobPage {
        jobs = List.copyOf(jobs);
    }
}
