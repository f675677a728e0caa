package dev.inferq.bench;

import dev.inferq.bench.ThreadCpu.Kind;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

/**
 * Part e: the CPU time each process of the platform spends per completed text job, by kind of thread
 * ({@link ThreadCpu}), at three fixed rates below saturation, after the saturation steps and a warm-up that lasts
 * until the JIT compilers are quiet ({@link #warmUp}; the JIT's own time per window shows whether they still are).
 * The processes are run-local's (launcher, Redis, Kafka, gateway, workers, by the pids it records) and the bench's
 * own JVM, the load generator.
 *
 * <p>Two figures come out of it. Per job at each rate: a window's CPU over its completed jobs, background included.
 * And the slope: for each process, CPU ms per second of window fitted against completed jobs per second over the
 * three windows (least squares); the slope is what one more job costs, the intercept what the process spends with no
 * jobs at all. {@code platform_cpu_ms_per_job} is the platform's own work per job at the highest rate: gateway,
 * workers less their forward-pass threads (the model's work), Kafka and Redis; not the launcher (it only supervises)
 * nor the load generator.
 */
final class CpuPerJob {

    /** The bench JVM's row: it sends the jobs and follows their event streams. */
    static final String LOAD_GENERATOR = "load generator (bench)";
    private static final String LAUNCHER = "launcher";

    /** One rate's window: the load, and each process' CPU over it. */
    record Window(StepResult load, double seconds, Map<String, ThreadCpu> cpu) {

        int jobs() {
            return load.latency().count();
        }

        double jobsPerSec() {
            return jobs() / seconds;
        }

        /** The platform's own CPU ms per completed job (see the class comment). */
        double platformMsPerJob() {
            double ms = 0;
            for (Map.Entry<String, ThreadCpu> process : cpu.entrySet()) {
                if (isPlatform(process.getKey())) {
                    ms += process.getValue().totalMs() - process.getValue().ms(Kind.FORWARD);
                }
            }
            return ms / jobs();
        }

        /** Every process' CPU ms per completed job, forward passes and the load generator included. */
        double allMsPerJob() {
            return cpu.values().stream().mapToDouble(ThreadCpu::totalMs).sum() / jobs();
        }
    }

    /**
     * The warm-up: how long it ran, how many jobs it completed, and the platform's JIT compiler threads' share of a
     * core over its last round; {@code quiet} when that share fell under {@link #QUIET_JIT_PCT} before the cap.
     */
    record WarmUp(double seconds, int jobs, double lastJitPctOfCore, boolean quiet) {
    }

    /**
     * The JIT threads of every platform process together, as % of one core over a warm-up round, under which the
     * per-job code counts as compiled. The gateway alone compiles about 23,000 methods: on 2 cores, with 32 jobs in
     * flight, its compilers used 65 % of a core after 2 minutes and 2 to 6 % after 3.5 (Zen 5, 2026-12-08).
     */
    static final double QUIET_JIT_PCT = 10;

    /** A process' CPU ms per second of window against completed jobs per second, fitted over the windows. */
    record Slope(String process, double msPerJob, double idlePctOfCore) {
    }

    /** The windows, lowest rate first, and the fitted slopes (the platform's as the last row). */
    record Result(List<Window> windows, List<Slope> slopes) {

        Window top() {
            return windows.get(windows.size() - 1);
        }

        double platformMsPerJob() {
            return top().platformMsPerJob();
        }

        double allMsPerJob() {
            return top().allMsPerJob();
        }
    }

    private CpuPerJob() {
    }

    /** Runs one window of {@code window} at each of {@code rates} (jobs/s, ascending). */
    static Result measure(Platform platform, OpenLoopLoad load, List<OpenLoopLoad.Job> texts, List<Double> rates,
                          BenchSettings s, Consumer<String> log) {
        Map<String, Long> pids = new LinkedHashMap<>(platform.processes());
        pids.put(LOAD_GENERATOR, ProcessHandle.current().pid());
        List<Window> windows = new ArrayList<>();
        for (double rate : rates) {
            log.accept(String.format(Locale.ROOT, "(e) CPU per job: %.1f text jobs/s for %d s", rate,
                    s.cpuWindow().toSeconds()));
            windows.add(window(pids, () -> load.openLoop(String.format(Locale.ROOT, "cpu@%.1f/s", rate), texts, rate,
                    s.cpuWindow(), s.drain())));
        }
        return new Result(windows, slopes(windows));
    }

    /** Runs {@code load} and reads each process' CPU before and after it. */
    private static Window window(Map<String, Long> pids, Supplier<StepResult> load) {
        Map<String, ThreadCpu> before = read(pids);
        long start = System.nanoTime();
        StepResult step = load.get();
        double seconds = (System.nanoTime() - start) / 1e9;
        Map<String, ThreadCpu> used = new LinkedHashMap<>();
        read(pids).forEach((process, cpu) -> used.put(process, cpu.minus(before.get(process))));
        return new Window(step, seconds, used);
    }

