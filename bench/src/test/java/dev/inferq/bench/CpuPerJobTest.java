package dev.inferq.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.inferq.bench.ThreadCpu.Kind;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CpuPerJobTest {

    @Test
    void threadsAreClassedByTheNameTheJvmGivesTheOs() {
        assertEquals(Kind.FORWARD, Kind.of("inferq-pass-0"));
        assertEquals(Kind.CONSUMER, Kind.of("inferq-sentimen"));
        assertEquals(Kind.PREPARE, Kind.of("inferq-prepare"));
        assertEquals(Kind.HTTP, Kind.of("reactor-http-ep"));
        assertEquals(Kind.REDIS, Kind.of("lettuce-epollEv"));
        assertEquals(Kind.KAFKA, Kind.of("kafka-producer-"));
        assertEquals(Kind.JIT, Kind.of("C2 CompilerThre"));
        assertEquals(Kind.GC, Kind.of("G1 Conc#0"));
        assertEquals(Kind.OFFLOAD, Kind.of("boundedElastic-"));
        assertEquals(Kind.OTHER, Kind.of("java"));
    }

    @Test
    void thisProcessIsReadWithItsThreadsAddingUpToItsTotal() {
        ThreadCpu cpu = ThreadCpu.read(ProcessHandle.current().pid());
        double threads = cpu.msByKind().values().stream().mapToDouble(Double::doubleValue).sum();
        // The threads are read after the process, so they may have run a few clock ticks more.
        assertEquals(cpu.totalMs(), threads, 100);
        assertEquals(Double.NaN, ThreadCpu.read(Long.MAX_VALUE).totalMs());
    }

    @Test
    void theSlopeIsWhatOneMoreJobCostsAndTheInterceptTheIdleRate() {
        // gateway: 50 ms/s idle (5% of a core) + 2 ms per job; 100 jobs per window of 10 s at 10, 20, 40 jobs/s
        List<CpuPerJob.Window> windows = List.of(window(10, 2 * 100 + 500), window(20, 2 * 200 + 500),
                window(40, 2 * 400 + 500));
        CpuPerJob.Slope gateway = CpuPerJob.slopes(windows).get(0);
        assertEquals("gateway", gateway.process());
        assertEquals(2.0, gateway.msPerJob(), 1e-9);
        assertEquals(5.0, gateway.idlePctOfCore(), 1e-9);
    }

    private static CpuPerJob.Window window(int jobsPerSec, double gatewayMs) {
        int jobs = jobsPerSec * 10;
        StepResult load = new StepResult("cpu", jobsPerSec, jobsPerSec, jobs, 0, 0,
                new LatencyRecorder.Summary(jobs, 1, 1, 1, 1), new LatencyRecorder.Summary(jobs, 1, 1, 1, 1),
                new LatencyRecorder.Summary(jobs, 1, 1, 1, 1));
        return new CpuPerJob.Window(load, 10, Map.of("gateway", new ThreadCpu(gatewayMs, Map.of(Kind.HTTP,
                gatewayMs))));
    }

    /** Every process of a run: the gateway, a worker with its forward passes, Kafka, Redis, launcher, bench. */
    static Map<String, ThreadCpu> cpu(double gatewayMs, double workerMs, double forwardMs) {
        Map<String, ThreadCpu> cpu = new LinkedHashMap<>();
        cpu.put("gateway", new ThreadCpu(gatewayMs, Map.of(Kind.HTTP, gatewayMs)));
        cpu.put("worker", new ThreadCpu(workerMs, Map.of(Kind.FORWARD, forwardMs, Kind.CONSUMER,
                workerMs - forwardMs)));
        cpu.put("kafka", new ThreadCpu(500, Map.of()));
        cpu.put("redis", new ThreadCpu(100, Map.of()));
        cpu.put("launcher", new ThreadCpu(50, Map.of()));
        cpu.put(CpuPerJob.LOAD_GENERATOR, new ThreadCpu(750, Map.of()));
        return cpu;
    }
}
