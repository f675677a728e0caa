package dev.inferq.worker.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.inferq.common.job.JobStore;
import dev.inferq.common.job.StartOrder;
import dev.inferq.common.job.StartResult;
import dev.inferq.contract.ErrorCodes;
import dev.inferq.contract.JobId;
import dev.inferq.contract.JobInput;
import dev.inferq.contract.JobRecord;
import dev.inferq.contract.JobRequest;
import dev.inferq.contract.JobStatus;
import dev.inferq.testsupport.RealInfrastructure;
import dev.inferq.worker.WorkerSettings;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.data.redis.connection.ReactiveRedisConnection;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

/**
 * A Redis at its memory cap ({@code noeviction}) refuses the worker's writes: each refusal is a
 * {@link TransientStoreException}, which the consumer retries with back-off, offsets uncommitted, instead of failing
 * the jobs; nothing is half-written, and once memory frees the same writes succeed.
 */
class FullRedisIT {

    private LettuceConnectionFactory redis;
    private ReactiveRedisConnection server;

    @BeforeEach
    void connect() {
        RealInfrastructure infra = RealInfrastructure.shared();
        redis = infra.redisConnections();
        server = redis.getReactiveConnection();
    }

    @AfterEach
    void close() {
        server.serverCommands().setConfig("maxmemory", "0").block();
        server.close();
        redis.destroy();
    }

    @Test
    void writesRefusedAtTheMemoryCapAreTransientAndChangeNothing() {
        JobStore jobs = new JobStore(redis, Duration.ofMinutes(10));
        BlockingJobStore store = new BlockingJobStore(jobs, WorkerSettings.of(Map.of()));
        JobRecord job = JobRecord.queued(JobRequest.of(JobId.random(), "full-redis",
                new JobInput.Texts(List.of("x")), Instant.now()));
        jobs.create(job).block();
        JobRecord running = job.running(Instant.now(), "test-worker");
        List<StartOrder> start = List.of(new StartOrder(running, true, JobStatus.RUNNING.predecessors()));
        JobRecord failed = running.failed(ErrorCodes.MODEL_ERROR, "boom", Instant.now());

        server.serverCommands().setConfig("maxmemory", "1").block();
        assertThatThrownBy(() -> store.start(start, false, 3))
                .isInstanceOf(TransientStoreException.class).hasMessageContaining("OOM");
        assertThatThrownBy(() -> store.transitionAll(List.of(failed)))
                .isInstanceOf(TransientStoreException.class).hasMessageContaining("OOM");
        assertThat(store.findAll(List.of(job.id())).get(0)).as("reads still answer")
                .hasValueSatisfying(stored -> assertThat(stored.status()).isEqualTo(JobStatus.QUEUED));

        server.serverCommands().setConfig("maxmemory", "0").block();
        assertThat(store.start(start, false, 3)).as("the refused start counted nothing")
                .containsExactly(new StartResult(StartResult.Kind.STARTED, 1, job));
        assertThat(store.transitionAll(List.of(failed)).get(0).applied()).isTrue();
    }
}