    /**
     * Runs {@code round} (load for a fixed time) until the platform's JIT compiler threads together used under
     * {@link #QUIET_JIT_PCT} of a core over one round, or {@code cap} has passed: the figures after it are the
     * platform's work per job, not its compilation.
     */
    static WarmUp warmUp(Platform platform, Supplier<StepResult> round, Duration cap, Consumer<String> log) {
        Map<String, Long> pids = new LinkedHashMap<>(platform.processes());
        pids.keySet().removeIf(process -> !isPlatform(process));
        long start = System.nanoTime();
        int jobs = 0;
        double jitPct;
        boolean quiet;
        do {
            Window w = window(pids, round);
            jobs += w.jobs();
            // ms of CPU per second of round / 10 = % of one core
            Map<String, Double> jitByProcess = new LinkedHashMap<>();
            w.cpu().forEach((process, cpu) -> jitByProcess.put(process, cpu.ms(Kind.JIT) / w.seconds() / 10));
            jitPct = jitByProcess.values().stream().mapToDouble(Double::doubleValue).sum();
            quiet = jitPct < QUIET_JIT_PCT;
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT,
                    "warm-up: %.0f s, %.1f jobs/s; JIT threads, %% of a core:", (System.nanoTime() - start) / 1e9,
                    w.load().completedPerSec()));
            jitByProcess.forEach((process, pct) -> line.append(String.format(Locale.ROOT, " %s %.0f", process, pct)));
            log.accept(line.toString());
        } while (!quiet && System.nanoTime() - start < cap.toNanos());
        return new WarmUp((System.nanoTime() - start) / 1e9, jobs, jitPct, quiet);
    }

    static boolean isPlatform(String process) {
        return !process.equals(LAUNCHER) && !process.equals(LOAD_GENERATOR);
    }

    static List<Slope> slopes(List<Window> windows) {
        List<Slope> slopes = new ArrayList<>();
        for (String process : windows.get(0).cpu().keySet()) {
            slopes.add(fit(process, windows, w -> w.cpu().get(process).totalMs()));
        }
        slopes.add(fit("platform", windows, w -> w.platformMsPerJob() * w.jobs()));
        return slopes;
    }

    /** Least squares of (CPU ms / window s) on (jobs / window s): slope in ms per job, intercept as % of a core. */
    private static Slope fit(String process, List<Window> windows,
                             ToDoubleFunction<Window> cpuMs) {
        int n = windows.size();
        double sx = 0;
        double sy = 0;
        double sxx = 0;
        double sxy = 0;
        for (Window w : windows) {
            double x = w.jobsPerSec();
            double y = cpuMs.applyAsDouble(w) / w.seconds();
            sx += x;
            sy += y;
            sxx += x * x;
            sxy += x * y;
        }
        double slope = (n * sxy - sx * sy) / (n * sxx - sx * sx);
        double intercept = (sy - slope * sx) / n;
        return new Slope(process, slope, intercept / 1000 * 100);
    }

    private static Map<String, ThreadCpu> read(Map<String, Long> pids) {
        Map<String, ThreadCpu> cpu = new LinkedHashMap<>();
        pids.forEach((process, pid) -> cpu.put(process, ThreadCpu.read(pid)));
        return cpu;
    }

    /** The per-rate, per-thread table and the slopes. */
    static void print(Result result, PrintStream out) {
        for (Window w : result.windows()) {
            out.printf(Locale.ROOT, "-- %s: %d jobs in %.1f s (%.1f/s), p95 %.0f ms; CPU ms per job by thread%n",
                    w.load().label(), w.jobs(), w.seconds(), w.jobsPerSec(), w.load().latency().p95Ms());
            out.printf(Locale.ROOT, "%-24s", "process");
            for (Kind kind : Kind.values()) {
                out.printf(Locale.ROOT, " %9s", kind.label);
            }
            out.printf(Locale.ROOT, " %9s%n", "all");
            w.cpu().forEach((process, cpu) -> {
                out.printf(Locale.ROOT, "%-24s", process);
                for (Kind kind : Kind.values()) {
                    out.printf(Locale.ROOT, " %9.2f", cpu.ms(kind) / w.jobs());
                }
                out.printf(Locale.ROOT, " %9.2f%n", cpu.totalMs() / w.jobs());
            });
            out.printf(Locale.ROOT, "platform (gateway + workers less fwd pass + kafka + redis): %.2f ms/job;"
                    + " every process: %.2f ms/job%n", w.platformMsPerJob(), w.allMsPerJob());
        }
        out.printf(Locale.ROOT, "-- slope over the %d rates (CPU ms/s fitted on jobs/s)%n", result.windows().size());
        out.printf(Locale.ROOT, "%-24s %12s %16s%n", "process", "ms per job", "idle % of core");
        for (Slope slope : result.slopes()) {
            out.printf(Locale.ROOT, "%-24s %12.2f %16.1f%n", slope.process(), slope.msPerJob(),
                    slope.idlePctOfCore());
        }
    }
}
