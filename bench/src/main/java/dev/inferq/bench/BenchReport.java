package dev.inferq.bench;

import dev.inferq.contract.JobCodec;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.stream.Stream;

/** The results of one run: the derived figures, the printed tables, and the JSON and CSV files. */
final class BenchReport {

    /** One saturation step and whether it was sustained. */
    record Step(StepResult result, boolean sustained, String verdict) {
    }

    private final BenchSettings settings;
    List<EngineBench.Result> engine = List.of();
    StepResult idle;
    final List<Step> steps = new ArrayList<>();
    double mixedTextRate = Double.NaN;
    StepResult textAlone;
    StepResult textWithImage;
    StepResult imageLoad;
    final Map<String, List<Platform.Memory>> memory = new LinkedHashMap<>();
    /** Part f: the image model's fp32 file under plain PyTorch; empty when skipped. */
    List<EngineBench.Result> torch = List.of();
    /** The platform's warm-up before parts c to g; null with --engine-only. */
    CpuPerJob.WarmUp warmUp;
    /** Part e. */
    CpuPerJob.Result cpu;
    /** Part g: the image model kept saturated through the platform. */
    StepResult imageE2e;
    /** The image variant the worker announced; null until the platform ran (or with --engine-only). */
    Platform.Served served;

    BenchReport(BenchSettings settings) {
        this.settings = settings;
    }

    void addStep(StepResult result) {
        steps.add(new Step(result, settings.limits().sustained(result), settings.limits().verdict(result)));
    }

    /** Inputs/s of the text model at its largest batch size: the engine-bound ceiling. */
    double engineTextBatched() {
        int batch = settings.textBatches().stream().mapToInt(Integer::intValue).max().orElseThrow();
        return engine(settings.textModel(), "fp32", batch).map(EngineBench.Result::itemsPerSec).orElse(Double.NaN);
    }

    /** Median ms of one text-model call at batch 1 (same sample texts as the idle loop sends). */
    double engineTextSingleMs() {
        return engine(settings.textModel(), "fp32", 1).map(EngineBench.Result::medianMs).orElse(Double.NaN);
    }

    /** The best engine-bound img/s of any image variant at any batch size. */
    double bestImagePerSec() {
        return imageRows().mapToDouble(EngineBench.Result::itemsPerSec).max().orElse(Double.NaN);
    }

    /**
     * The image variant of the figures: the one the worker announced it serves, else (engine only, or no worker
     * said) the fastest one measured, which is the one a worker choosing by speed would serve.
     */
    String variant() {
        if (served != null) {
            return served.variant();
        }
        return imageRows().max(Comparator.comparingDouble(EngineBench.Result::itemsPerSec))
                .map(EngineBench.Result::variant).orElse(null);
    }

    /** The best engine-bound img/s of {@link #variant()}; NaN when part a did not measure it. */
    double servedImagePerSec() {
        String variant = variant();
        return imageRows().filter(r -> r.variant().equals(variant)).mapToDouble(EngineBench.Result::itemsPerSec)
                .max().orElse(Double.NaN);
    }

    /** Plain PyTorch's img/s at batch 1 with the fp32 file (part f). */
    double torchSinglePerSec() {
        return torch.stream().filter(r -> r.batch() == 1).mapToDouble(EngineBench.Result::itemsPerSec).findFirst()
                .orElse(Double.NaN);
    }

    double imageVsTorch() {
        return servedImagePerSec() / torchSinglePerSec();
    }

    double imageE2eVsEngine() {
        return imageE2e == null ? Double.NaN : imageE2e.completedPerSec() / bestImagePerSec();
    }

    double cpuMsPerJob() {
        return cpu == null ? Double.NaN : cpu.allMsPerJob();
    }

    double platformCpuMsPerJob() {
        return cpu == null ? Double.NaN : cpu.platformMsPerJob();
    }

    /**
     * Part e's three text rates: a quarter, half and 90% of the best sustained step (of the first step's completions
     * where none was sustained), so the highest is near saturation and the three give a slope.
     */
    List<Double> cpuRates() {
        double best = bestSustainedText();
        if (Double.isNaN(best)) {
            best = steps.isEmpty() ? settings.startRate() : steps.get(0).result().completedPerSec();
        }
        double top = Math.max(best, 4);
        return List.of(top * 0.25, top * 0.5, top * 0.9);
    }

    /** Part d: the text p95 while the image model is saturated over the text p95 alone. */
    double textP95Ratio() {
        return textAlone == null || textWithImage == null ? Double.NaN
                : textWithImage.latency().p95Ms() / textAlone.latency().p95Ms();
    }

