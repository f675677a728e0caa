package dev.inferq.contract;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.EnumSet;
import org.junit.jupiter.api.Test;

class JobStatusTest {

    @Test
    void theLifecycleAllowsExactlyTheDocumentedMoves() {
        assertThat(JobStatus.QUEUED.predecessors()).isEmpty();
        assertThat(JobStatus.RUNNING.predecessors()).containsExactlyInAnyOrder(JobStatus.QUEUED, JobStatus.RUNNING);
        assertThat(JobStatus.SUCCEEDED.predecessors()).containsExactlyInAnyOrder(JobStatus.QUEUED, JobStatus.RUNNING);
        assertThat(JobStatus.FAILED.predecessors()).containsExactlyInAnyOrder(JobStatus.QUEUED, JobStatus.RUNNING);
        assertThat(JobStatus.CANCELLED.predecessors()).containsExactly(JobStatus.QUEUED);
        assertThat(JobStatus.EXPIRED.predecessors()).containsExactlyInAnyOrder(JobStatus.QUEUED, JobStatus.RUNNING);
    }

    @Test
    void noStatusFollowsATerminalOne() {
        for (JobStatus next : JobStatus.values()) {
            for (JobStatus current : EnumSet.of(JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED,
                    JobStatus.EXPIRED)) {
                assertThat(next.predecessors().contains(current)).as("%s after %s", next, current).isFalse();
            }
        }
    }

    @Test
    void everyAllowedMoveKeepsOrRaisesTheRank() {
        for (JobStatus next : JobStatus.values()) {
            for (JobStatus current : next.predecessors()) {
                assertThat(next.rank()).as("%s after %s", next, current).isGreaterThanOrEqualTo(current.rank());
            }
        }
        assertThat(JobStatus.QUEUED.rank()).isLessThan(JobStatus.RUNNING.rank());
        assertThat(JobStatus.RUNNING.rank()).isLessThan(JobStatus.CANCELLED.rank());
    }

    @Test
    void terminalStatusesShareTheHighestRank() {
        for (JobStatus status : JobStatus.values()) {
            assertThat(status.isTerminal()).as("%s", status).isEqualTo(status.rank() == JobStatus.SUCCEEDED.rank());
        }
        assertThat(JobStatus.RUNNING.isTerminal()).isFalse();
        assertThat(JobStatus.EXPIRED.isTerminal()).isTrue();
    }
}
