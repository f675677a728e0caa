package dev.inferq.gateway.limits;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;
import reactor.test.scheduler.VirtualTimeScheduler;

/**
 * Waiting for a permit. Every timer runs on virtual time, so that no test waits in real time and none leaves a timer
 * behind; a hand-over runs on the thread that closes the permit, so its answer is there when close returns.
 */
class QueuedPermitsTest {

    private static final Duration WAIT = Duration.ofSeconds(2);

    @BeforeEach
    void virtualTime() {
        VirtualTimeScheduler.getOrSet();
    }

    @AfterEach
    void realTime() {
        VirtualTimeScheduler.reset();
    }

    @Test
    void aFreedPlaceGoesToTheWaitersInTheirOrderOfArrivalAndWaitersBeyondTheCapAreRefusedAtOnce() {
        QueuedPermits permits = new QueuedPermits(2, 2, WAIT, 2, 2);
        Permits.Result first = granted(permits, "a");
        Permits.Result second = granted(permits, "a");
        List<Permits.Result> a = subscribe(permits, "a");
        List<Permits.Result> b = subscribe(permits, "b");
        assertThat(a).isEmpty();
        assertThat(b).isEmpty();
        assertThat(permits.waiting("a") + permits.waiting("b")).isEqualTo(2);

        assertThat(subscribe(permits, "c")).singleElement()
                .satisfies(refused -> assertThat(refused.refusal()).isEqualTo(Permits.Refusal.TOTAL));

        first.permit().close();
        assertThat(a).singleElement().satisfies(result -> assertThat(result.granted()).isTrue());
        assertThat(b).isEmpty();
        second.permit().close();
        assertThat(b).singleElement().satisfies(result -> assertThat(result.granted()).isTrue());
        assertThat(permits.inFlight("a")).isOne();
        assertThat(permits.inFlight("b")).isOne();
        assertThat(permits.waiting("a") + permits.waiting("b")).isZero();
    }

    @Test
    void aKeyWaitsForItsOwnShareOnlyAndAsManyOfItMayWaitAsMayRun() {
        QueuedPermits permits = new QueuedPermits(4, 1, WAIT, 4, 1);
        Permits.Result held = granted(permits, "a");
        List<Permits.Result> waiting = subscribe(permits, "a");

        assertThat(subscribe(permits, "a")).singleElement()
                .satisfies(refused -> assertThat(refused.refusal()).isEqualTo(Permits.Refusal.PER_KEY));
        assertThat(granted(permits, "b").granted()).isTrue();
        assertThat(waiting).isEmpty();

        held.permit().close();
        assertThat(waiting).singleElement().satisfies(result -> assertThat(result.granted()).isTrue());
    }

    @Test
    void aWaiterWithoutAPlaceWhenTheWaitEndsIsRefusedAndTakesNoLaterOne() {
        QueuedPermits permits = new QueuedPermits(2, 1, WAIT, 2, 1);
        Permits.Result held = granted(permits, "a");

        StepVerifier.withVirtualTime(() -> permits.acquire("a"))
                .expectSubscription()
                .expectNoEvent(WAIT.minusMillis(1))
                .thenAwait(Duration.ofMillis(1))
                .assertNext(refused -> assertThat(refused.refusal()).isEqualTo(Permits.Refusal.PER_KEY))
                .verifyComplete();

        assertThat(permits.waiting("a")).isZero();
        held.permit().close();
        assertThat(permits.inFlight("a")).isZero();
    }

    @Test
    void aCancelledWaiterGivesUpItsPlaceInTheQueue() {
        QueuedPermits permits = new QueuedPermits(1, 1, WAIT, 1, 1);
        Permits.Result held = granted(permits, "a");

        StepVerifier.withVirtualTime(() -> permits.acquire("a"))
                .expectSubscription()
                .then(() -> assertThat(permits.waiting("a")).isOne())
                .thenCancel()
                .verify();

        assertThat(permits.waiting("a")).isZero();
        List<Permits.Result> next = subscribe(permits, "a");
        assertThat(next).as("the place the cancelled waiter left").isEmpty();
        held.permit().close();
        assertThat(next).singleElement().satisfies(result -> assertThat(result.granted()).isTrue());
    }

    @Test
    void aPermitHandedToASubscriberThatCancelsBeforeTakingItGoesBack() {
        QueuedPermits permits = new QueuedPermits(1, 1, WAIT, 1, 1);
        Permits.Result held = granted(permits, "a");

        // requesting nothing, the subscriber leaves the permit in the sink until it cancels
        StepVerifier.withVirtualTime(() -> permits.acquire("a"), 0)
                .expectSubscription()
                .then(() -> held.permit().close())
                .then(() -> assertThat(permits.inFlight("a")).as("handed over").isOne())
                .thenCancel()
                .verify();

        assertThat(permits.inFlight("a")).isZero();
        assertThat(granted(permits, "a").granted()).isTrue();
    }

    @Test
    void noWaitRefusesAtOnceAsPermitsDo() {
        QueuedPermits permits = new QueuedPermits(2, 1, Duration.ZERO, 2, 1);
        granted(permits, "a");

        assertThat(subscribe(permits, "a")).singleElement()
                .satisfies(refused -> assertThat(refused.refusal()).isEqualTo(Permits.Refusal.PER_KEY));
        assertThat(permits.waiting("a")).isZero();
    }

    @Test
    void concurrentTakersThatWaitNeverExceedEitherCapAndEveryPermitComesBack() throws Exception {
        QueuedPermits permits = new QueuedPermits(3, 2, WAIT, 3, 2);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        CountDownLatch start = new CountDownLatch(1);
        AtomicInteger granted = new AtomicInteger();
        AtomicInteger overCap = new AtomicInteger();
        for (int i = 0; i < 400; i++) {
            String key = "k" + (i % 4);
            pool.submit(() -> {
                start.await();
                // every holder closes at once, so each waiter is handed a place without any timer
                Permits.Result result = permits.acquire(key).block(Duration.ofSeconds(10));
                if (result.granted()) {
                    granted.incrementAndGet();
                    if (permits.inFlight(key) > 2) {
                        overCap.incrementAndGet();
                    }
                    result.permit().close();
                }
                return null;
            });
        }
        start.countDown();
        pool.shutdown();
        assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
        assertThat(granted).hasPositiveValue();
        assertThat(overCap).hasValue(0);
        for (int k = 0; k < 4; k++) {
            assertThat(permits.inFlight("k" + k)).isZero();
            assertThat(permits.waiting("k" + k)).isZero();
        }
    }

    private static Permits.Result granted(QueuedPermits permits, String key) {
        Permits.Result result = permits.acquire(key).block(Duration.ofSeconds(1));
        assertThat(result.granted()).as("a permit at once for %s", key).isTrue();
        return result;
    }

    private static List<Permits.Result> subscribe(QueuedPermits permits, String key) {
        List<Permits.Result> answers = new ArrayList<>();
        permits.acquire(key).subscribe(answers::add);
        return answers;
    }
}
