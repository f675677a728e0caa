package dev.inferq.worker.inference.variant;

import dev.inferq.common.worker.WorkerPresence;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Chooses which of a model folder's variants this worker serves, on the CPU it runs on (models/README.md, "Image
 * model variants"). Candidates the CPU cannot run fast ({@link CpuFeatures#whySlow}) and those whose recorded
 * fidelity failed are skipped without loading; the rest are loaded together (when nothing qualifies, the baseline
 * alone is measured and served: float32 always runs) and timed in alternation: one warm-up pass of each at each batch
 * size, then up to {@value #ROUNDS} timed rounds, each candidate's pass at one size right after the others' (in
 * reverse order every other round). Each candidate's figure per size is its fastest timed pass, the least disturbed
 * by others; the fastest at the largest batch size is served and every other candidate is closed. Timing them side by
 * side is what makes the choice hold under load at start: timed one after the other, a burst of load (the platform's
 * other processes starting, a neighbour's job) that fell on one candidate's rounds made it look slower, and the
 * slower one was served. The price is memory: every candidate is loaded at once while they are timed.
 *
 * <p>Time is capped: once the forward passes spent measuring one model add up to {@code budget}, no candidate gets
 * another timed round, and a candidate is dropped as soon as its fastest timed pass at a size takes more than
 * {@value #GIVE_UP_FACTOR} times the fastest candidate's. Every candidate still gets its warm-up and
 * one timed round, whatever the budget: on a busy machine the float32 baseline alone once used the whole budget, and
 * the 4x faster bf16 variant was never measured. Warm-up passes are not compared: a first pass includes one-time
 * work (weight packing, kernel choice) that differs by precision, and on a busy machine it was over 2x float32's for
 * the bf16 variant that then ran 3.7x faster than float32. A pinned variant, or a folder with a single candidate (no
 * {@code variants} list), is loaded without measuring.
 */
public final class VariantSelector {

    /** Timed rounds per candidate at most; the figure kept per size is the fastest, the least disturbed by others. */
    static final int ROUNDS = 3;
    /** A candidate this many times slower than the best at one size cannot win: stop spending time on it. */
    static final double GIVE_UP_FACTOR = 2.0;

    private final CpuFeatures cpu;
    private final Duration budget;

    public VariantSelector(CpuFeatures cpu, Duration budget) {
        this.cpu = cpu;
        this.budget = budget;
    }

    /** A loaded candidate that can run forward passes. */
    public interface Trial<M> extends AutoCloseable {

        /** What is served if this candidate wins. */
        M model();

        /** Runs one forward pass over {@code batchSize} inputs and says how long it took. */
        Duration pass(int batchSize);

        /** Releases the candidate; called on every candidate except the one served. */
        @Override
        void close();
    }

    /** Loads one candidate. */
    @FunctionalInterface
    public interface Loader<M> {
        Trial<M> load(ModelVariant variant) throws Exception;
    }

    /** What became of one candidate. */
    public enum Outcome {
        CHOSEN, PINNED, ONLY, MEASURED, SLOWER, SKIPPED, FAILED_FIDELITY, FAILED;

        String label() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    /** One line of the selection table: a candidate, its outcome, its milliseconds per pass by batch size, why. */
    public record Row(ModelVariant variant, Outcome outcome, SortedMap<Integer, Double> msPerBatch, String note) {

        public Row {
            msPerBatch = Collections.unmodifiableSortedMap(new TreeMap<>(msPerBatch));
        }
    }

    /**
     * The served candidate ({@code model}, its variant), how it was chosen ({@link WorkerPresence.Served#MEASURED},
     * {@link WorkerPresence.Served#PINNED} or {@link WorkerPresence.Served#ONLY}), its measured milliseconds per
     * forward pass by batch size (empty unless measured), and the table of every candidate.
     */
    public record Selection<M>(M model, ModelVariant variant, String how, SortedMap<Integer, Double> msPerBatch,
            List<Row> rows) {

        public Selection {
            msPerBatch = Collections.unmodifiableSortedMap(new TreeMap<>(msPerBatch));
            rows = List.copyOf(rows);
        }

        /** The table, one line per candidate: variant, engine, precision, ms per pass at each size, outcome. */
        public String table() {
            int width = rows.stream().mapToInt(row -> row.variant().name().length()).max().orElse(0);
            return rows.stream().map(row -> String.format(Locale.ROOT, "  %-" + width + "s  %-12s %-4s  %-28s %s%s",
                    row.variant().name(), row.variant().engine(), row.variant().precision().key(),
                    timings(row.msPerBatch()), row.outcome().label(),
                    row.note().isEmpty() ? "" : ": " + row.note())).collect(Collectors.joining("\n"));
        }

        private static String timings(SortedMap<Integer, Double> ms) {
            return ms.isEmpty() ? "-" : ms.entrySet().stream()
                    .map(e -> String.format(Locale.ROOT, "b%d=%.1fms", e.getKey(), e.getValue()))
                    .collect(Collectors.joining(" "));
        }
    }

    /**
     * Chooses among {@code candidates} (the baseline first, as {@link ModelVariants#of} lists them).
     *
     * @param pinned the variant an operator pinned for this model, if any: loaded as it is, without measuring
     * @param batchSizes the batch sizes to time (the model's smallest and largest); the largest decides
     * @throws IllegalStateException when the pinned variant is not a candidate, or no candidate could be loaded
     */
    public <M> Selection<M> select(String model, List<ModelVariant> candidates, Optional<String> pinned,
            List<Integer> batchSizes, Loader<M> loader) {
        if (pinned.isPresent()) {
            ModelVariant variant = candidates.stream().filter(c -> c.name().equals(pinned.get())).findFirst()
                    .orElseThrow(() -> new IllegalStateException("model '" + model + "' has no variant '"
                            + pinned.get() + "' to pin; its candidates are "
                            + candidates.stream().map(ModelVariant::name).toList()));
            return only(model, variant, loader, WorkerPresence.Served.PINNED, Outcome.PINNED, pinnedNote(variant));
        }
        List<Row> rows = new ArrayList<>();
        List<ModelVariant> eligible = new ArrayList<>();
        for (ModelVariant candidate : candidates) {
            Optional<String> slow = cpu.whySlow(candidate.precision());
            if (slow.isPresent()) {
                rows.add(new Row(candidate, Outcome.SKIPPED, new TreeMap<>(), slow.get()));
            } else if (!candidate.fidelity().passed()) {
                rows.add(new Row(candidate, Outcome.FAILED_FIDELITY, new TreeMap<>(), candidate.fidelity().summary()));
            } else {
                eligible.add(candidate);
            }
        }
        if (candidates.size() == 1) {
            return only(model, candidates.get(0), loader, WorkerPresence.Served.ONLY, Outcome.ONLY, "");
        }
        if (eligible.isEmpty()) {
            // Nothing else qualifies on this CPU; the baseline always runs, so it is measured and served.
            ModelVariant baseline = candidates.get(0);
            rows.removeIf(row -> row.variant().equals(baseline));
            eligible.add(baseline);
        }
        return measure(model, eligible, rows, new TreeSet<>(batchSizes), loader);
    }

    private <M> Selection<M> measure(String model, List<ModelVariant> eligible, List<Row> rows,
            TreeSet<Integer> sizes, Loader<M> loader) {
        int deciding = sizes.last();
        Map<ModelVariant, Row> ended = new LinkedHashMap<>();
        List<Measured<M>> live = new ArrayList<>();
        for (ModelVariant candidate : eligible) {
            try {
                live.add(new Measured<>(candidate, loader.load(candidate)));
            } catch (Exception e) {
                ended.put(candidate, new Row(candidate, Outcome.FAILED, new TreeMap<>(), "cannot load: "
                        + e.getMessage()));
            }
        }
        long spentNanos = 0;
        for (int round = 0; round <= ROUNDS && !live.isEmpty(); round++) {
            if (round > 1 && spentNanos >= budget.toNanos()) {
                String note = "measuring budget of " + budget.toMillis() + " ms spent after " + (round - 1)
                        + " timed round(s)";
                live.forEach(m -> m.note = note);
                break;
            }
            for (int size : sizes) {
                // Every other round the other way round: a candidate is not always the one timed first after a rest.
                List<Measured<M>> order = new ArrayList<>(live);
                if (round % 2 == 1) {
                    Collections.reverse(order);
                }
                for (Measured<M> current : order) {
                    try {
                        double ms = millis(current.trial.pass(size));
                        spentNanos += (long) (ms * 1e6);
                        if (round > 0) {
                            current.timed.merge(size, ms, Math::min);
                        }
                    } catch (RuntimeException e) {
                        current.trial.close();
                        live.remove(current);
                        ended.put(current.variant, new Row(current.variant, Outcome.FAILED, current.timed,
                                "a forward pass failed: " + e.getMessage()));
                    }
                }
                if (round > 0) {
                    dropTheHopeless(live, size, ended);
                }
            }
        }
        Measured<M> best = live.stream().min(Comparator.comparingDouble(m -> m.timed.get(deciding))).orElse(null);
        if (best == null) {
            throw new IllegalStateException("no variant of model '" + model + "' could be loaded and run:\n"
                    + new Selection<>(null, eligible.get(0), "", new TreeMap<>(), concat(List.copyOf(ended.values()),
                    rows)).table());
        }
        for (Measured<M> m : live) {
            if (m != best) {
                m.trial.close();
            }
            ended.put(m.variant, m == best
                    ? new Row(m.variant, Outcome.CHOSEN, m.timed, "fastest at batch " + deciding)
                    : new Row(m.variant, Outcome.MEASURED, m.timed, m.note));
        }
        List<Row> table = eligible.stream().map(ended::get).toList();
        return new Selection<>(best.trial.model(), best.variant, WorkerPresence.Served.MEASURED, best.timed,
                concat(table, rows));
    }

    /**
     * Closes every candidate whose fastest pass at {@code size} so far is over {@value #GIVE_UP_FACTOR} times the
     * fastest candidate's: it cannot win. Fastest against fastest, timed in the same rounds: load on the machine only
     * slows passes, so a burst that hit one candidate's pass does not drop it.
     */
    private static <M> void dropTheHopeless(List<Measured<M>> live, int size, Map<ModelVariant, Row> ended) {
        Measured<M> fastest = live.stream().filter(m -> m.timed.containsKey(size))
                .min(Comparator.comparingDouble(m -> m.timed.get(size))).orElse(null);
        for (Measured<M> m : List.copyOf(live)) {
            if (fastest != null && m.timed.containsKey(size)
                    && m.timed.get(size) > GIVE_UP_FACTOR * fastest.timed.get(size)) {
                m.trial.close();
                live.remove(m);
                ended.put(m.variant, new Row(m.variant, Outcome.SLOWER, m.timed, String.format(Locale.ROOT,
                        "its fastest timed pass at batch %d took %.1f ms, over %.0fx %s's", size,
                        m.timed.get(size), GIVE_UP_FACTOR, fastest.variant.name())));
            }
        }
    }

    private <M> Selection<M> only(String model, ModelVariant variant, Loader<M> loader, String how, Outcome outcome,
            String note) {
        try {
            Trial<M> trial = loader.load(variant);
            return new Selection<>(trial.model(), variant, how, new TreeMap<>(),
                    List.of(new Row(variant, outcome, new TreeMap<>(), note)));
        } catch (Exception e) {
            throw new IllegalStateException("cannot load variant '" + variant.name() + "' of model '" + model
                    + "': " + e.getMessage(), e);
        }
    }

    private String pinnedNote(ModelVariant variant) {
        List<String> caveats = new ArrayList<>();
        cpu.whySlow(variant.precision()).ifPresent(caveats::add);
        if (!variant.fidelity().passed()) {
            caveats.add("fidelity not passed (" + variant.fidelity().summary() + ")");
        }
        return caveats.isEmpty() ? "by the operator" : "by the operator, although " + String.join("; ", caveats);
    }

    private static List<Row> concat(List<Row> first, List<Row> second) {
        List<Row> all = new ArrayList<>(first);
        all.addAll(second);
        return all;
    }

    private static double millis(Duration duration) {
        return Math.round(duration.toNanos() / 1e5) / 10.0;
    }

    private static final class Measured<M> {
        final ModelVariant variant;
        final Trial<M> trial;
        final SortedMap<Integer, Double> timed = new TreeMap<>();
        String note = "";

        Measured(ModelVariant variant, Trial<M> trial) {
            this.variant = variant;
            this.trial = trial;
        }
    }
}
