package dev.inferq.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class BenchReportTest {

    @Test
    void finalLineHasTheSixFiguresInAFixedFormat() {
        assertEquals("text_e2e_vs_engine=0.42 overhead_p50_ms=12.3 cpu_ms_per_job=1.9 platform_cpu_ms_per_job=0.8"
                + " image_e2e_vs_engine=0.91 image_vs_torch=2.60 variant=image_int8",
                BenchReport.finalLine(0.4249, 12.34, 1.949, 0.75, 0.9149, 2.6, "image_int8"));
        assertEquals("text_e2e_vs_engine=n/a overhead_p50_ms=n/a cpu_ms_per_job=n/a platform_cpu_ms_per_job=n/a"
                + " image_e2e_vs_engine=n/a image_vs_torch=1.00 variant=n/a",
                BenchReport.finalLine(Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, 1.0, null));
        assertTrue(BenchReport.finalLine(1, 2, 3, 3, 4, 5, "image").matches(
                "text_e2e_vs_engine=\\S+ overhead_p50_ms=\\S+ cpu_ms_per_job=\\S+ platform_cpu_ms_per_job=\\S+"
                        + " image_e2e_vs_engine=\\S+ image_vs_torch=\\S+ variant=\\S+"));
    }

    @Test
    void figuresComeFromTheBestSustainedStepTheServedVariantAndTheEngineRows() {
        BenchSettings settings = BenchSettings.quick(Path.of("."));
        BenchReport report = reportWithEveryPart(settings);
        report.addStep(result(50, 49, 100));
        report.addStep(result(100, 99, 300));
        report.addStep(result(200, 150, 5000)); // broken: faster, but not sustained
        report.served = new Platform.Served("image", "PyTorch");
        // image: 6 img/s served (its best batch) / 4 img/s plain PyTorch; end to end 10.8 / best variant 12
        // CPU: 5200 ms over 100 jobs; the platform's: gateway 2000 + worker 1800 less 1000 forward + 500 + 100
        assertEquals("text_e2e_vs_engine=0.20 overhead_p50_ms=20.0 cpu_ms_per_job=52.0 platform_cpu_ms_per_job=34.0"
                + " image_e2e_vs_engine=0.90 image_vs_torch=1.50 variant=image", report.finalLine());
        assertEquals(Duration.ofSeconds(1), settings.limits().p95());
    }

    @Test
    void withoutAServingWorkerTheFastestVariantStandsForTheServedOne() {
        BenchReport report = reportWithEveryPart(BenchSettings.quick(Path.of(".")));
        assertEquals("image_bf16", report.variant());
        assertEquals(3.0, report.imageVsTorch(), 1e-9);
    }

    @Test
    void textP95RatioIsTheP95UnderImageLoadOverTheP95Alone() {
        BenchReport report = new BenchReport(BenchSettings.quick(Path.of(".")));
        assertTrue(Double.isNaN(report.textP95Ratio()));
        report.textAlone = result(10, 10, 40);
        report.textWithImage = result(10, 10, 100);
        assertEquals(2.5, report.textP95Ratio(), 1e-9);
    }

    private static BenchReport reportWithEveryPart(BenchSettings settings) {
        BenchReport report = new BenchReport(settings);
        report.engine = List.of(
                new EngineBench.Result("sentiment", "fp32", "PyTorch/sentiment", 1, 5.0, 200),
                new EngineBench.Result("sentiment", "fp32", "PyTorch/sentiment", 32, 64.0, 500),
                new EngineBench.Result("image", "image", "PyTorch/image", 1, 200, 5),
                new EngineBench.Result("image", "image", "PyTorch/image", 4, 666, 6),
                new EngineBench.Result("image", "image_bf16", "PyTorch/image_bf16", 4, 333, 12));
        report.torch = List.of(
                new EngineBench.Result("image", TorchReference.VARIANT, "python3-torch 1.13/image", 1, 250, 4),
                new EngineBench.Result("image", TorchReference.VARIANT, "python3-torch 1.13/image", 4, 800, 5));
        report.idle = result(2, 2, 25.0);
        CpuPerJob.Window window = new CpuPerJob.Window(result(20, 20, 30), 5, CpuPerJobTest.cpu(2000, 1800, 1000));
        report.cpu = new CpuPerJob.Result(List.of(window), List.of());
        report.imageE2e = result(16, 10.8, 3000);
        return report;
    }

    private static LatencyRecorder.Summary summary(double ms) {
        return new LatencyRecorder.Summary(100, ms, ms, ms, ms);
    }

    private static StepResult result(double offered, double done, double p95) {
        return new StepResult("s", offered, done, 100, 0, 0,
                summary(p95), summary(p95), summary(p95));
    }
}
