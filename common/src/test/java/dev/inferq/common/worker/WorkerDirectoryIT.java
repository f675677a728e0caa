package dev.inferq.common.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.inferq.testsupport.RealInfrastructure;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

/**
 * The worker directory on a real Redis: workers are found through the index, without a SCAN; one that withdraws is
 * gone at once, one that stops refreshing is gone once its time to live runs out.
 */
class WorkerDirectoryIT {

    private static LettuceConnectionFactory connections;
    private static WorkerDirectory directory;

    @BeforeAll
    static void connect() {
        RealInfrastructure infra = RealInfrastructure.shared();
        connections = infra.redisConnections();
        directory = new WorkerDirectory(connections);
    }

    @AfterAll
    static void disconnect() {
        connections.destroy();
    }

    @Test
    void workersAreListedUntilTheyWithdrawOrTheirEntryExpires() {
        String run = UUID.randomUUID().toString().substring(0, 8);
        WorkerPresence staying = new WorkerPresence("staying-" + run, Instant.now(), List.of());
        WorkerPresence leaving = new WorkerPresence("leaving-" + run, Instant.now(), List.of());
        WorkerPresence dying = new WorkerPresence("dying-" + run, Instant.now(), List.of());
        directory.announce(staying, Duration.ofMinutes(1)).block();
        directory.announce(leaving, Duration.ofMinutes(1)).block();
        directory.announce(dying, Duration.ofMillis(300)).block();
        assertThat(ids(run)).containsExactlyInAnyOrder(staying.id(), leaving.id(), dying.id());

        directory.withdraw(leaving.id()).block();
        assertThat(ids(run)).doesNotContain(leaving.id());
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(ids(run)).containsExactly(staying.id()));
    }

    private static List<String> ids(String run) {
        return directory.workers().map(WorkerPresence::id).filter(id -> id.endsWith(run)).collectList().block();
    }
}
