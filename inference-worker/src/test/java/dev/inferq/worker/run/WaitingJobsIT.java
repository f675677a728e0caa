package dev.inferq.worker.run;

import static org.assertj.core.api.Assertions.assertThat;

import dev.inferq.common.cache.CacheEntries;
import dev.inferq.common.cache.CacheKeys;
import dev.inferq.common.cache.CacheProperties;
import dev.inferq.common.job.JobStore;
import dev.inferq.contract.JobId;
import dev.inferq.contract.JobInput;
import dev.inferq.contract.JobRecord;
import dev.inferq.contract.JobRequest;
import dev.inferq.contract.JobStatus;
import dev.inferq.contract.Tenants;
import dev.inferq.worker.store.BlockingJobStore;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;

/**
 * Identical jobs queued while one is computed share that computation, through the whole runner on a real Redis: the
 * jobs the gateway registered as waiting for the entry ({@link CacheEntries#await}, the gateway's own call) end
 * SUCCEEDED with {@code cached: true} as soon as the entry is written, before their own messages come; those that can
 * no longer take it (cancelled, past their deadline) are left as they are, to their own messages.
 */
class WaitingJobsIT {

    private static final String MODEL = "waiting-jobs";
    private static final Duration REDIS = Duration.ofSeconds(5);

    private final RunnerFixture.Positive classifier = new RunnerFixture.Positive(MODEL);
    private RunnerFixture fixture;
    private JobStore store;
    private CacheEntries entries;

    @BeforeEach
    void runner() {
        fixture = new RunnerFixture(MODEL, classifier, Duration.ofMinutes(10), true, BlockingJobStore::new);
        store = fixture.store;
        entries = new CacheEntries(fixture.redis, new CacheProperties(true, Duration.ofMinutes(1),
                CacheProperties.Scope.TENANT));
    }

    @AfterEach
    void close() {
        fixture.close();
    }

    @Test
    void jobsWaitingForAnEntryEndWithItAsItIsWrittenAndTheirOwnMessagesFindThemEnded() {
        List<String> texts = List.of("the same words " + JobId.random());
        String key = CacheKeys.of(MODEL, "1", RunnerFixture.VARIANT, Tenants.DEFAULT, CacheKeys.texts(texts));
        JobRequest computed = queued(texts, null);
        JobRequest waiting = queued(texts, null);
        JobRequest alsoWaiting = queued(texts, null);
        JobRequest pastDeadline = queued(texts, Instant.now().minusSeconds(1));
        JobRequest cancelled = queued(texts, null);
        JobRecord before = store.find(cancelled.id()).block(REDIS);
        store.transition(before.cancelled(Instant.now())).block(REDIS);
        for (JobRequest job : List.of(computed, waiting, alsoWaiting, pastDeadline, cancelled)) {
            entries.await(List.of(key), job.id().value()).block(REDIS);
        }

        fixture.runner.run(RunnerFixture.batchOf(MODEL, List.of(computed)));

        JobRecord leader = store.find(computed.id()).block(REDIS);
        assertThat(leader.status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(leader.cached()).isFalse();
        for (JobRequest job : List.of(waiting, alsoWaiting)) {
            JobRecord shared = store.find(job.id()).block(REDIS);
            assertThat(shared.status()).isEqualTo(JobStatus.SUCCEEDED);
            assertThat(shared.cached()).isTrue();
            assertThat(shared.predictions()).isEqualTo(leader.predictions());
        }
        assertThat(store.find(pastDeadline.id()).block(REDIS).status()).isEqualTo(JobStatus.QUEUED);
        assertThat(store.find(cancelled.id()).block(REDIS).status()).isEqualTo(JobStatus.CANCELLED);
        assertThat(new ReactiveStringRedisTemplate(fixture.redis).hasKey(CacheKeys.waiting(key)).block(REDIS))
                .as("the waiting set was taken").isFalse();

        fixture.runner.run(RunnerFixture.batchOf(MODEL, List.of(waiting)));

        assertThat(classifier.passes()).as("forward passes").isEqualTo(1);
        assertThat(store.find(waiting.id()).block(REDIS).cached()).isTrue();
    }

    private JobRequest queued(List<String> texts, Instant deadline) {
        JobRequest request = JobRequest.of(JobId.random(), MODEL, new JobInput.Texts(texts), Instant.now().minusSeconds(10), deadline)
                .withModelVersion("1");
        store.create(JobRecord.queued(request).withModelVersion("1")).block(REDIS);
        return request;
    }
}
