package dev.inferq.worker.run;

import static org.assertj.core.api.Assertions.assertThat;

import dev.inferq.common.job.JobStore;
import dev.inferq.contract.ErrorCodes;
import dev.inferq.contract.JobId;
import dev.inferq.contract.JobInput;
import dev.inferq.contract.JobRecord;
import dev.inferq.contract.JobRequest;
import dev.inferq.contract.JobStatus;
import dev.inferq.worker.DeadLetterTopics;
import dev.inferq.worker.store.BlockingJobStore;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A job whose message arrives but whose record is gone is not dropped silently: accepted within the result time to
 * live, its record was lost, and it ends FAILED ({@code record_lost}) with a dead letter; older, its record expired
 * as designed, and it is skipped. On a real Redis and broker, through the whole batch runner.
 */
class LostRecordsIT {

    private static final String MODEL = "lost-records";
    private static final Duration REDIS = Duration.ofSeconds(5);
    private static final Duration RESULT_TTL = Duration.ofMinutes(10);

    private RunnerFixture fixture;
    private JobStore store;
    private BatchJobRunner<String> runner;

    @BeforeEach
    void runner() {
        fixture = new RunnerFixture(MODEL, new RunnerFixture.Positive(MODEL), RESULT_TTL, false, BlockingJobStore::new);
        store = fixture.store;
        runner = fixture.runner;
    }

    @AfterEach
    void close() {
        fixture.close();
    }

    @Test
    void aRecentJobWithoutARecordEndsFailedRecordLostWithADeadLetterAndTheOthersRun() {
        JobRequest lost = request(Instant.now());
        JobRequest kept = request(Instant.now());
        store.create(JobRecord.queued(kept)).block(REDIS);

        runner.run(RunnerFixture.batchOf(MODEL, List.of(lost, kept)));

        JobRecord failed = store.find(lost.id()).block(REDIS);
        assertThat(failed.status()).isEqualTo(JobStatus.FAILED);
        assertThat(failed.errorCode()).isEqualTo(ErrorCodes.RECORD_LOST);
        assertThat(new String(DeadLetterTopics.await(MODEL, lost.id().value()).headers()
                .lastHeader(DeadLetters.ERROR).value(), StandardCharsets.UTF_8)).isEqualTo(failed.error());
        assertThat(store.find(kept.id()).block(REDIS).status()).isEqualTo(JobStatus.SUCCEEDED);
    }

    @Test
    void aJobOlderThanTheResultTimeToLiveWithoutARecordIsSkipped() {
        JobRequest expired = request(Instant.now().minus(RESULT_TTL).minusSeconds(1));

        runner.run(RunnerFixture.batchOf(MODEL, List.of(expired)));

        assertThat(store.find(expired.id()).block(REDIS)).isNull();
    }

    private static JobRequest request(Instant createdAt) {
        return JobRequest.of(JobId.random(), MODEL, new JobInput.Texts(List.of("hello")), createdAt);
    }
}
