package dev.inferq.common.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.inferq.contract.ErrorCodes;
import dev.inferq.contract.JobId;
import dev.inferq.contract.JobInput;
import dev.inferq.contract.JobRecord;
import dev.inferq.contract.JobRequest;
import dev.inferq.testsupport.RealInfrastructure;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.data.domain.Range;
import org.springframework.data.redis.connection.ReactiveRedisConnection;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import reactor.core.publisher.Mono;

/**
 * The outbox and the sweeps' store side against a real Redis: what a gateway that dies between the record and the
 * publish leaves behind is found again, a job's entry is made by its record's creation or not at all, queue entries
 * whose record is gone are trimmed, and a lost record's end is stored only where no record is.
 */
class JobOutboxIT {

    private static final String MODEL = "outbox-it-model";

    private static LettuceConnectionFactory connections;
    private static JobStore store;
    private static JobOutbox outbox;
    private static ReactiveStringRedisTemplate redis;

    @BeforeAll
    static void connect() {
        RealInfrastructure infra = RealInfrastructure.shared();
        connections = infra.redisConnections();
        store = new JobStore(connections, Duration.ofMinutes(5), Duration.ofMinutes(30));
        outbox = new JobOutbox(connections, store.unfinishedTtl());
        redis = new ReactiveStringRedisTemplate(connections);
    }

    @AfterAll
    static void disconnect() {
        connections.destroy();
    }

    @BeforeEach
    void emptyOutbox() {
        redis.delete(JobNames.outboxKey(), JobNames.queueKey(MODEL)).block();
    }

    private static JobRequest request(Instant createdAt) {
        return JobRequest.of(JobId.random(), MODEL, new JobInput.Texts(List.of("x")), createdAt);
    }

    @Test
    void anEntryIsDueOnlyAfterItsGraceAndThenLeasedToOneSweepAtATime() {
        long now = System.currentTimeMillis();
        JobRequest later = request(Instant.now());
        JobRequest due = request(Instant.now());
        outbox.enter(later, now + 60_000).block();
        outbox.enter(due, now - 1).block();

        assertThat(outbox.claimDue(10, Duration.ofMinutes(1)).collectList().block()).containsExactly(due.id());
        assertThat(outbox.claimDue(10, Duration.ofMinutes(1)).collectList().block()).as("leased").isEmpty();
        assertThat(outbox.message(due.id()).block()).isEqualTo(due);
        assertThat(outbox.isPending(due.id()).block()).isTrue();

        outbox.leave(due.id()).block();
        assertThat(outbox.isPending(due.id()).block()).isFalse();
        assertThat(outbox.message(due.id()).block()).isNull();
        assertThat(outbox.isPending(later.id()).block()).isTrue();
    }

