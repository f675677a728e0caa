package dev.inferq.common.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.inferq.contract.ErrorCodes;
import dev.inferq.contract.JobCodec;
import dev.inferq.contract.JobId;
import dev.inferq.contract.JobInput;
import dev.inferq.contract.JobRecord;
import dev.inferq.contract.JobRequest;
import dev.inferq.contract.JobStatus;
import dev.inferq.contract.Prediction;
import dev.inferq.testsupport.RealInfrastructure;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.data.redis.listener.ChannelTopic;
import org.springframework.data.redis.listener.ReactiveRedisMessageListenerContainer;
import reactor.test.StepVerifier;

/** JobStore against a real Redis server. */
class JobStoreIT {

    private static LettuceConnectionFactory connections;
    private static JobStore store;

    @BeforeAll
    static void connect() {
        RealInfrastructure infra = RealInfrastructure.shared();
        connections = infra.redisConnections();
        store = new JobStore(connections, Duration.ofMinutes(5), Duration.ofMinutes(30));
    }

    @AfterAll
    static void disconnect() {
        connections.destroy();
    }

    private static JobRecord newJob() {
        return JobRecord.queued(JobRequest.of(JobId.random(), "sentiment",
                new JobInput.Texts(List.of("x")), Instant.now()));
    }

    @Test
    void createStoresOnceKeptUntilTheJobEndsThenForTheTimeToLive() {
        JobRecord job = newJob();
        ReactiveStringRedisTemplate redis = new ReactiveStringRedisTemplate(connections);

        store.create(job).block();
        assertThatThrownBy(() -> store.create(job).block()).isInstanceOf(IllegalStateException.class);
        assertThat(store.find(job.id()).block()).isEqualTo(job);
        assertThat(redis.getExpire(JobNames.jobKey(job.id())).block()).as("QUEUED: the unfinished safety net")
                .isBetween(Duration.ofMinutes(29), Duration.ofMinutes(30));
        JobRecord running = job.running(Instant.now(), "test-worker");
        store.transition(running).block();
        assertThat(redis.getExpire(JobNames.jobKey(job.id())).block()).as("RUNNING: still the safety net")
                .isBetween(Duration.ofMinutes(29), Duration.ofMinutes(30));
        store.transition(running.failed(ErrorCodes.MODEL_ERROR, "boom", Instant.now())).block();
        assertThat(redis.getExpire(JobNames.jobKey(job.id())).block()).as("FAILED: the time to live, from now")
                .isBetween(Duration.ofMinutes(4), Duration.ofMinutes(5));
    }

    @Test
    void transitionAppliesOnlyFromAllowedStatusesAndNeverUndoesATerminalOne() {
        JobRecord job = newJob();
        store.create(job).block();
        JobRecord running = job.running(Instant.now(), "test-worker");
        JobRecord failed = running.failed(ErrorCodes.MODEL_ERROR, "boom", Instant.now());

        assertThat(store.transition(running).block().applied()).isTrue();
        assertThat(store.transition(failed).block().applied()).isTrue();
        JobStore.Transition again = store.transition(running).block();

        assertThat(again.outcome()).isEqualTo(JobStore.Outcome.REFUSED);
        assertThat(again.current()).isEqualTo(JobStatus.FAILED);
        assertThat(store.find(job.id()).block()).isEqualTo(failed);
    }

    @Test
    void aJobCountsOnceAsCompletedForItsModelWhenItReachesATerminalState() {
        String model = "counted-" + JobId.random().value();
        ReactiveStringRedisTemplate redis = new ReactiveStringRedisTemplate(connections);
        JobRecord job = JobRecord.queued(JobRequest.of(JobId.random(), model, new JobInput.Texts(List.of("x")),
                Instant.now()));
        JobRecord cancelled = JobRecord.queued(JobRequest.of(JobId.random(), model,
                new JobInput.Texts(List.of("y")), Instant.now()));
        store.create(job).block();
        store.create(cancelled).block();
        JobRecord running = job.running(Instant.now(), "test-worker");

        store.transition(running).block();
        assertThat(redis.opsForValue().get(JobNames.completedKey(model)).block()).as("running is not done").isNull();
        store.transition(running.failed(ErrorCodes.MODEL_ERROR, "boom", Instant.now())).block();
        assertThat(store.transition(running.failed(ErrorCodes.MODEL_ERROR, "again", Instant.now())).block()
                .applied()).isFalse();
        store.transition(cancelled.cancelled(Instant.now())).block();

        assertThat(redis.opsForValue().get(JobNames.completedKey(model)).block()).isEqualTo("2");
    }

