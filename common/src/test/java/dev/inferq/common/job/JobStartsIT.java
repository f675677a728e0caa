package dev.inferq.common.job;

import static org.assertj.core.api.Assertions.assertThat;

import dev.inferq.contract.ErrorCodes;
import dev.inferq.contract.JobCodec;
import dev.inferq.contract.JobId;
import dev.inferq.contract.JobInput;
import dev.inferq.contract.JobRecord;
import dev.inferq.contract.JobRequest;
import dev.inferq.contract.JobStatus;
import dev.inferq.testsupport.RealInfrastructure;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.data.redis.listener.ChannelTopic;
import org.springframework.data.redis.listener.ReactiveRedisMessageListenerContainer;
import reactor.test.StepVerifier;

/** JobStore's starts and transitions of many jobs in one call, against a real Redis server. */
class JobStartsIT {

    private static final Set<JobStatus> QUEUED = Set.of(JobStatus.QUEUED);

    private static LettuceConnectionFactory connections;
    private static JobStore store;
    private static ReactiveStringRedisTemplate redis;

    @BeforeAll
    static void connect() {
        RealInfrastructure infra = RealInfrastructure.shared();
        connections = infra.redisConnections();
        store = new JobStore(connections, Duration.ofMinutes(5), Duration.ofMinutes(30));
        redis = new ReactiveStringRedisTemplate(connections);
    }

    @AfterAll
    static void disconnect() {
        connections.destroy();
    }

    private static JobRequest request() {
        return JobRequest.of(JobId.random(), "sentiment", new JobInput.Texts(List.of("x", "y")), Instant.now(),
                Instant.now().plusSeconds(60), "acme", false);
    }

    /** The RUNNING record of {@code request}'s job as a worker builds it from the message alone. */
    private static JobRecord runningFromMessage(JobRequest request, Instant now) {
        return JobRecord.queued(request).withModelVersion("v2").running(now, "worker-1");
    }

    @Test
    void aStartFromTheMessageKeepsEveryFieldAStartDoesNotWriteAsStoredAndPublishesIt() {
        JobRequest request = request();
        JobRecord stored = JobRecord.queued(request, "4bf92f3577b34da6a3ce929d0e0e4736").withCallback();
        store.create(stored).block();
        redis.opsForHash().put(JobNames.callbackKey(request.id()), "url", "http://127.0.0.1:1/hook").block();
        Instant now = Instant.now();
        String expected = JobCodec.encodeRecord(stored.withModelVersion("v2").running(now, "worker-1"));
        ReactiveRedisMessageListenerContainer listener = new ReactiveRedisMessageListenerContainer(connections);
        try {
            var messages = listener.receiveLater(ChannelTopic.of(JobNames.eventsChannel(request.id())))
                    .block(Duration.ofSeconds(5));

            StepVerifier.create(messages.map(message -> message.getMessage()).take(1))
                    .then(() -> assertThat(store.start(List.of(new StartOrder(runningFromMessage(request, now), true,
                            QUEUED)), true, 3).block()).containsExactly(
                            new StartResult(StartResult.Kind.STARTED, 1, stored)))
                    .expectNext(expected)
                    .expectComplete()
                    .verify(Duration.ofSeconds(10));
        } finally {
            listener.destroy();
        }

        assertThat(redis.opsForValue().get(JobNames.jobKey(request.id())).block()).isEqualTo(expected);
        assertThat(store.queuePosition(stored.model(), request.id()).block()).as("it left its queue").isNull();
        assertThat(redis.opsForZSet().score(JobNames.tenantActiveKey("acme"), request.id().value()).block())
                .as("still active for its tenant").isNotNull();
        assertThat(redis.opsForZSet().score(JobNames.callbacksDueKey(), request.id().value()).block())
                .as("a running job's webhook is not due").isNull();
        store.delete(stored).block();
    }

