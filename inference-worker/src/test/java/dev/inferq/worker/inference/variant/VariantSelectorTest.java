package dev.inferq.worker.inference.variant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.inferq.common.worker.WorkerPresence;
import dev.inferq.worker.inference.variant.VariantSelector.Outcome;
import dev.inferq.worker.inference.variant.VariantSelector.Row;
import dev.inferq.worker.inference.variant.VariantSelector.Selection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.IntToDoubleFunction;
import org.junit.jupiter.api.Test;

/** Choosing a variant from timings: fake candidates whose forward passes take what each test says. */
class VariantSelectorTest {

    static final ModelVariant FP32 = new ModelVariant("image", "PyTorch", Precision.FP32, Fidelity.ofReference());
    static final ModelVariant BF16 = new ModelVariant("image_bf16", "PyTorch", Precision.BF16, passed());
    static final ModelVariant INT8 = new ModelVariant("image_int8", "PyTorch", Precision.INT8, passed());
    static final ModelVariant ONNX = new ModelVariant("image_onnx", "OnnxRuntime", Precision.FP32, passed());
    static final List<Integer> SIZES = List.of(1, 4);

    static final CpuFeatures AVX2 = CpuFeatures.of("sse4_2 avx fma avx2");
    static final CpuFeatures AMX = CpuFeatures.of("avx2 avx512f avx512_bf16 amx_tile amx_bf16 amx_int8");

    final Candidates candidates = new Candidates();

    @Test
    void servesTheCandidateFastestAtTheLargestBatchAndClosesTheOthers() {
        candidates.time(FP32, size -> 100.0 * size).time(INT8, size -> 98.0 * size)
                .time(ONNX, size -> size == 1 ? 50 : 380);

        Selection<String> s = select(AVX2, List.of(FP32, INT8, ONNX), Optional.empty(), Duration.ofMinutes(1));

        assertThat(s.model()).isEqualTo("image_onnx");
        assertThat(s.variant()).isEqualTo(ONNX);
        assertThat(s.how()).isEqualTo(WorkerPresence.Served.MEASURED);
        assertThat(s.msPerBatch()).containsExactly(Map.entry(1, 50.0), Map.entry(4, 380.0));
        assertThat(s.rows()).extracting(Row::outcome).containsExactly(Outcome.MEASURED, Outcome.MEASURED,
                Outcome.CHOSEN);
        assertThat(s.rows().get(0).msPerBatch()).containsExactly(Map.entry(1, 100.0), Map.entry(4, 400.0));
        assertThat(candidates.closed).containsExactlyInAnyOrder("image", "image_int8");
        // one warm-up and three timed rounds at each of the two sizes
        assertThat(candidates.passes.get("image_onnx")).isEqualTo(8);
        assertThat(s.table()).contains("image_onnx").contains("OnnxRuntime").contains("b1=50.0ms b4=380.0ms")
                .contains("chosen: fastest at batch 4");
    }

    @Test
    void keepsTheFastestTimedPassOfEachSize() {
        candidates.time(FP32, new double[] {900, 900, 120, 100, 130, 90, 110, 95}).time(INT8, size -> 5000);

        Selection<String> s = select(AVX2, List.of(FP32, INT8), Optional.empty(), Duration.ofMinutes(1));

        assertThat(s.rows().get(0).msPerBatch()).as("warm-up passes (900 ms) not counted")
                .containsExactly(Map.entry(1, 110.0), Map.entry(4, 90.0));
    }

    @Test
    void skipsBfloat16WithoutTheCpuFlagsForItAndNeverLoadsIt() {
        candidates.time(FP32, size -> 100.0 * size).time(BF16, size -> 10.0 * size).time(INT8, size -> 60.0 * size);

        Selection<String> s = select(AVX2, List.of(FP32, BF16, INT8), Optional.empty(), Duration.ofMinutes(1));

        assertThat(s.variant()).isEqualTo(INT8);
        assertThat(candidates.loaded).containsExactly("image", "image_int8");
        Row bf16 = s.rows().stream().filter(r -> r.variant().equals(BF16)).findFirst().orElseThrow();
        assertThat(bf16.outcome()).isEqualTo(Outcome.SKIPPED);
        assertThat(bf16.note()).contains("bf16 is emulated");
        assertThat(s.table()).contains("image_bf16").contains("skipped: bf16 is emulated");
    }

    @Test
    void measuresBfloat16WhereTheCpuHasIt() {
        candidates.time(FP32, size -> 100.0 * size).time(BF16, size -> 50.0 * size).time(INT8, size -> 60.0 * size);

        Selection<String> s = select(AMX, List.of(FP32, BF16, INT8), Optional.empty(), Duration.ofMinutes(1));

        assertThat(s.variant()).isEqualTo(BF16);
        assertThat(candidates.loaded).containsExactly("image", "image_bf16", "image_int8");
    }

