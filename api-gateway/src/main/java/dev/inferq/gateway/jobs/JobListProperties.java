package dev.inferq.gateway.jobs;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The job list, {@code GET /v1/jobs} ({@code inferq.gateway.job-list.*}). Each tenant's list is a Redis sorted set that
 * every submit adds to; {@code maxJobs} bounds it, whatever the tenant submits within the jobs' time to live. A page
 * with filters reads the list in chunks and stops after {@code maxChunks}, answering what it found with a cursor to go
 * on, so that a filter which matches little never makes one request read a whole list.
 *
 * @param maxJobs most jobs a tenant's list keeps: its newest ones (older jobs stay readable by id until they expire)
 * @param chunk list entries a filtered page reads at a time (at least the page's size), each chunk's records with one
 *     MGET
 * @param maxChunks most chunks one page reads; a page ending there may hold fewer jobs than asked, or none, and still
 *     carry a {@code next_cursor}
 */
@ConfigurationProperties("inferq.gateway.job-list")
public record JobListProperties(
        @DefaultValue("10000") int maxJobs,
        @DefaultValue("100") int chunk,
        @DefaultValue("10") int maxChunks) {

    public JobListProperties {
        if (maxJobs < 1) {
            throw new IllegalArgumentException("inferq.gateway.job-list.max-jobs must be at least 1, not " + maxJobs);
        }
        if (chunk < 1 || chunk > 10_000) {
            throw new IllegalArgumentException("inferq.gateway.job-list.chunk must be from 1 to 10000, not " + chunk);
        }
        if (maxChunks < 1) {
            throw new IllegalArgumentException("inferq.gateway.job-list.max-chunks must be at least 1, not "
                    + maxChunks);
        }
    }
}