    private Stream<EngineBench.Result> imageRows() {
        return engine.stream().filter(r -> r.model().equals(settings.imageModel()));
    }

    /** The highest completed jobs/s among the sustained steps. */
    double bestSustainedText() {
        OptionalDouble best = steps.stream().filter(Step::sustained).mapToDouble(s -> s.result().completedPerSec())
                .max();
        return best.orElse(Double.NaN);
    }

    /** Part d's default text rate: half the best sustained step, else half the first step's completions. */
    double moderateTextRate() {
        double best = bestSustainedText();
        if (Double.isNaN(best)) {
            best = steps.isEmpty() ? settings.startRate() : steps.get(0).result().completedPerSec();
        }
        return Math.max(1, Math.round(best / 2));
    }

    /** {@link #bestSustainedText()} in texts/s: jobs/s times the texts of each job. */
    double bestSustainedTextInputs() {
        return bestSustainedText() * settings.textsPerJob();
    }

    double textE2eVsEngine() {
        return bestSustainedTextInputs() / engineTextBatched();
    }

    double overheadP50Ms() {
        return idle == null ? Double.NaN : idle.latency().p50Ms() - engineTextSingleMs();
    }

    /** The last line bench/run prints; {@code n/a} for a figure this run did not measure. */
    static String finalLine(double textE2eVsEngine, double overheadP50Ms, double cpuMsPerJob,
                            double platformCpuMsPerJob, double imageE2eVsEngine, double imageVsTorch,
                            String variant) {
        return "text_e2e_vs_engine=" + fmt(textE2eVsEngine, 2) + " overhead_p50_ms=" + fmt(overheadP50Ms, 1)
                + " cpu_ms_per_job=" + fmt(cpuMsPerJob, 1) + " platform_cpu_ms_per_job=" + fmt(platformCpuMsPerJob, 1)
                + " image_e2e_vs_engine=" + fmt(imageE2eVsEngine, 2)
                + " image_vs_torch=" + fmt(imageVsTorch, 2) + " variant=" + (variant == null ? "n/a" : variant);
    }

    String finalLine() {
        return finalLine(textE2eVsEngine(), overheadP50Ms(), cpuMsPerJob(), platformCpuMsPerJob(),
                imageE2eVsEngine(), imageVsTorch(), variant());
    }

