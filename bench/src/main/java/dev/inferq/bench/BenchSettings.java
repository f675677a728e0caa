package dev.inferq.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

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
 * @param warmupCalls untimed calls before each engine measurement
 * @param textCalls timed calls per text batch size (the median is reported)
 * @param imageCalls timed calls per image batch size
 * @param idleJobs jobs of the closed loop (one in flight) of part c
 * @param startRate offered jobs/s of the first saturation step
 * @param rateFactor each saturation step offers this many times the previous one
 * @param maxSteps the most saturation steps
 * @param step how long each saturation step sends
 * @param limits when a step counts as sustained
 * @param jobTimeout the longest a client waits for one job's result
 * @param drain after a step stops sending, how long its unfinished jobs may still finish
 * @param mixedTextRate the moderate text rate of part d, jobs/s
 * @param mixed how long each half of part d sends
 * @param imageOverload part d offers images at this multiple of the engine-bound image throughput
 */
public record BenchSettings(
        Path root, Path modelsDir, Path outDir, boolean quick, boolean engineOnly,
        String textModel, String imageModel,
        List<Integer> textBatches, List<Integer> imageBatches, int warmupCalls, int textCalls, int imageCalls,
        int idleJobs,
        double startRate, double rateFactor, int maxSteps, Duration step, StepLimits limits,
        Duration jobTimeout, Duration drain,
        double mixedTextRate, Duration mixed, double imageOverload) {

    static final String USAGE = """
            usage: bench/run [--quick] [--models DIR] [--engine-only] [--start-rate JOBS_PER_S] [--rate-factor F]
                             [--max-steps N] [--step-seconds S] [--p95-limit-ms MS] [--idle-jobs N]
                             [--mixed-text-rate JOBS_PER_S] [--mixed-seconds S] [--text-calls N] [--image-calls N]""";

    /** The preset for {@code quick}, then the flags of {@code args} applied over it. */
    static BenchSettings parse(Path root, String[] args) {
        boolean quick = List.of(args).contains("--quick");
        BenchSettings s = quick ? quick(root) : full(root);
        for (int i = 0; i < args.length; i++) {
            String flag = args[i];
            if (flag.equals("--quick")) {
                continue;
            }
            if (flag.equals("--engine-only")) {
                s = s.withEngineOnly();
                continue;
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException("missing value after " + flag + "\n" + USAGE);
            }
            String v = args[++i];
            s = switch (flag) {
                case "--models" -> s.with(root.resolve(v).normalize(), s.idleJobs, s.textCalls, s.imageCalls);
                case "--idle-jobs" -> s.with(s.modelsDir, positive(flag, v), s.textCalls, s.imageCalls);
                case "--text-calls" -> s.with(s.modelsDir, s.idleJobs, positive(flag, v), s.imageCalls);
                case "--image-calls" -> s.with(s.modelsDir, s.idleJobs, s.textCalls, positive(flag, v));
                case "--start-rate" -> s.withSteps(number(flag, v), s.rateFactor, s.maxSteps, s.step, s.limits);
                case "--rate-factor" -> s.withSteps(s.startRate, number(flag, v), s.maxSteps, s.step, s.limits);
                case "--max-steps" -> s.withSteps(s.startRate, s.rateFactor, positive(flag, v), s.step, s.limits);
                case "--step-seconds" -> s.withSteps(s.startRate, s.rateFactor, s.maxSteps, seconds(flag, v), s.limits);
                case "--p95-limit-ms" -> s.withSteps(s.startRate, s.rateFactor, s.maxSteps, s.step,
                        new StepLimits(Duration.ofMillis(positive(flag, v)), s.limits.minCompletedRatio(),
                                s.limits.maxErrorRatio()));
                case "--mixed-text-rate" -> s.withMixed(number(flag, v), s.mixed);
                case "--mixed-seconds" -> s.withMixed(s.mixedTextRate, seconds(flag, v));
                default -> throw new IllegalArgumentException("unknown option " + flag + "\n" + USAGE);
            };
        }
        if (s.rateFactor <= 1) {
            throw new IllegalArgumentException("--rate-factor must be above 1, was " + s.rateFactor);
        }
        return s;
    }

    static BenchSettings full(Path root) {
        return new BenchSettings(root, root.resolve("models/full"), root.resolve("bench/target"), false, false,
                "sentiment", "image", List.of(1, 8, 32), List.of(1, 4, 8), 5, 50, 10,
                300,
                25, 1.5, 10, Duration.ofSeconds(20), new StepLimits(Duration.ofSeconds(1), 0.9, 0.01),
                Duration.ofSeconds(60), Duration.ofSeconds(30),
                20, Duration.ofSeconds(30), 2.0);
    }

    static BenchSettings quick(Path root) {
        return new BenchSettings(root, root.resolve("models/full"), root.resolve("bench/target"), true, false,
                "sentiment", "image", List.of(1, 8, 32), List.of(1, 4, 8), 2, 10, 3,
                100,
                40, 2.0, 5, Duration.ofSeconds(6), new StepLimits(Duration.ofSeconds(1), 0.9, 0.01),
                Duration.ofSeconds(20), Duration.ofSeconds(10),
                20, Duration.ofSeconds(8), 2.0);
    }

    Path resultsDir() {
        return outDir.resolve("results");
    }

    Path runDir() {
        return outDir.resolve("run");
    }

    private BenchSettings withEngineOnly() {
        return new BenchSettings(root, modelsDir, outDir, quick, true, textModel, imageModel, textBatches,
                imageBatches, warmupCalls, textCalls, imageCalls, idleJobs, startRate, rateFactor, maxSteps, step,
                limits, jobTimeout, drain, mixedTextRate, mixed, imageOverload);
    }

    private BenchSettings with(Path models, int idle, int text, int image) {
        return new BenchSettings(root, models, outDir, quick, engineOnly, textModel, imageModel, textBatches,
                imageBatches, warmupCalls, text, image, idle, startRate, rateFactor, maxSteps, step,
                limits, jobTimeout, drain, mixedTextRate, mixed, imageOverload);
    }

    private BenchSettings withSteps(double start, double factor, int steps, Duration stepLength, StepLimits l) {
        return new BenchSettings(root, modelsDir, outDir, quick, engineOnly, textModel, imageModel, textBatches,
                imageBatches, warmupCalls, textCalls, imageCalls, idleJobs, start, factor, steps, stepLength,
                l, jobTimeout, drain, mixedTextRate, mixed, imageOverload);
    }

    private BenchSettings withMixed(double rate, Duration length) {
        return new BenchSettings(root, modelsDir, outDir, quick, engineOnly, textModel, imageModel, textBatches,
                imageBatches, warmupCalls, textCalls, imageCalls, idleJobs, startRate, rateFactor, maxSteps, step,
                limits, jobTimeout, drain, rate, length, imageOverload);
    }

    private static int positive(String flag, String v) {
        double n = number(flag, v);
        if (n != Math.rint(n)) {
            throw new IllegalArgumentException(flag + " must be a whole number, was " + v);
        }
        return (int) n;
    }

    private static Duration seconds(String flag, String v) {
        return Duration.ofMillis(Math.round(number(flag, v) * 1000));
    }

    private static double number(String flag, String v) {
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
