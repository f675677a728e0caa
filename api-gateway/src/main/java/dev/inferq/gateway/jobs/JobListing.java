package dev.inferq.gateway.jobs;

import dev.inferq.common.job.JobStore;
import dev.inferq.common.job.JobStore.ListedJob;
import dev.inferq.contract.JobId;
import dev.inferq.contract.JobRecord;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.springframework.stereotype.Service;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * A tenant's jobs, newest first, a page at a time ({@code GET /v1/jobs}), from the tenant's job list in Redis
 * ({@link JobStore#listed}), which every submit adds to in the step that creates the job.
 *
 * <p>A page reads the list in chunks, each chunk's records with one MGET, and keeps the jobs that match the filters
 * (filtering happens here: the list holds ids only). An entry whose record is gone is skipped and taken off the list.
 * Without filters the first chunk is the page plus one entry (to know whether more follow); with filters each chunk
 * is {@code inferq.gateway.job-list.chunk} entries, and a page stops after {@code max-chunks} of them with what it
 * found and a cursor to go on, so that no request reads an unbounded part of the list. Only jobs created within the
 * time to live are read: older entries are on their way out ({@code create.lua} trims them).
 */
@Service
public class JobListing {

    private final JobStore store;
    private final JobViews views;
    private final JobListProperties properties;
    private final Clock clock;

    public JobListing(JobStore store, JobViews views, JobListProperties properties, Clock clock) {
        this.store = store;
        this.views = views;
        this.properties = properties;
        this.clock = clock;
    }

    /** One page of {@code tenant}'s jobs as {@code query} asks for them. */
    public Mono<JobPage> list(String tenant, JobListQuery query) {
        long since = clock.millis() - store.ttl().toMillis();
        return Mono.defer(() -> read(new Walk(tenant, query, since), query.cursor(), 0, 1))
                .flatMap(walk -> Flux.fromIterable(walk.found).flatMapSequential(views::view).collectList()
                        .map(jobs -> new JobPage(jobs, walk.next == null ? null : walk.next.encode())));
    }

    /**
     * Reads chunk number {@code chunk} of the list: the entries after {@code position}, skipping {@code offset} of
     * those created in its very millisecond that the previous chunk returned and all were at or before it.
     */
    private Mono<Walk> read(Walk walk, JobListCursor position, int offset, int chunk) {
        int wanted = walk.query.limit() - walk.found.size();
        // One entry more than the page needs tells whether another page follows; one more after a cursor, whose
        // own entry comes first.
        int count = Math.max(walk.query.filtered() ? properties.chunk() : 0, wanted + (position == null ? 1 : 2));
        long until = position == null ? Long.MAX_VALUE : position.createdAtMillis();
        return store.listed(walk.tenant, walk.since, until, offset, count).collectList().flatMap(entries -> {
            List<ListedJob> fresh = entries.stream()
                    .filter(entry -> position == null || position.precedes(entry))
                    .toList();
            boolean exhausted = entries.size() < count;
            if (fresh.isEmpty() && !exhausted) {
                // A chunk of jobs created in the cursor's millisecond, all of them listed before: look past them.
                return chunk < properties.maxChunks() ? read(walk, position, offset + entries.size(), chunk + 1)
                        : Mono.just(walk.ending(position));
            }
            return store.findAll(fresh.stream().map(ListedJob::id).toList()).flatMap(records -> {
                List<JobId> gone = new ArrayList<>();
                JobListCursor last = walk.take(fresh, records, gone, position);
                boolean examinedAll = walk.examined == fresh.size();
                return store.unlist(walk.tenant, gone)
                        .then(Mono.defer(() -> next(walk, last, examinedAll, exhausted, chunk)));
            });
        });
    }

    /** Ends the page, or reads on after {@code last}, the last entry examined. */
    private Mono<Walk> next(Walk walk, JobListCursor last, boolean examinedAll, boolean exhausted, int chunk) {
        if (walk.full()) {
            return Mono.just(walk.ending(exhausted && examinedAll ? null : last));
        }
        if (exhausted) {
            return Mono.just(walk.ending(null));
        }
        return chunk < properties.maxChunks() ? read(walk, last, 0, chunk + 1) : Mono.just(walk.ending(last));
    }

    /** What one page's reading found so far; used by one request at a time, chunk after chunk. */
    private static final class Walk {

        private final String tenant;
        private final JobListQuery query;
        private final long since;
        private final List<JobRecord> found = new ArrayList<>();
        private int examined;
        private JobListCursor next;

        Walk(String tenant, JobListQuery query, long since) {
            this.tenant = tenant;
            this.query = query;
            this.since = since;
        }

        /**
         * Takes the matching jobs of {@code entries} (with their {@code records}) until the page is full, notes in
         * {@code gone} the entries whose record is gone, and answers the last entry examined.
         */
        JobListCursor take(List<ListedJob> entries, List<Optional<JobRecord>> records, List<JobId> gone,
                JobListCursor position) {
            JobListCursor last = position;
            examined = 0;
            for (int i = 0; i < entries.size() && !full(); i++) {
                examined++;
                last = JobListCursor.at(entries.get(i));
                Optional<JobRecord> record = records.get(i);
                if (record.isEmpty()) {
                    gone.add(entries.get(i).id());
                } else if (record.get().belongsTo(tenant) && query.matches(record.get())) {
                    found.add(record.get());
                }
            }
            return last;
        }

        boolean full() {
            return found.size() >= query.limit();
        }

        Walk ending(JobListCursor nextPage) {
            next = nextPage;
            return this;
        }
    }
}
