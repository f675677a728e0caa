package dev.inferq.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Real child processes: one that fails at once, then one that keeps running until it is stopped. */
@Timeout(30)
class SupervisedTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final Supervised.Backoff FAST = new Supervised.Backoff(
            Duration.ofMillis(20), Duration.ofMillis(200), Duration.ofSeconds(60));

    private final List<String> log = new CopyOnWriteArrayList<>();
    private final AtomicInteger starts = new AtomicInteger();

    @Test
    void aChildThatExitsIsRestartedAndStopEndsTheRestartedOne() {
        Supervised worker = Supervised.start("worker", firstFailsThenRuns(), FAST, log::add);
        try {
            await().atMost(WAIT).until(() -> worker.restarts() == 1 && worker.current().isAlive());

            assertThat(worker.current().command()).containsExactly("sleep", "60");
            assertThat(log).anySatisfy(line -> assertThat(line).contains("exited unexpectedly with code 3"))
                    .anySatisfy(line -> assertThat(line).contains("restarted (pid " + worker.current().pid()));
        } finally {
            ManagedProcess running = worker.current();
            worker.stop(Duration.ofSeconds(5));
            assertThat(running.isAlive()).isFalse();
        }
        assertThat(worker.restarts()).isEqualTo(1);
        assertThat(worker.current().stopRequested()).isTrue();
    }

    @Test
    void aKilledChildCountsAsACrash() {
        Supervised worker = Supervised.start("worker", () -> started("sleep", "60"), FAST, log::add);
        try {
            ManagedProcess first = worker.current();
            first.kill();

            await().atMost(WAIT).until(() -> worker.restarts() == 1 && worker.current() != first);
            assertThat(worker.current().isAlive()).isTrue();
        } finally {
            worker.stop(Duration.ofSeconds(5));
        }
        assertThat(worker.current().isAlive()).isFalse();
    }

    @Test
    void stopDuringTheBackoffPauseCancelsTheRestart() {
        Supervised.Backoff slow = new Supervised.Backoff(Duration.ofMinutes(1), Duration.ofMinutes(1), Duration.ZERO);
        Supervised worker = Supervised.start("worker", () -> started("sh", "-c", "exit 3"), slow, log::add);
        await().atMost(WAIT).until(() -> log.stream().anyMatch(line -> line.contains("restarting it in 60000 ms")));

        worker.stop(Duration.ofSeconds(5));

        assertThat(worker.restarts()).isZero();
        assertThat(starts).hasValue(1);
    }

    @Test
    void thePauseDoublesUpToItsMaximumAndResetsAfterAChildStayedUp() {
        Supervised.Backoff backoff = new Supervised.Backoff(
                Duration.ofSeconds(1), Duration.ofSeconds(30), Duration.ofSeconds(60));
        Duration pause = null;
        List<Long> pauses = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            pause = backoff.after(pause, Duration.ofSeconds(2));
            pauses.add(pause.toSeconds());
        }

        assertThat(pauses).containsExactly(1L, 2L, 4L, 8L, 16L, 30L, 30L);
        assertThat(backoff.after(pause, Duration.ofSeconds(61))).isEqualTo(Duration.ofSeconds(1));
    }

    private Supplier<ManagedProcess> firstFailsThenRuns() {
        return () -> starts.get() == 0 ? started("sh", "-c", "exit 3") : started("sleep", "60");
    }

    private ManagedProcess started(String... command) {
        starts.incrementAndGet();
        return ManagedProcess.builder("worker").command(List.of(command)).start();
    }
}