    void print(PrintStream out) {
        out.println();
        out.println("CPU: " + cpuModel() + ", " + Runtime.getRuntime().availableProcessors() + " cores; models "
                + settings.modelsDir());
        out.println();
        out.println("== (a) engine-bound, in process, classify() of the worker's classifiers, "
                + System.getProperty("ai.djl.pytorch.num_threads", "default") + " intra-op threads ==");
        out.printf(Locale.ROOT, "%-10s %-14s %-22s %5s %10s %10s%n", "model", "variant", "engine/file", "batch",
                "ms/call", "items/s");
        for (EngineBench.Result r : engine) {
            out.printf(Locale.ROOT, "%-10s %-14s %-22s %5d %10.1f %10.1f%n", r.model(), r.variant(), r.engine(),
                    r.batch(), r.medianMs(), r.itemsPerSec());
        }
        if (!torch.isEmpty()) {
            out.println();
            out.println("== (f) plain PyTorch (" + torch.get(0).engine() + "), same cores and threads, same work"
                    + " per call (resize, normalise, forward, softmax) ==");
            out.printf(Locale.ROOT, "%-10s %-14s %-22s %5s %10s %10s%n", "model", "variant", "engine/file", "batch",
                    "ms/call", "items/s");
            for (EngineBench.Result r : torch) {
                out.printf(Locale.ROOT, "%-10s %-14s %-22s %5d %10.1f %10.1f%n", r.model(), r.variant(),
                        r.engine().replaceFirst(" .*/", "/"), r.batch(), r.medianMs(), r.itemsPerSec());
            }
            out.printf(Locale.ROOT, "image_vs_torch: %s %.2f img/s (engine-bound, best batch) / plain PyTorch fp32"
                    + " batch 1 %.2f img/s = %.2f%n", variant(), servedImagePerSec(), torchSinglePerSec(),
                    imageVsTorch());
        }
        if (idle != null) {
            out.println();
            out.println("== (c) idle: one " + settings.textModel() + " job in flight at a time, POST + SSE ==");
            printHeader(out);
            printRow(out, idle, "");
            out.printf(Locale.ROOT, "e2e p50 %.1f ms - engine batch-1 p50 %.1f ms = overhead %.1f ms%n",
                    idle.latency().p50Ms(), engineTextSingleMs(), overheadP50Ms());
        }
        if (!steps.isEmpty()) {
            out.println();
            out.println("== (b) open-loop saturation, " + settings.textModel() + ", " + settings.textsPerJob()
                    + " text(s) per job, POST + SSE, "
                    + settings.step().toSeconds() + " s per step; sustained: p95 <= " + settings.limits().p95().toMillis()
                    + " ms, completed >= " + Math.round(settings.limits().minCompletedRatio() * 100)
                    + "% of offered, errors <= " + settings.limits().maxErrorRatio() * 100 + "% ==");
            printHeader(out);
            steps.forEach(s -> printRow(out, s.result(), s.verdict()));
            out.printf(Locale.ROOT, "best sustained %.1f inputs/s / engine batch-%d %.1f inputs/s = %.2f%n",
                    bestSustainedTextInputs(), settings.textBatches().stream().mapToInt(Integer::intValue).max().orElse(0),
                    engineTextBatched(), textE2eVsEngine());
        }
        if (cpu != null) {
            out.println();
            out.println("== (e) CPU per completed job by process and thread (/proc/<pid>/task/*/stat utime+stime), "
                    + settings.textModel() + ", after the saturation steps ==");
            if (warmUp != null) {
                out.printf(Locale.ROOT, "warm-up: %.0f s, %d jobs; the platform's JIT threads at its end: %.0f%% of a"
                        + " core (%s)%n", warmUp.seconds(), warmUp.jobs(), warmUp.lastJitPctOfCore(), warmUp.quiet()
                        ? "quiet" : "NOT quiet: the figures below include compilation; raise --warmup-seconds");
            }
            CpuPerJob.print(cpu, out);
        }
        if (imageE2e != null) {
            out.println();
            out.println("== (g) " + settings.imageModel() + " end to end, kept saturated (closed loop), POST + SSE;"
                    + " done/s = steady rate ==");
            printHeader(out);
            printRow(out, imageE2e, "");
            out.printf(Locale.ROOT, "image_e2e_vs_engine: %.2f img/s end to end / best engine-bound %.2f img/s = %.2f"
                    + " (served: %s)%n", imageE2e.completedPerSec(), bestImagePerSec(), imageE2eVsEngine(),
                    served == null ? "n/a" : served.variant() + " on " + served.engine());
        }
        if (textAlone != null) {
            out.println();
            out.println("== (d) " + settings.textModel() + " at " + mixedTextRate + " jobs/s, alone and "
                    + "while " + settings.imageModel() + " is offered " + settings.imageOverload()
                    + "x its engine-bound throughput ==");
            printHeader(out);
            printRow(out, textAlone, "");
            printRow(out, textWithImage, "");
            printRow(out, imageLoad, "");
            out.printf(Locale.ROOT, "text_p95_ratio (text p95 with image / alone) = %.2f%n", textP95Ratio());
        }
        if (!memory.isEmpty()) {
            out.println();
            out.println("== memory (/proc/<pid>/status) ==");
            memory.forEach((when, list) -> list.forEach(m -> out.printf(Locale.ROOT,
                    "%-24s %-12s pid %-7d VmRSS %7.0f MiB  VmHWM %7.0f MiB%n", when, m.process(), m.pid(),
                    m.rssMiB(), m.hwmMiB())));
        }
    }

    private static void printHeader(PrintStream out) {
        out.printf(Locale.ROOT, "%-22s %9s %8s %5s %6s %5s %8s %8s %8s %8s %8s  %s%n", "phase", "offered/s",
                "done/s", "sent", "errors", "unfin", "p50 ms", "p95 ms", "p99 ms", "queue50", "run50", "verdict");
    }

    private static void printRow(PrintStream out, StepResult r, String verdict) {
        out.printf(Locale.ROOT, "%-22s %9.1f %8.1f %5d %6d %5d %8.1f %8.1f %8.1f %8.0f %8.0f  %s%n", r.label(),
                r.offeredPerSec(), r.completedPerSec(), r.sent(), r.errors(), r.unfinished(), r.latency().p50Ms(),
                r.latency().p95Ms(), r.latency().p99Ms(), r.queued().p50Ms(), r.running().p50Ms(), verdict);
    }