    @Test
    void transitionOfAnUnknownJobReportsMissingAndWritesNothing() {
        JobRecord ghost = newJob();

        assertThat(store.transition(ghost.running(Instant.now(), "test-worker")).block().outcome())
                .isEqualTo(JobStore.Outcome.MISSING);
        assertThat(store.find(ghost.id()).block()).isNull();
    }

    @Test
    void everyAppliedTransitionIsPublishedOnTheJobChannel() {
        JobRecord job = newJob();
        store.create(job).block();
        JobRecord running = job.running(Instant.now(), "test-worker");
        ReactiveRedisMessageListenerContainer listener = new ReactiveRedisMessageListenerContainer(connections);
        try {
            var messages = listener.receiveLater(ChannelTopic.of(JobNames.eventsChannel(job.id())))
                    .block(Duration.ofSeconds(5));

            StepVerifier.create(messages.map(m -> JobCodec.decodeRecord(m.getMessage())).take(1))
                    .then(() -> store.transition(running).block())
                    .expectNext(running)
                    .expectComplete()
                    .verify(Duration.ofSeconds(10));
        } finally {
            listener.destroy();
        }
    }

    @Test
    void recordAndInputDisappearAfterTheirTimeToLive() throws InterruptedException {
        JobStore shortLived = new JobStore(connections, Duration.ofSeconds(1), Duration.ofSeconds(1));
        JobRecord job = newJob();
        shortLived.create(job).block();
        shortLived.saveInput(job.id(), new byte[] {1, 2, 3}).block();
        assertThat(shortLived.find(job.id()).block()).isEqualTo(job);

        Thread.sleep(2_100);

        assertThat(shortLived.find(job.id()).block()).isNull();
        assertThat(shortLived.loadInput(job.id()).block()).isNull();
        assertThat(shortLived.transition(job.running(Instant.now(), "test-worker")).block().outcome())
                .isEqualTo(JobStore.Outcome.MISSING);
    }

    @Test
    void inputBytesStayWhileTheJobRunsAndGoWhenItEnds() {
        JobRecord job = newJob();
        store.create(job).block();
        store.saveInput(job.id(), new byte[] {1, 2, 3}).block();
        JobRecord running = job.running(Instant.now(), "test-worker");

        store.transition(running).block();
        assertThat(store.loadInput(job.id()).block()).as("while RUNNING").containsExactly(1, 2, 3);

        store.transition(running.succeeded(List.of(new Prediction("x", 1.0, List.of())), Instant.now())).block();
        assertThat(store.loadInput(job.id()).block()).as("once SUCCEEDED").isNull();
        assertThat(store.find(job.id()).block().status()).isEqualTo(JobStatus.SUCCEEDED);
    }

    @Test
    void inputBytesRoundTripAndDeleteRemovesEverything() {
        JobRecord job = newJob();
        byte[] bytes = {(byte) 0x89, 'P', 'N', 'G', 0, 1, 2, (byte) 0xff};
        store.create(job).block();
        store.saveInput(job.id(), bytes).block();

        assertThat(store.loadInput(job.id()).block()).containsExactly(bytes);
        assertThat(store.delete(job).block()).isEqualTo(2L);
        assertThat(store.find(job.id()).block()).isNull();
        assertThat(store.loadInput(job.id()).block()).isNull();
    }

    @Test
    void creatingAJobWhoseIdExistsFailsAndKeepsTheFirst() {
        JobRecord job = newJob();
        store.create(job).block();
        JobRecord twin = JobRecord.queued(JobRequest.of(job.id(), "other", new JobInput.Texts(List.of("b")),
                Instant.now()));

        assertThatThrownBy(() -> store.create(twin).block()).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(job.id().value());
        assertThat(store.find(job.id()).block()).isEqualTo(job);
    }