    @Test
    void aLeaseThatRunsOutMakesTheEntryDueAgain() {
        JobRequest due = request(Instant.now());
        outbox.enter(due, System.currentTimeMillis() - 1).block();

        assertThat(outbox.claimDue(10, Duration.ofMillis(1)).collectList().block()).containsExactly(due.id());
        Awaitility.await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                assertThat(outbox.claimDue(10, Duration.ofMinutes(1)).collectList().block())
                        .containsExactly(due.id()));
    }

    @Test
    void anEntrysMessageIsKeptAsLongAsAnUnfinishedRecord() {
        JobRequest job = request(Instant.now());
        outbox.enter(job, System.currentTimeMillis()).block();

        assertThat(redis.getExpire(JobNames.outboxMessageKey(job.id())).block())
                .isBetween(Duration.ofMinutes(29), Duration.ofMinutes(30));
    }

    @Test
    void aJobCreatedWithItsEntryIsInTheOutboxDueAfterItsGraceAndARefusedOneIsNot() {
        String tenant = "outbox-it-" + System.nanoTime();
        JobRequest created = JobRequest.of(JobId.random(), MODEL, new JobInput.Texts(List.of("x")), Instant.now(),
                null, tenant, false);
        JobRequest refused = JobRequest.of(JobId.random(), MODEL, new JobInput.Texts(List.of("x")), Instant.now(),
                null, tenant, false);
        long before = System.currentTimeMillis();
        assertThat(new JobOutbox.Entry(created, Duration.ofMinutes(1))
                .creating(store.create(JobRecord.queued(created), 1, 10)).block().created()).isTrue();

        // Due on Redis's clock, this machine's too.
        assertThat(redis.opsForZSet().score(JobNames.outboxKey(), created.id().value()).block())
                .isBetween(before + 55_000.0, System.currentTimeMillis() + 65_000.0);
        assertThat(outbox.message(created.id()).block()).isEqualTo(created);
        assertThat(redis.getExpire(JobNames.outboxMessageKey(created.id())).block())
                .isBetween(Duration.ofMinutes(29), Duration.ofMinutes(30));

        // The tenant's cap of one active job refuses the second: no record, and nothing in the outbox.
        assertThat(new JobOutbox.Entry(refused, Duration.ofMinutes(1))
                .creating(store.create(JobRecord.queued(refused), 1, 10)).block().created()).isFalse();
        assertThat(outbox.isPending(refused.id()).block()).isFalse();
        assertThat(redis.hasKey(JobNames.outboxMessageKey(refused.id())).block()).isFalse();
    }

    @Test
    void aRedisAtItsMemoryCapRefusesTheRecordAndTheEntryAlike() {
        JobRequest job = request(Instant.now());
        ReactiveRedisConnection server = connections.getReactiveConnection();
        try {
            server.serverCommands().setConfig("maxmemory", "1").block();
            assertThatThrownBy(() -> new JobOutbox.Entry(job, Duration.ofMinutes(1))
                    .creating(store.create(JobRecord.queued(job), 0, 10)).block()).hasStackTraceContaining("OOM");
        } finally {
            server.serverCommands().setConfig("maxmemory", "0").block();
            server.close();
        }
        assertThat(store.find(job.id()).block()).isNull();
        assertThat(outbox.isPending(job.id()).block()).isFalse();
    }

    @Test
    void anEntryCannotComeWithAnotherJobsCreation() {
        JobRequest job = request(Instant.now());
        Mono<JobStore.Creation> other = new JobOutbox.Entry(request(Instant.now()), Duration.ofMinutes(1))
                .creating(store.create(JobRecord.queued(job), 0, 10));

        assertThatThrownBy(other::block).isInstanceOf(IllegalArgumentException.class);
        assertThat(store.find(job.id()).block()).isNull();
    }

    @Test
    void queueEntriesWhoseRecordIsGoneOrThatAreOlderThanAnUnfinishedRecordAreTrimmed() {
        Instant now = Instant.now();
        JobRecord kept = JobRecord.queued(request(now));
        JobRecord deleted = JobRecord.queued(request(now.minusSeconds(2)));
        store.create(kept).block();
        store.create(deleted).block();
        redis.delete(JobNames.jobKey(deleted.id())).block();
        JobId ancient = JobId.random();
        redis.opsForZSet().add(JobNames.queueKey(MODEL), ancient.value(),
                now.minus(Duration.ofMinutes(31)).toEpochMilli()).block();

        assertThat(new QueueTrim(connections, store.unfinishedTtl()).trim(MODEL, now.toEpochMilli(), 100).block())
                .isEqualTo(2);
        assertThat(redis.opsForZSet().range(JobNames.queueKey(MODEL), Range
                .closed(0L, -1L)).collectList().block()).containsExactly(kept.id().value());
        assertThat(store.queuePosition(MODEL, kept.id()).block()).isZero();
    }

    @Test
    void aLostRecordsEndIsStoredOnlyWhereNoRecordIs() {
        JobRequest lost = request(Instant.now());
        JobRecord failed = JobRecord.queued(lost).failed(ErrorCodes.RECORD_LOST, "lost", Instant.now());
        assertThat(store.restoreEnded(failed).block()).isTrue();
        assertThat(store.find(lost.id()).block()).isEqualTo(failed);
        assertThat(redis.getExpire(JobNames.jobKey(lost.id())).block())
                .isBetween(Duration.ofMinutes(4), Duration.ofMinutes(5));

        JobRecord present = JobRecord.queued(request(Instant.now()));
        store.create(present).block();
        assertThat(store.restoreEnded(present.failed(ErrorCodes.RECORD_LOST, "lost", Instant.now())).block())
                .isFalse();
        assertThat(store.find(present.id()).block()).isEqualTo(present);
    }
}
