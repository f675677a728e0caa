package dev.inferq.client;

import dev.inferq.contract.JobRecord;
import java.util.List;
import java.util.Optional;

/** One page of {@code GET /v1/jobs}: jobs newest first, and the cursor of the next page, null after the last one. */
public record JobPage(List<JobRecord> jobs, String nextCursor) {

    public JobPage {
        jobs = List.copyOf(jobs);
    }

    /** The query for the page after this one, empty after the last page. */
    public Optional<JobQuery> next(JobQuery query) {
        return nextCursor == null ? Optional.empty() : Optional.of(query.withCursor(nextCursor));
    }
}
