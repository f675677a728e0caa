package dev.inferq.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Part e: the CPU time every process of the platform spends per completed job at a fixed text rate: the launcher,
 * Redis, Kafka, the gateway, the worker(s) (run-local's children, by the pids it records) and the bench's own JVM,
 * which is the load generator. Each process' user + system time comes from {@code /proc/<pid>/stat} (through
 * {@link ProcessHandle.Info#totalCpuDuration()}, which reads it and knows the clock tick), read before and after.
 * An idle reading first (no load, half as long) gives each process' background rate (Kafka's and the JVMs' timers,
 * the worker's polling), so the table also says what the jobs themselves cost beyond idling.
 */
final class CpuPerJob {

    /** The bench JVM's row: it sends the jobs and follows their event streams. */
    static final String LOAD_GENERATOR = "load generator (bench)";
    /** The row that sums the others. */
    static final String ALL = "all";

    /**
     * One process' CPU.
     *
     * @param idlePctOfCore its CPU time while nothing was sent, in percent of one core
     * @param loadPctOfCore its CPU time while jobs were sent at the fixed rate, in percent of one core
     * @param msPerJob CPU ms of the loaded window per completed job: everything it spent, background included
     * @param marginalMsPerJob the same less the idle rate over the loaded window: what the jobs themselves cost
     */
    record Usage(String process, long pid, double idlePctOfCore, double loadPctOfCore, double msPerJob,
                 double marginalMsPerJob) {
    }

    /** The outcome: the load phase (its completed jobs are the divisor) and one row per process, then {@link #ALL}. */
    record Result(StepResult load, List<Usage> processes) {

        /** CPU ms per completed job of every process together, background included. */
        double totalMsPerJob() {
            return processes.stream().filter(u -> u.process().equals(ALL)).mapToDouble(Usage::msPerJob).findFirst()
                    .orElse(Double.NaN);
        }
    }

    private CpuPerJob() {
    }

    static Result measure(Platform platform, OpenLoopLoad load, List<OpenLoopLoad.Job> texts, BenchSettings s,
                          Consumer<String> log) throws InterruptedException {
        Map<String, Long> pids = new LinkedHashMap<>(platform.processes());
        pids.put(LOAD_GENERATOR, ProcessHandle.current().pid());
        Duration idle = s.cpuWindow().dividedBy(2);
        log.accept(String.format(Locale.ROOT, "(e) CPU per job: idle for %d s, then %.1f text jobs/s for %d s",
                idle.toSeconds(), s.cpuRate(), s.cpuWindow().toSeconds()));
        Reading before = Reading.now(pids);
        // The idle reading is a span of time with nothing sent: waiting is what is measured.
        Thread.sleep(idle.toMillis());
        Reading loaded = Reading.now(pids);
        StepResult step = load.openLoop(String.format(Locale.ROOT, "cpu@%.1f/s", s.cpuRate()), texts, s.cpuRate(),
                s.cpuWindow(), s.drain());
        Reading after = Reading.now(pids);
        int jobs = step.latency().count();
        double idleWindowMs = loaded.elapsedMsSince(before);
        double loadWindowMs = after.elapsedMsSince(loaded);
        List<Usage> rows = new ArrayList<>();
        double idleRateSum = 0;
        double loadMsSum = 0;
        for (Map.Entry<String, Long> process : pids.entrySet()) {
            long pid = process.getValue();
            double idleRate = (loaded.cpuMs(pid) - before.cpuMs(pid)) / idleWindowMs;
            double loadMs = after.cpuMs(pid) - loaded.cpuMs(pid);
            rows.add(usage(process.getKey(), pid, idleRate, loadMs, loadWindowMs, jobs));
            idleRateSum += idleRate;
            loadMsSum += loadMs;
        }
        rows.add(usage(ALL, 0, idleRateSum, loadMsSum, loadWindowMs, jobs));
        return new Result(step, rows);
    }

    private static Usage usage(String name, long pid, double idleMsPerMs, double loadMs, double loadWindowMs,
                               int jobs) {
        return new Usage(name, pid, idleMsPerMs * 100, loadMs / loadWindowMs * 100, loadMs / jobs,
                (loadMs - idleMsPerMs * loadWindowMs) / jobs);
    }

    /** Every process' CPU time so far (NaN for one that is gone) and when it was read. */
    private record Reading(long nanos, Map<Long, Double> cpuMsByPid) {

        static Reading now(Map<String, Long> pids) {
            Map<Long, Double> cpu = new LinkedHashMap<>();
            for (long pid : pids.values()) {
                cpu.put(pid, ProcessHandle.of(pid).flatMap(h -> h.info().totalCpuDuration())
                        .map(d -> d.toNanos() / 1e6).orElse(Double.NaN));
            }
            return new Reading(System.nanoTime(), cpu);
        }

        double cpuMs(long pid) {
            return cpuMsByPid.get(pid);
        }

        double elapsedMsSince(Reading earlier) {
            return (nanos - earlier.nanos) / 1e6;
        }
    }
}