    @Test
    void aCandidateThatFailedFidelityIsNotLoaded() {
        ModelVariant drifting = new ModelVariant("image_int8", "PyTorch", Precision.INT8,
                Fidelity.parse("top1=0.938 cosine=0.99653 passed=false"));
        candidates.time(FP32, size -> 100.0 * size).time(drifting, size -> 10.0 * size);

        Selection<String> s = select(AVX2, List.of(FP32, drifting), Optional.empty(), Duration.ofMinutes(1));

        assertThat(s.variant()).isEqualTo(FP32);
        assertThat(candidates.loaded).containsExactly("image");
        assertThat(s.rows()).extracting(Row::outcome).containsExactly(Outcome.CHOSEN, Outcome.FAILED_FIDELITY);
        assertThat(s.rows().get(1).note()).isEqualTo("top1=0.938 cosine=0.99653 passed=false");
        assertThat(s.msPerBatch()).as("measured even alone: the registry shows the figures")
                .containsOnlyKeys(1, 4);
    }

    @Test
    void stopsMeasuringACandidateOnceOnePassTakesTwiceTheBests() {
        candidates.time(FP32, size -> 100.0 * size).time(BF16, size -> 300.0 * size);

        Selection<String> s = select(AMX, List.of(FP32, BF16), Optional.empty(), Duration.ofMinutes(1));

        assertThat(s.variant()).isEqualTo(FP32);
        assertThat(candidates.passes.get("image_bf16")).as("warm-ups at both sizes, then its first timed pass was 3x"
                + " the baseline's").isEqualTo(3);
        assertThat(s.rows().get(1).outcome()).isEqualTo(Outcome.SLOWER);
        assertThat(s.rows().get(1).note()).contains("batch 1").contains("300.0 ms").contains("image's");
        assertThat(s.rows().get(0).outcome()).isEqualTo(Outcome.CHOSEN);
        assertThat(candidates.closed).containsExactly("image_bf16");
    }

    @Test
    void aBurstOfLoadWhileOneCandidateIsTimedDoesNotPickTheSlowerOne() {
        // bf16 is twice as fast; from the 9th pass on the machine is 4x slower for 8 passes (others starting up).
        // Timed one after the other, those were all of bf16's timed passes; in alternation both are hit alike.
        candidates.time(FP32, size -> 100.0 * size).time(BF16, size -> 50.0 * size)
                .burst(n -> n >= 8 && n < 16 ? 4 : 1);

        Selection<String> s = select(AMX, List.of(FP32, BF16), Optional.empty(), Duration.ofMinutes(1));

        assertThat(s.variant()).isEqualTo(BF16);
        assertThat(s.msPerBatch()).containsExactly(Map.entry(1, 50.0), Map.entry(4, 200.0));
        assertThat(candidates.loaded).as("loaded together, timed side by side").containsExactly("image",
                "image_bf16");
        assertThat(candidates.passOrder.subList(0, 8)).containsExactly("image", "image_bf16", "image",
                "image_bf16", "image_bf16", "image", "image_bf16", "image");
    }

    @Test
    void aSlowWarmUpAloneDoesNotDropACandidate() {
        // first passes 5x the baseline's (one-time packing), then twice as fast
        candidates.time(FP32, size -> 100.0 * size).time(BF16, new double[] {500, 2000, 50, 200, 50, 200, 50, 200});

        Selection<String> s = select(AMX, List.of(FP32, BF16), Optional.empty(), Duration.ofMinutes(1));

        assertThat(s.variant()).isEqualTo(BF16);
        assertThat(s.msPerBatch()).containsExactly(Map.entry(1, 50.0), Map.entry(4, 200.0));
    }

    @Test
    void theBudgetCapsExtraRoundsButEveryCandidateIsTimedOnceAtEachSize() {
        // 500 ms per pass of 4: the baseline's warm-up and first timed round alone are over a 1 s budget
        candidates.time(FP32, size -> 125.0 * size).time(INT8, size -> 100.0 * size);

        Selection<String> s = select(AVX2, List.of(FP32, INT8), Optional.empty(), Duration.ofSeconds(1));

        assertThat(candidates.passes.get("image")).as("one warm-up and one timed pass at each size").isEqualTo(4);
        assertThat(candidates.passes.get("image_int8")).as("measured although the budget was spent").isEqualTo(4);
        assertThat(s.variant()).isEqualTo(INT8);
        assertThat(s.msPerBatch()).containsExactly(Map.entry(1, 100.0), Map.entry(4, 400.0));
        assertThat(s.rows().get(0).note()).contains("budget of 1000 ms spent after 1 timed round");
        assertThat(candidates.closed).containsExactly("image");
    }

    @Test
    void aPinnedVariantIsServedWithoutMeasuringEvenWhereTheCpuWouldSkipIt() {
        candidates.time(FP32, size -> 100.0 * size).time(BF16, size -> 500.0 * size);

        Selection<String> s = select(AVX2, List.of(FP32, BF16), Optional.of("image_bf16"), Duration.ofMinutes(1));

        assertThat(s.variant()).isEqualTo(BF16);
        assertThat(s.how()).isEqualTo(WorkerPresence.Served.PINNED);
        assertThat(s.msPerBatch()).isEmpty();
        assertThat(candidates.loaded).containsExactly("image_bf16");
        assertThat(candidates.passes).isEmpty();
        assertThat(s.rows()).singleElement().satisfies(row -> {
            assertThat(row.outcome()).isEqualTo(Outcome.PINNED);
            assertThat(row.note()).contains("by the operator").contains("bf16 is emulated");
        });
    }