    @Test
    void anIdempotencyClaimIsTypedAndTakenOnce() {
        String key = "client-key-" + JobId.random().value();
        IdempotencyClaim first = new IdempotencyClaim("fingerprint with spaces", JobId.random());

        assertThat(store.claimIdempotencyKey(key, first).block()).isTrue();
        assertThat(store.claimIdempotencyKey(key, new IdempotencyClaim("other", JobId.random())).block()).isFalse();
        assertThat(store.idempotencyClaim(key).block()).isEqualTo(first);
        assertThat(store.releaseIdempotencyKey(key).block()).isTrue();
        assertThat(store.idempotencyClaim(key).block()).isNull();
    }

    @Test
    void deliveriesAreCountedPerJobAndDeletedWithIt() {
        JobRecord job = newJob();
        store.create(job).block();

        assertThat(store.countDelivery(job.id()).block()).isEqualTo(1L);
        assertThat(store.countDelivery(job.id()).block()).isEqualTo(2L);
        assertThat(store.countDelivery(newJob().id()).block()).isEqualTo(1L);
        store.delete(job).block();
        assertThat(store.countDelivery(job.id()).block()).isEqualTo(1L);
    }

    @Test
    void aQueuedJobsPositionCountsTheJobsAcceptedBeforeItThatStillWait() {
        String model = "queue-" + JobId.random().value();
        Instant t0 = Instant.now();
        List<JobRecord> jobs = List.of(queuedAt(model, t0), queuedAt(model, t0.plusMillis(1)),
                queuedAt(model, t0.plusMillis(2)));
        jobs.forEach(job -> store.create(job).block());

        assertThat(jobs).extracting(job -> store.queuePosition(model, job.id()).block()).containsExactly(0L, 1L, 2L);

        store.transition(jobs.get(1).running(Instant.now(), "w")).block();
        assertThat(store.queuePosition(model, jobs.get(1).id()).block()).isNull();
        assertThat(store.queuePosition(model, jobs.get(2).id()).block()).isEqualTo(1L);

        store.transition(jobs.get(0).cancelled(Instant.now())).block();
        assertThat(store.queuePosition(model, jobs.get(2).id()).block()).isZero();

        store.delete(jobs.get(2)).block();
        assertThat(store.queuePosition(model, jobs.get(2).id()).block()).isNull();
    }

    @Test
    void aTenantAtItsCapOfActiveJobsIsRefusedUntilOneOfThemIsTerminal() {
        String tenant = "capped-" + JobId.random().value();
        JobRecord first = jobOf(tenant);
        JobRecord second = jobOf(tenant);
        JobRecord third = jobOf(tenant);

        assertThat(createCapped(first, 2)).isEqualTo(new JobStore.Creation(true, 1));
        assertThat(createCapped(second, 2)).isEqualTo(new JobStore.Creation(true, 2));
        assertThat(createCapped(third, 2)).isEqualTo(new JobStore.Creation(false, 2));
        assertThat(store.find(third.id()).block()).isNull();
        assertThat(store.queuePosition(third.model(), third.id()).block()).isNull();
        assertThat(createCapped(jobOf("other-" + tenant), 2)).isEqualTo(new JobStore.Creation(true, 1));

        JobRecord running = first.running(Instant.now(), "w");
        store.transition(running).block();
        assertThat(createCapped(third, 2).created()).as("a RUNNING job still counts").isFalse();

        store.transition(running.failed(ErrorCodes.MODEL_ERROR, "boom", Instant.now())).block();
        assertThat(createCapped(third, 2)).isEqualTo(new JobStore.Creation(true, 2));

        store.transition(second.cancelled(Instant.now())).block();
        store.delete(third).block();
        assertThat(createCapped(jobOf(tenant), 1)).isEqualTo(new JobStore.Creation(true, 1));
    }