    @Test
    void aStartCountsOnlyTheJobsItStartsAndGivesUpOneCountedPastTheMost() {
        JobRequest request = request();
        JobRecord queued = JobRecord.queued(request);
        store.create(queued).block();
        JobRequest missing = request();
        Instant now = Instant.now();

        assertThat(store.start(List.of(new StartOrder(runningFromMessage(request, now), true, Set.of())), true, 1)
                .block()).as("an order that may start from no status only reads").containsExactly(
                new StartResult(StartResult.Kind.NOT_STARTED, 0, queued));
        assertThat(store.start(List.of(new StartOrder(runningFromMessage(request, now), true, QUEUED),
                new StartOrder(runningFromMessage(missing, now), true, QUEUED)), true, 1).block()).containsExactly(
                new StartResult(StartResult.Kind.STARTED, 1, queued),
                new StartResult(StartResult.Kind.MISSING, 0, null));
        JobRecord running = queued.withModelVersion("v2").running(now, "worker-1");
        assertThat(store.start(List.of(new StartOrder(runningFromMessage(request, now), true, QUEUED)), true, 1)
                .block()).as("a RUNNING job is left to a start that may start it from RUNNING").containsExactly(
                new StartResult(StartResult.Kind.NOT_STARTED, 0, running));
        assertThat(store.start(List.of(new StartOrder(running.running(Instant.now(), "worker-2"), true,
                JobStatus.RUNNING.predecessors())), false, 1).block()).as("counted twice, past the most (1)")
                .containsExactly(new StartResult(StartResult.Kind.GIVEN_UP, 2, running));
        assertThat(store.find(request.id()).block()).as("given up: left as it was").isEqualTo(running);

        store.transition(running.failed(ErrorCodes.MODEL_ERROR, "boom", Instant.now())).block();
        assertThat(store.start(List.of(new StartOrder(running, true, JobStatus.RUNNING.predecessors())), false, 9)
                .block().get(0).kind()).as("a terminal job never starts").isEqualTo(StartResult.Kind.NOT_STARTED);
        assertThat(redis.opsForValue().get(JobNames.deliveriesKey(request.id())).block()).isEqualTo("2");
        assertThat(redis.hasKey(JobNames.deliveriesKey(missing.id())).block()).isFalse();
        store.delete(queued).block();
    }

    @Test
    void aRecordStoredWithoutAFieldAStartWritesIsNotStartedFromTheMessageButIsWhole() {
        JobRequest request = request();
        JobRecord queued = JobRecord.queued(request);
        store.create(queued).block();
        String older = JobCodec.encodeRecord(queued).replace("\"model_version\":null,", "");
        redis.opsForValue().set(JobNames.jobKey(request.id()), older).block();
        Instant now = Instant.now();

        assertThat(store.start(List.of(new StartOrder(runningFromMessage(request, now), true, QUEUED)), true, 3)
                .block()).containsExactly(new StartResult(StartResult.Kind.NOT_STARTED, 0, queued));
        assertThat(redis.opsForValue().get(JobNames.jobKey(request.id())).block()).isEqualTo(older);
        JobRecord running = queued.running(now, "worker-1");
        assertThat(store.start(List.of(new StartOrder(running, true, QUEUED)), false, 3).block())
                .containsExactly(new StartResult(StartResult.Kind.STARTED, 1, queued));
        assertThat(store.find(request.id()).block()).isEqualTo(running);
        store.delete(queued).block();
    }

    @Test
    void transitionAllMovesEachJobByTheRuleInOneCallAnsweringInOrder() {
        JobRecord queued = JobRecord.queued(request());
        JobRecord done = JobRecord.queued(request());
        JobRecord ghost = JobRecord.queued(request());
        store.create(queued).block();
        store.create(done).block();
        JobRecord cancelled = done.cancelled(Instant.now());
        store.transition(cancelled).block();
        JobRecord running = queued.running(Instant.now(), "worker-1");

        List<JobStore.Transition> transitions = store.transitionAll(List.of(running,
                done.running(Instant.now(), "worker-1"), ghost.running(Instant.now(), "worker-1"))).block();

        assertThat(transitions).containsExactly(new JobStore.Transition(JobStore.Outcome.APPLIED, null),
                new JobStore.Transition(JobStore.Outcome.REFUSED, JobStatus.CANCELLED),
                new JobStore.Transition(JobStore.Outcome.MISSING, null));
        assertThat(store.find(queued.id()).block()).isEqualTo(running);
        assertThat(store.find(done.id()).block()).isEqualTo(cancelled);
        assertThat(store.find(ghost.id()).block()).isNull();
        assertThat(store.transitionAll(List.of()).block()).isEmpty();
        store.delete(queued).block();
        store.delete(done).block();
    }
}
