package dev.inferq.worker.queue;

import static org.assertj.core.api.Assertions.assertThat;

import dev.inferq.worker.WorkerProperties;
import dev.inferq.worker.WorkerSettings;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.util.backoff.BackOffExecution;

class JobConsumersTest {

    @Test
    void retriesABatchWithDoublingPausesUpToTheMaximumAndNeverGivesUp() {
        WorkerProperties properties = WorkerSettings.of(Map.of());

        BackOffExecution execution = JobConsumers.retryBackOff(properties).start();
        List<Long> pauses = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            pauses.add(execution.nextBackOff());
        }

        assertThat(pauses.subList(0, 7)).containsExactly(200L, 400L, 800L, 1600L, 3200L, 6400L, 10_000L);
        assertThat(pauses).doesNotContain(BackOffExecution.STOP).allMatch(pause -> pause <= 10_000L);
        assertThat(pauses.get(pauses.size() - 1)).isEqualTo(10_000L);
    }
}