    @Test
    void pinningAVariantTheFolderDoesNotHaveFailsNamingTheCandidates() {
        assertThatThrownBy(() -> select(AVX2, List.of(FP32, INT8), Optional.of("image_fp16"), Duration.ofMinutes(1)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("model 'image' has no variant 'image_fp16'")
                .hasMessageContaining("[image, image_int8]");
    }

    @Test
    void aSingleCandidateIsLoadedWithoutMeasuring() {
        candidates.time(FP32, size -> 100.0 * size);

        Selection<String> s = select(AVX2, List.of(FP32), Optional.empty(), Duration.ofMinutes(1));

        assertThat(s.how()).isEqualTo(WorkerPresence.Served.ONLY);
        assertThat(s.msPerBatch()).isEmpty();
        assertThat(candidates.passes).isEmpty();
    }

    @Test
    void aCandidateThatCannotLoadOrRunIsReportedAndTheOthersCompete() {
        candidates.time(FP32, size -> 100.0 * size).failLoad(INT8).failPass(ONNX);

        Selection<String> s = select(AVX2, List.of(FP32, INT8, ONNX), Optional.empty(), Duration.ofMinutes(1));

        assertThat(s.variant()).isEqualTo(FP32);
        assertThat(s.rows()).extracting(Row::outcome).containsExactly(Outcome.CHOSEN, Outcome.FAILED, Outcome.FAILED);
        assertThat(s.rows().get(1).note()).isEqualTo("cannot load: no such file image_int8.pt");
        assertThat(s.rows().get(2).note()).isEqualTo("a forward pass failed: unsupported operator");
        assertThat(candidates.closed).containsExactly("image_onnx");
    }

    @Test
    void failsWhenNoCandidateCanBeLoaded() {
        candidates.failLoad(FP32).failLoad(INT8);

        assertThatThrownBy(() -> select(AVX2, List.of(FP32, INT8), Optional.empty(), Duration.ofMinutes(1)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("no variant of model 'image' could be loaded and run")
                .hasMessageContaining("cannot load: no such file image.pt");
    }

    private Selection<String> select(CpuFeatures cpu, List<ModelVariant> variants, Optional<String> pinned,
            Duration budget) {
        return new VariantSelector(cpu, budget).select("image", variants, pinned, SIZES, candidates::load);
    }

    private static Fidelity passed() {
        return Fidelity.parse("top1=1.000 cosine=0.99990 passed=true");
    }

    /** Fake candidates: each pass takes the scripted milliseconds; records loads, passes and closes. */
    static final class Candidates {
        final Map<String, IntToDoubleFunction> bySize = new HashMap<>();
        final Map<String, double[]> scripted = new HashMap<>();
        final List<String> failingLoads = new ArrayList<>();
        final List<String> failingPasses = new ArrayList<>();
        final List<String> loaded = new ArrayList<>();
        final List<String> closed = new ArrayList<>();
        final Map<String, Integer> passes = new HashMap<>();
        final List<String> passOrder = new ArrayList<>();
        IntToDoubleFunction slowdownByPass = n -> 1;

        Candidates time(ModelVariant variant, IntToDoubleFunction msBySize) {
            bySize.put(variant.name(), msBySize);
            return this;
        }

        /** Pass n (warm-ups included, in the order sizes are run) takes {@code ms[n]}. */
        Candidates time(ModelVariant variant, double[] ms) {
            scripted.put(variant.name(), ms);
            return this;
        }

        /** Pass n of all candidates together takes {@code factor(n)} times its scripted time. */
        Candidates burst(IntToDoubleFunction factor) {
            slowdownByPass = factor;
            return this;
        }

        Candidates failLoad(ModelVariant variant) {
            failingLoads.add(variant.name());
            return this;
        }

        Candidates failPass(ModelVariant variant) {
            failingPasses.add(variant.name());
            return this;
        }

        VariantSelector.Trial<String> load(ModelVariant variant) throws Exception {
            String name = variant.name();
            if (failingLoads.contains(name)) {
                throw new java.io.FileNotFoundException("no such file " + name + ".pt");
            }
            loaded.add(name);
            return new VariantSelector.Trial<>() {
                @Override
                public String model() {
                    return name;
                }

                @Override
                public Duration pass(int batchSize) {
                    if (failingPasses.contains(name)) {
                        throw new IllegalStateException("unsupported operator");
                    }
                    int n = passes.merge(name, 1, Integer::sum) - 1;
                    double ms = (scripted.containsKey(name) ? scripted.get(name)[n] : bySize.get(name)
                            .applyAsDouble(batchSize)) * slowdownByPass.applyAsDouble(passOrder.size());
                    passOrder.add(name);
                    return Duration.ofNanos((long) (ms * 1_000_000));
                }

                @Override
                public void close() {
                    closed.add(name);
                }
            };
        }
    }
}
