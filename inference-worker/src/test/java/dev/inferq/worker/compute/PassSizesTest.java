package dev.inferq.worker.compute;

import static dev.inferq.worker.compute.ComputeSchedulerTest.timed;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The image pass size, chosen from the start timings and corrected by the passes that run. */
class PassSizesTest {

    private static final double WITHIN_MS = 600;

    @Test
    void passesThatRunSlowerThanTimedAtStartMoveTheChoiceAndAProbeMovesItBack() {
        PassSizes sizes = PassSizes.measured(4, WITHIN_MS, timed(1, 68.0, 4, 244.0));
        assertThat(sizes.chosen()).isEqualTo(4);

        // Batch-4 passes now take 500 ms (125 per image, against 68 alone): within a few, one image a pass wins.
        int slow = 0;
        while (sizes.chosen() == 4 && slow < 5) {
            assertThat(sizes.next(8)).isEqualTo(4);
            sizes.ran(4, millis(500));
            slow++;
        }
        assertThat(sizes.chosen()).isEqualTo(1);

        // One image a pass from now on, except one probe of batch 4 in every PROBE_EVERY passes with inputs enough.
        List<Integer> taken = new ArrayList<>();
        for (int i = 0; i < PassSizes.PROBE_EVERY; i++) {
            int size = sizes.next(8);
            taken.add(size);
            sizes.ran(size, millis(size == 4 ? 200 : 68));
        }
        assertThat(taken).containsOnly(1, 4);
        assertThat(taken.stream().filter(size -> size == 4)).hasSize(1);
        // The probe found batch 4 fast again, but one probe moves the running mean only part of the way.
        assertThat(sizes.chosen()).isEqualTo(1);
        for (int probes = 0; sizes.chosen() == 1 && probes < 10; ) {
            int size = sizes.next(8);
            probes += size == 4 ? 1 : 0;
            sizes.ran(size, millis(size == 4 ? 200 : 68));
        }
        assertThat(sizes.chosen()).isEqualTo(4);
    }

    @Test
    void aPassNeverTakesMoreThanWaitsAndOnlyTheCandidateSizesAreCounted() {
        PassSizes sizes = PassSizes.measured(4, WITHIN_MS, timed(1, 68.0, 4, 244.0));

        assertThat(sizes.next(3)).isEqualTo(3);
        assertThat(sizes.next(1)).isEqualTo(1);
        // A pass of 3 (fewer waited) says nothing about the candidates 1 and 4.
        sizes.ran(3, millis(5_000));
        assertThat(sizes.chosen()).isEqualTo(4);
    }

    @Test
    void aPassOverThePassTimeIsNotChosenHoweverFastPerInput() {
        PassSizes sizes = PassSizes.measured(8, WITHIN_MS, timed(1, 100.0, 8, 640.0));

        assertThat(sizes.chosen()).isEqualTo(1);
        // Probes find batch 8 at 560 ms, within the pass time: once its running mean is, it is chosen.
        for (int i = 0; i < 10 * PassSizes.PROBE_EVERY && sizes.chosen() == 1; i++) {
            int size = sizes.next(8);
            sizes.ran(size, millis(size == 8 ? 560 : 100));
        }
        assertThat(sizes.chosen()).isEqualTo(8);
    }

    @Test
    void aFixedSizeIgnoresTimings() {
        PassSizes sizes = PassSizes.fixed(2);
        sizes.ran(2, millis(10_000));

        assertThat(sizes.chosen()).isEqualTo(2);
        assertThat(sizes.next(5)).isEqualTo(2);
        assertThat(sizes.next(1)).isEqualTo(1);
    }

    private static long millis(double ms) {
        return (long) (ms * 1e6);
    }
}