    @Test
    void aJobWhoseRecordExpiredStopsCountingForItsTenant() {
        JobStore shortLived = new JobStore(connections, Duration.ofSeconds(1), Duration.ofSeconds(1));
        String tenant = "forgotten-" + JobId.random().value();
        assertThat(shortLived.create(jobOf(tenant), 1, JobStore.DEFAULT_LISTED).block().created()).isTrue();
        JobRecord next = jobOf(tenant);

        assertThat(shortLived.create(next, 1, JobStore.DEFAULT_LISTED).block().created()).isFalse();
        await().atMost(Duration.ofSeconds(10))
                .until(() -> shortLived.create(next, 1, JobStore.DEFAULT_LISTED).block().created());
    }

    /**
     * The script follows whatever table of statuses it is told: a copy of {@link JobStatus}'s rule with a new
     * non-terminal status (PAUSED, after RUNNING and before RUNNING again) keeps the job among its tenant's active
     * jobs and schedules no webhook, where a script deciding by name would have taken PAUSED for terminal.
     */
    @Test
    void theTransitionScriptFollowsTheStatusTableItIsGivenNotStatusNames() {
        Map<String, StatusRule> table = new HashMap<>();
        for (JobStatus status : JobStatus.values()) {
            table.put(status.name(), StatusRule.of(status));
        }
        table.put("PAUSED", new StatusRule(false, false, List.of("RUNNING")));
        StatusRule running = table.get("RUNNING");
        table.put("RUNNING", new StatusRule(running.terminal(), running.queued(),
                Stream.concat(running.predecessors().stream(), Stream.of("PAUSED")).toList()));
        String tenant = "paused-" + JobId.random().value();
        JobRecord job = jobOf(tenant);
        createCapped(job, 0);
        ReactiveStringRedisTemplate redis = new ReactiveStringRedisTemplate(connections);
        redis.opsForHash().put(JobNames.callbackKey(job.id()), "url", "http://127.0.0.1:1/hook").block();

        assertThat(move(job, "RUNNING", table).applied()).isTrue();
        assertThat(move(job, "PAUSED", table).applied()).isTrue();

        assertThat(JobCodec.mapper().readTree(redis.opsForValue().get(JobNames.jobKey(job.id())).block())
                .get("status").asString()).isEqualTo("PAUSED");
        assertThat(redis.opsForZSet().score(JobNames.tenantActiveKey(tenant), job.id().value()).block())
                .as("a paused job still counts for its tenant").isNotNull();
        assertThat(redis.opsForZSet().score(JobNames.callbacksDueKey(), job.id().value()).block())
                .as("a paused job's webhook is not due").isNull();
        assertThat(store.queuePosition(job.model(), job.id()).block()).as("a paused job left the queue").isNull();

        assertThat(move(job, "RUNNING", table).applied()).isTrue();
        assertThat(move(job, "CANCELLED", table).current()).isEqualTo(JobStatus.RUNNING);
        assertThat(move(job, "FAILED", table).applied()).isTrue();
        assertThat(redis.opsForZSet().score(JobNames.tenantActiveKey(tenant), job.id().value()).block()).isNull();
        assertThat(redis.opsForZSet().score(JobNames.callbacksDueKey(), job.id().value()).block()).isNotNull();
        redis.opsForZSet().remove(JobNames.callbacksDueKey(), job.id().value()).block();
        store.delete(job).block();
    }

