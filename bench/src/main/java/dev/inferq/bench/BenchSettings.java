package dev.inferq.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Every knob of one benchmark run, with a full and a {@code --quick} preset; command-line flags override either.
 *
 * @param root the repository root (where {@code run-local} is)
 * @param modelsDir the models folder served by the platform and loaded by the engine bench
 * @param outDir where results, the chart and the platform's run folder go
 * @param quick whether the short preset was asked for (only reported)
 * @param engineOnly skip everything that needs the platform (parts b, c, d)
 * @param textModel the text model of the end-to-end parts
 * @param imageModel the image model (engine variants and the image load of part d)
 * @param textBatches batch sizes of the text engine bench
 * @param imageBatches batch sizes of the image engine bench
 * @param warmupCalls untimed calls before each engine measurement (TorchScript optimises each input shape on its
 *     second and third run, so at least 3)
 * @param textCalls timed calls per text batch size (the median is reported)
 * @param imageCalls timed calls per image batch size
 * @param warmup the longest the platform gets text jobs, 32 in flight, before anything is measured: the warm-up
 *     ends earlier once the JIT compilers are quiet ({@link CpuPerJob#warmUp})
 * @param idleJobs jobs of the closed loop (one in flight) of part c
 * @param startRate offered jobs/s of the first saturation step
 * @param rateFactor each saturation step offers this many times the previous one
 * @param maxSteps the most saturation steps
 * @param step how long each saturation step sends
 * @param limits when a step counts as sustained
 * @param jobTimeout the longest a client waits for one job's result
 * @param drain after a step stops sending, how long its unfinished jobs may still finish
 * @param mixedTextRate the moderate text rate of part d, jobs/s; {@code NaN}: half the best sustained step
 * @param mixed how long each half of part d sends
 * @param imageOverload part d offers images at this multiple of the engine-bound image throughput
 * @param textsPerJob texts in each text job of parts b, c and d: 1 is the worst case for per-job costs (HTTP,
 *     Kafka, Redis), more shows how far they amortise
 * @param cpuWindow how long part e sends at each of its three rates
 * @param imageWindow how long part g keeps the image model saturated (end-to-end image throughput)
 */
public record BenchSettings(
        Path root, Path modelsDir, Path outDir, boolean quick, boolean engineOnly,
        String textModel, String imageModel,
        List<Integer> textBatches, List<Integer> imageBatches, int warmupCalls, int textCalls, int imageCalls,
        Duration warmup, int idleJobs,
        double startRate, double rateFactor, int maxSteps, Duration step, StepLimits limits,
        Duration jobTimeout, Duration drain,
        double mixedTextRate, Duration mixed, double imageOverload, int textsPerJob,
        Duration cpuWindow, Duration imageWindow) {

    static final String USAGE = """
            usage: bench/run [--quick] [--models DIR] [--engine-only] [--text-calls N] [--image-calls N]
                             [--warmup-seconds S] [--idle-jobs N] [--start-rate JOBS_PER_S] [--rate-factor F]
                             [--max-steps N] [--step-seconds S] [--p95-limit-ms MS]
                             [--mixed-text-rate JOBS_PER_S] [--mixed-seconds S] [--texts-per-job N]
                             [--cpu-seconds S] [--image-seconds S]""";

    private static final Set<String> VALUED = Set.of("--models", "--text-calls", "--image-calls", "--warmup-seconds",
            "--idle-jobs", "--start-rate", "--rate-factor", "--max-steps", "--step-seconds", "--p95-limit-ms",
            "--mixed-text-rate", "--mixed-seconds", "--texts-per-job", "--cpu-seconds",
            "--image-seconds");

    /** The preset ({@code --quick} or full), with the other flags of {@code args} applied over it. */
    static BenchSettings parse(Path root, String[] args) {
        Map<String, String> f = new HashMap<>();
        boolean quick = false;
        boolean engineOnly = false;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--quick")) {
                quick = true;
            } else if (args[i].equals("--engine-only")) {
                engineOnly = true;
            } else if (!VALUED.contains(args[i])) {
                throw new IllegalArgumentException("unknown option " + args[i] + "\n" + USAGE);
            } else if (i + 1 == args.length) {
                throw new IllegalArgumentException("missing value after " + args[i] + "\n" + USAGE);
            } else {
                f.put(args[i], args[++i]);
            }
        }
        BenchSettings p = quick ? quick(root) : full(root);
        double factor = number(f, "--rate-factor", p.rateFactor);
        if (factor <= 1) {
            throw new IllegalArgumentException("--rate-factor must be above 1, was " + factor);
        }
        return new BenchSettings(root, f.containsKey("--models") ? root.resolve(f.get("--models")).normalize()
                : p.modelsDir, p.outDir, quick, engineOnly, p.textModel, p.imageModel, p.textBatches, p.imageBatches,
                p.warmupCalls, whole(f, "--text-calls", p.textCalls), whole(f, "--image-calls", p.imageCalls),
                seconds(f, "--warmup-seconds", p.warmup), whole(f, "--idle-jobs", p.idleJobs),
                number(f, "--start-rate", p.startRate), factor, whole(f, "--max-steps", p.maxSteps),
                seconds(f, "--step-seconds", p.step),
                new StepLimits(Duration.ofMillis(whole(f, "--p95-limit-ms", (int) p.limits.p95().toMillis())),
                        p.limits.minCompletedRatio(), p.limits.maxErrorRatio()),
                p.jobTimeout, p.drain, number(f, "--mixed-text-rate", p.mixedTextRate),
                seconds(f, "--mixed-seconds", p.mixed), p.imageOverload, whole(f, "--texts-per-job", p.textsPerJob),
                seconds(f, "--cpu-seconds", p.cpuWindow),
                seconds(f, "--image-seconds", p.imageWindow));
    }

    static BenchSettings full(Path root) {
        return new BenchSettings(root, root.resolve("models/full"), root.resolve("bench/target"), false, false,
                "sentiment", "image", List.of(1, 8, 32), List.of(1, 4, 8), 5, 50, 10,
                Duration.ofSeconds(600), 300,
                50, 1.25, 14, Duration.ofSeconds(20), new StepLimits(Duration.ofSeconds(1), 0.9, 0.01),
                Duration.ofSeconds(60), Duration.ofSeconds(30),
                Double.NaN, Duration.ofSeconds(30), 2.0, 1,
                Duration.ofSeconds(20), Duration.ofSeconds(40));
    }

    static BenchSettings quick(Path root) {
        return new BenchSettings(root, root.resolve("models/full"), root.resolve("bench/target"), true, false,
                "sentiment", "image", List.of(1, 8, 32), List.of(1, 4), 3, 10, 3,
                Duration.ofSeconds(300), 100,
                50, 1.5, 6, Duration.ofSeconds(6), new StepLimits(Duration.ofSeconds(1), 0.9, 0.01),
                Duration.ofSeconds(20), Duration.ofSeconds(10),
                Double.NaN, Duration.ofSeconds(8), 2.0, 1,
                Duration.ofSeconds(8), Duration.ofSeconds(15));
    }

    Path resultsDir() {
        return outDir.resolve("results");
    }

    Path runDir() {
        return outDir.resolve("run");
    }

    private static int whole(Map<String, String> flags, String flag, int fallback) {
        double n = number(flags, flag, fallback);
        if (n != Math.rint(n)) {
            throw new IllegalArgumentException(flag + " must be a whole number, was " + flags.get(flag));
        }
        return (int) n;
    }

    private static Duration seconds(Map<String, String> flags, String flag, Duration fallback) {
        return flags.containsKey(flag) ? Duration.ofMillis(Math.round(number(flags, flag, 0) * 1000)) : fallback;
    }

    private static double number(Map<String, String> flags, String flag, double fallback) {
        String v = flags.get(flag);
        if (v == null) {
            return fallback;
        }
        try {
            double n = Double.parseDouble(v);
            if (!(n > 0) || Double.isInfinite(n)) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(flag + " must be a positive number, was " + v);
        }
    }
}
