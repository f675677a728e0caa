package dev.inferq.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class BenchReportTest {

    @Test
    void finalLineHasTheThreeFiguresInAFixedFormat() {
        assertEquals("text_e2e_vs_engine=0.42 overhead_p50_ms=12.3 vit_speedup=1.95",
                BenchReport.finalLine(0.4249, 12.34, 1.949));
        assertEquals("text_e2e_vs_engine=n/a overhead_p50_ms=n/a vit_speedup=1.00",
                BenchReport.finalLine(Double.NaN, Double.NaN, 1.0));
        assertTrue(BenchReport.finalLine(1, 2, 3).matches(
                "text_e2e_vs_engine=\\S+ overhead_p50_ms=\\S+ vit_speedup=\\S+"));
    }

    @Test
    void figuresComeFromTheBestSustainedStepAndTheEngineRows() {
        BenchSettings settings = BenchSettings.quick(Path.of("."));
        BenchReport report = new BenchReport(settings);
        report.engine = List.of(
                new EngineBench.Result("sentiment", "fp32", "PyTorch/sentiment", 1, 5.0, 200),
                new EngineBench.Result("sentiment", "fp32", "PyTorch/sentiment", 32, 64.0, 500),
                new EngineBench.Result("image", EngineBench.BASELINE, "PyTorch/image", 1, 200, 5),
                new EngineBench.Result("image", EngineBench.BASELINE, "PyTorch/image", 4, 666, 6),
                new EngineBench.Result("image", EngineBench.CONFIGURED, "PyTorch/image_bf16", 4, 333, 12));
        report.idle = result(2, 2, 25.0);
        report.addStep(result(50, 49, 100));
        report.addStep(result(100, 99, 300));
        report.addStep(result(200, 150, 5000)); // broken: faster, but not sustained
        assertEquals("text_e2e_vs_engine=0.20 overhead_p50_ms=20.0 vit_speedup=2.00", report.finalLine());
        assertEquals(Duration.ofSeconds(1), settings.limits().p95());
    }

    private static LatencyRecorder.Summary summary(double ms) {
        return new LatencyRecorder.Summary(100, ms, ms, ms, ms);
    }

    private static StepResult result(double offered, double done, double p95) {
        return new StepResult("s", offered, done, 100, 0, 0,
                summary(p95), summary(p95), summary(p95));
    }
}