    @Test
    void aTenantsListHoldsItsNewestJobsNewestFirstAndReadsTheirRecordsInOneGo() {
        String tenant = "listed-" + JobId.random().value();
        Instant start = Instant.now().minusSeconds(10);
        List<JobRecord> jobs = Stream.iterate(0, i -> i + 1).limit(5)
                .map(i -> jobOf(tenant, start.plusMillis(i)))
                .toList();
        jobs.forEach(job -> store.create(job, 0, 3).block());
        String list = JobNames.tenantJobsKey(tenant);
        ReactiveStringRedisTemplate redis = new ReactiveStringRedisTemplate(connections);

        assertThat(store.listed(tenant, 0, Long.MAX_VALUE, 0, 10).collectList().block())
                .as("the newest 3, newest first").containsExactly(listed(jobs.get(4)), listed(jobs.get(3)),
                        listed(jobs.get(2)));
        assertThat(store.listed(tenant, 0, start.plusMillis(3).toEpochMilli(), 1, 10).collectList().block())
                .as("up to a time, after an offset").containsExactly(listed(jobs.get(2)));
        assertThat(store.listed(tenant, start.plusMillis(3).toEpochMilli(), Long.MAX_VALUE, 0, 1).collectList()
                .block()).containsExactly(listed(jobs.get(4)));
        assertThat(redis.getExpire(list).block()).isBetween(Duration.ofMinutes(4), Duration.ofMinutes(5));

        JobId unknown = JobId.random();
        assertThat(store.findAll(List.of(jobs.get(4).id(), unknown, jobs.get(0).id())).block())
                .containsExactly(Optional.of(jobs.get(4)), Optional.empty(), Optional.of(jobs.get(0)));
        assertThat(store.findAll(List.of()).block()).isEmpty();

        assertThat(store.unlist(tenant, List.of(jobs.get(3).id(), unknown)).block()).isEqualTo(1L);
        store.delete(jobs.get(4)).block();
        assertThat(store.listed(tenant, 0, Long.MAX_VALUE, 0, 10).collectList().block())
                .containsExactly(listed(jobs.get(2)));
        assertThat(store.listed("nobody-" + tenant, 0, Long.MAX_VALUE, 0, 10).collectList().block()).isEmpty();
    }

    @Test
    void creatingAJobTrimsItsTenantsListToTheTimeToLive() {
        String tenant = "aged-" + JobId.random().value();
        String list = JobNames.tenantJobsKey(tenant);
        ReactiveStringRedisTemplate redis = new ReactiveStringRedisTemplate(connections);
        JobId old = JobId.random();
        JobId recent = JobId.random();
        long now = Instant.now().toEpochMilli();
        redis.opsForZSet().add(list, old.value(), now - Duration.ofMinutes(6).toMillis()).block();
        redis.opsForZSet().add(list, recent.value(), now - Duration.ofMinutes(4).toMillis()).block();

        JobRecord job = jobOf(tenant, Instant.now());
        store.create(job).block();

        assertThat(redis.opsForZSet().score(list, old.value()).block()).as("older than the 5 min to live").isNull();
        assertThat(redis.opsForZSet().score(list, recent.value()).block()).isNotNull();
        assertThat(redis.opsForZSet().score(list, job.id().value()).block())
                .isEqualTo((double) job.createdAt().toEpochMilli());
        assertThatThrownBy(() -> store.create(jobOf(tenant, Instant.now()), 0, 0).block())
                .isInstanceOf(IllegalArgumentException.class);
    }

    /** Creates {@code job} unless its tenant has {@code maxActive} active jobs; the list keeps its default size. */
    private static JobStore.Creation createCapped(JobRecord job, long maxActive) {
        return store.create(job, maxActive, JobStore.DEFAULT_LISTED).block();
    }

    private static JobStore.ListedJob listed(JobRecord job) {
        return new JobStore.ListedJob(job.id(), job.createdAt().toEpochMilli());
    }

    /** Moves {@code job} to {@code status} through the script, with the record JSON written as that status. */
    private static JobStore.Transition move(JobRecord job, String status, Map<String, StatusRule> table) {
        String json = JobCodec.encodeRecord(job).replace("\"status\":\"QUEUED\"", "\"status\":\"" + status + "\"");
        return new JobTransitions(new ReactiveStringRedisTemplate(connections), store.ttl(), store.unfinishedTtl())
                .transition(job.id(), job.model(), job.tenant(), json, table.get(status)).block();
    }

    private static JobRecord jobOf(String tenant) {
        return jobOf(tenant, Instant.now());
    }

    private static JobRecord jobOf(String tenant, Instant createdAt) {
        return JobRecord.queued(JobRequest.of(JobId.random(), "sentiment", new JobInput.Texts(List.of("x")),
                createdAt, null, tenant, false));
    }

    private static JobRecord queuedAt(String model, Instant createdAt) {
        return JobRecord.queued(JobRequest.of(JobId.random(), model, new JobInput.Texts(List.of("x")), createdAt));
    }
}
