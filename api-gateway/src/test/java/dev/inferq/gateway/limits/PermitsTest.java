package dev.inferq.gateway.limits;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class PermitsTest {

    @Test
    void aKeyGetsItsShareAndTheTotalCapsAllKeysTogether() {
        Permits permits = new Permits(3, 2);
        Permits.Result a1 = permits.tryAcquire("a");
        Permits.Result a2 = permits.tryAcquire("a");
        assertThat(a1.granted()).isTrue();
        assertThat(a2.granted()).isTrue();
        assertThat(permits.tryAcquire("a").refusal()).isEqualTo(Permits.Refusal.PER_KEY);
        assertThat(permits.tryAcquire("b").granted()).isTrue();
        assertThat(permits.tryAcquire("c").refusal()).isEqualTo(Permits.Refusal.TOTAL);
        assertThat(permits.inFlight()).isEqualTo(3);
        assertThat(permits.inFlight("a")).isEqualTo(2);
    }

    @Test
    void closingAPermitTwiceReleasesItOnceAndAnIdleKeyLeavesNoEntry() {
        Permits permits = new Permits(2, 1);
        Permits.Result taken = permits.tryAcquire("a");
        taken.permit().close();
        taken.permit().close();
        assertThat(permits.inFlight()).isZero();
        assertThat(permits.inFlight("a")).isZero();
        assertThat(permits.tryAcquire("a").granted()).isTrue();
        assertThat(permits.tryAcquire("b").granted()).isTrue();
        assertThat(permits.tryAcquire("c").granted()).isFalse();
    }

    @Test
    void concurrentTakersNeverExceedEitherCapAndAllComeBack() throws Exception {
        Permits permits = new Permits(8, 3);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        CountDownLatch start = new CountDownLatch(1);
        List<Permits.Result> granted = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int i = 0; i < 64; i++) {
            String key = "k" + (i % 4);
            pool.submit(() -> {
                start.await();
                Permits.Result result = permits.tryAcquire(key);
                if (result.granted()) {
                    granted.add(result);
                }
                return null;
            });
        }
        start.countDown();
        pool.shutdown();
        assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        assertThat(granted).hasSize(8);
        for (int k = 0; k < 4; k++) {
            assertThat(permits.inFlight("k" + k)).isLessThanOrEqualTo(3);
        }
        granted.forEach(result -> result.permit().close());
        assertThat(permits.inFlight()).isZero();
    }
}
