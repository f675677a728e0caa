package dev.inferq.worker.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.inferq.common.job.JobNames;
import dev.inferq.common.job.JobStore;
import dev.inferq.contract.ErrorCodes;
import dev.inferq.contract.JobCodec;
import dev.inferq.contract.JobId;
import dev.inferq.contract.JobInput;
import dev.inferq.contract.JobRecord;
import dev.inferq.contract.JobRequest;
import dev.inferq.contract.JobStatus;
import dev.inferq.contract.Prediction;
import dev.inferq.worker.DeadLetterTopics;
import dev.inferq.worker.inference.Classifier;
import dev.inferq.worker.store.BlockingJobStore;
import dev.inferq.worker.store.TransientStoreException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A batch that meets a fault that is no store failure (here, a model wrapper with a bug), on real Redis and Kafka:
 * the run throws the fault as it is, not as a {@link TransientStoreException}, so the consumer does not retry it, and
 * {@link BatchJobRunner#fail} then ends the job FAILED with the fault as the reason, its dead letter written first.
 */
class FaultyBatchIT {

    private static final String MODEL = "faulty";
    private static final Duration REDIS = Duration.ofSeconds(5);

    private RunnerFixture fixture;
    private JobStore store;
    private BatchJobRunner<String> runner;

    @BeforeEach
    void runner() {
        fixture = new RunnerFixture(MODEL, new BuggyClassifier(), Duration.ofMinutes(10), true, BlockingJobStore::new);
        store = fixture.store;
        runner = fixture.runner;
    }

    @AfterEach
    void close() {
        fixture.close();
    }

    @Test
    void aFaultIsThrownAsItIsAndFailingTheBatchEndsItsJobFailedWithTheReasonAndADeadLetter() {
        JobRequest request = JobRequest.of(JobId.random(), MODEL, new JobInput.Texts(List.of("hello")), Instant.now());
        store.create(JobRecord.queued(request)).block(REDIS);
        Batch batch = new Batch(List.of(Delivery.decode(new ConsumerRecord<>(JobNames.topic(MODEL), 0, 0,
                request.id().value(), JobCodec.encodeRequest(request)), MODEL)));

        assertThatThrownBy(() -> runner.run(batch)).isInstanceOf(IllegalStateException.class)
                .isNotInstanceOf(TransientStoreException.class);
        runner.fail(batch, new IllegalStateException("a bug in the model wrapper"));

        JobRecord failed = store.find(request.id()).block(REDIS);
        assertThat(failed.status()).isEqualTo(JobStatus.FAILED);
        assertThat(failed.error()).isEqualTo("the worker failed on this job's batch: "
                + "java.lang.IllegalStateException: a bug in the model wrapper");
        assertThat(failed.errorCode()).isEqualTo(ErrorCodes.WORKER_ERROR);
        assertThat(new String(DeadLetterTopics.await(MODEL, request.id().value()).headers()
                .lastHeader(DeadLetters.ERROR).value(), StandardCharsets.UTF_8)).isEqualTo(failed.error());
    }

    /** A model wrapper with a bug: every pass throws what no retry mends. */
    private static final class BuggyClassifier implements Classifier<String> {

        @Override
        public String name() {
            return MODEL;
        }

        @Override
        public List<Prediction> classify(List<String> inputs) {
            throw new IllegalStateException("a bug in the model wrapper");
        }

        @Override
        public void close() {
        }
    }
}