    /** Writes results.json (everything), engine.csv and steps.csv into {@code dir}. */
    void write(Path dir) throws IOException {
        Files.createDirectories(dir);
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("settings", Map.of("quick", settings.quick(), "models_dir", settings.modelsDir().toString(),
                "text_model", settings.textModel(), "image_model", settings.imageModel(),
                "intra_op_threads", System.getProperty("ai.djl.pytorch.num_threads", "default")));
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("text_e2e_vs_engine", textE2eVsEngine());
        summary.put("overhead_p50_ms", overheadP50Ms());
        summary.put("cpu_ms_per_job", cpuMsPerJob());
        summary.put("platform_cpu_ms_per_job", platformCpuMsPerJob());
        summary.put("image_e2e_vs_engine", imageE2eVsEngine());
        summary.put("image_vs_torch", imageVsTorch());
        summary.put("variant", variant());
        summary.put("text_p95_ratio", textP95Ratio());
        summary.put("best_sustained_text_per_sec", bestSustainedTextInputs());
        summary.put("texts_per_job", settings.textsPerJob());
        summary.put("engine_text_batched_per_sec", engineTextBatched());
        summary.put("engine_image_best_per_sec", bestImagePerSec());
        summary.put("engine_image_served_per_sec", servedImagePerSec());
        summary.put("torch_image_single_per_sec", torchSinglePerSec());
        summary.put("cpu", Map.of("cpu_model", cpuModel(), "cores", Runtime.getRuntime()
                .availableProcessors()));
        json.put("summary", summary);
        json.put("served", served);
        json.put("engine", engine);
        json.put("torch", torch);
        json.put("warm_up", warmUp);
        json.put("cpu_per_job", cpu);
        json.put("image_e2e", imageE2e);
        json.put("idle", idle);
        json.put("steps", steps);
        json.put("text_alone", textAlone);
        json.put("text_with_image", textWithImage);
        json.put("image_load", imageLoad);
        json.put("memory", memory);
        JobCodec.mapper().writerWithDefaultPrettyPrinter().writeValue(dir.resolve("results.json").toFile(), json);

        List<String> engineCsv = new ArrayList<>(List.of("model,variant,engine,batch,median_ms,items_per_sec"));
        Stream.concat(engine.stream(), torch.stream()).forEach(r -> engineCsv.add(String.join(",", r.model(), r.variant(), r.engine(),
                String.valueOf(r.batch()), fmt(r.medianMs(), 3), fmt(r.itemsPerSec(), 2))));
        Files.write(dir.resolve("engine.csv"), engineCsv);

        List<String> stepsCsv = new ArrayList<>(List.of(
                "phase,offered_per_sec,completed_per_sec,sent,errors,unfinished,p50_ms,p95_ms,p99_ms,"
                        + "queued_p50_ms,running_p50_ms,sustained"));
        steps.forEach(s -> stepsCsv.add(csv(s.result(), String.valueOf(s.sustained()))));
        if (cpu != null) {
            cpu.windows().forEach(w -> stepsCsv.add(csv(w.load(), "")));
        }
        for (StepResult r : new StepResult[] {idle, imageE2e, textAlone, textWithImage, imageLoad}) {
            if (r != null) {
                stepsCsv.add(csv(r, ""));
            }
        }
        Files.write(dir.resolve("steps.csv"), stepsCsv);
    }

    private static String csv(StepResult r, String sustained) {
        return String.join(",", r.label(), fmt(r.offeredPerSec(), 2), fmt(r.completedPerSec(), 2),
                String.valueOf(r.sent()), String.valueOf(r.errors()), String.valueOf(r.unfinished()),
                fmt(r.latency().p50Ms(), 2), fmt(r.latency().p95Ms(), 2), fmt(r.latency().p99Ms(), 2),
                fmt(r.queued().p50Ms(), 0), fmt(r.running().p50Ms(), 0), sustained);
    }

    private Optional<EngineBench.Result> engine(String model, String variant, int batch) {
        return engine.stream().filter(r -> r.model().equals(model) && r.variant().equals(variant)
                && r.batch() == batch).findFirst();
    }

    /** The CPU's model name from {@code /proc/cpuinfo}: every figure is this machine's. */
    static String cpuModel() {
        try (Stream<String> lines = Files.lines(Path.of("/proc/cpuinfo"))) {
            return lines.filter(l -> l.startsWith("model name")).map(l -> l.substring(l.indexOf(':') + 1).trim())
                    .findFirst().orElse("unknown CPU");
        } catch (IOException e) {
            return "unknown CPU (" + e.getMessage() + ")";
        }
    }

    private static String fmt(double value, int decimals) {
        return Double.isNaN(value) || Double.isInfinite(value) ? "n/a"
                : String.format(Locale.ROOT, "%." + decimals + "f", value);
    }
}
