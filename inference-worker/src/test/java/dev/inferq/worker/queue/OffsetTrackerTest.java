package dev.inferq.worker.queue;

import static org.assertj.core.api.Assertions.assertThat;

import dev.inferq.contract.JobCodec;
import dev.inferq.contract.JobId;
import dev.inferq.contract.JobInput;
import dev.inferq.contract.JobRequest;
import dev.inferq.worker.run.Delivery;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** Commit points when jobs finish out of offset order: never past a job still unfinished. */
class OffsetTrackerTest {

    private static final String MODEL = "sentiment";
    private static final TopicPartition P0 = new TopicPartition("jobs", 0);
    private static final TopicPartition P1 = new TopicPartition("jobs", 1);

    private final OffsetTracker tracker = new OffsetTracker();

    @Test
    void finishingLaterOffsetsFirstCommitsOnlyUpToTheUnfinishedOne() {
        List<Delivery> jobs = polled(P0, 0, 1, 2, 3);

        assertThat(finish(jobs.get(2), jobs.get(3))).as("offset 0 still unfinished").isEmpty();
        assertThat(finish(jobs.get(0))).isEqualTo(Map.of(P0, new OffsetAndMetadata(1)));
        assertThat(finish(jobs.get(1))).isEqualTo(Map.of(P0, new OffsetAndMetadata(4)));
    }

    @Test
    void aCommitThatDidNotMoveIsNotRepeated() {
        List<Delivery> jobs = polled(P0, 0, 1, 2);
        finish(jobs.get(0));

        assertThat(finish(jobs.get(2))).as("offset 1 still unfinished").isEmpty();
    }

    @Test
    void aFailedCommitIsCoveredByThePartitionsNextOne() {
        List<Delivery> jobs = polled(P0, 0, 1);
        tracker.finished(List.of(jobs.get(0)));

        assertThat(finish(jobs.get(1))).isEqualTo(Map.of(P0, new OffsetAndMetadata(2)));
    }

    @Test
    void whatIsFinishedButNotYetCommittedIsCommittedOnRevocationOrStop() {
        List<Delivery> p0 = polled(P0, 0, 1);
        List<Delivery> p1 = polled(P1, 0);
        tracker.finished(List.of(p0.get(0), p1.get(0)));
        tracker.committed(Map.of(P1, new OffsetAndMetadata(1)));

        assertThat(tracker.uncommitted(List.of(P0, P1))).as("the asynchronous commit of P0 did not land")
                .isEqualTo(Map.of(P0, new OffsetAndMetadata(1)));
        assertThat(tracker.uncommitted(List.of(P1))).isEmpty();
    }

    @Test
    void partitionsAreTrackedApart() {
        List<Delivery> p0 = polled(P0, 5, 6);
        List<Delivery> p1 = polled(P1, 0);

        assertThat(finish(p1.get(0), p0.get(1))).isEqualTo(Map.of(P1, new OffsetAndMetadata(1)));
        assertThat(finish(p0.get(0))).isEqualTo(Map.of(P0, new OffsetAndMetadata(7)));
    }

    @Test
    void aForgottenPartitionIsNotCommittedEvenIfAssignedBack() {
        List<Delivery> early = polled(P0, 0, 1);
        List<Delivery> inFlight = polled(P0, 2);
        tracker.forget(List.of(P0));

        // Jobs 0 and 1 left with the partition; committing 3 now would skip them.
        assertThat(finish(inFlight.get(0))).isEmpty();
        List<Delivery> again = polled(P0, 0, 1, 2);
        assertThat(finish(again.get(2))).as("what is polled again is tracked afresh: 0 and 1 unfinished").isEmpty();
        assertThat(finish(early.get(0), again.get(1))).isEqualTo(Map.of(P0, new OffsetAndMetadata(3)));
    }

    /** Finishes the jobs and records the commits they allow as successful. */
    private Map<TopicPartition, OffsetAndMetadata> finish(Delivery... jobs) {
        Map<TopicPartition, OffsetAndMetadata> commits = tracker.finished(List.of(jobs));
        tracker.committed(commits);
        return commits;
    }

    private List<Delivery> polled(TopicPartition partition, long... offsets) {
        List<Delivery> jobs = new ArrayList<>();
        for (long offset : offsets) {
            JobRequest request = JobRequest.of(JobId.random(), MODEL, new JobInput.Texts(List.of("text")),
                    Instant.now());
            ConsumerRecord<String, byte[]> record = new ConsumerRecord<>(partition.topic(), partition.partition(),
                    offset, request.id().value(), JobCodec.encodeRequest(request));
            tracker.polled(record);
            jobs.add(Delivery.decode(record, MODEL));
        }
        return jobs;
    }
}
