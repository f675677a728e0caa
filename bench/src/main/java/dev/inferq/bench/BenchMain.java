package dev.inferq.bench;

import dev.inferq.common.model.ModelCatalog;
import dev.inferq.common.model.ModelDescriptor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Runs the parts in order (engine, plain PyTorch, then the platform: idle, saturation, CPU per job, image end to end,
 * interference), prints and writes the report.
 */
public final class BenchMain {

    private static final Consumer<String> LOG = message -> System.out.println("[bench] " + message);
    /** Part d starts the image load this long before the text load, so the worker is already busy with images. */
    private static final Duration IMAGE_LEAD = Duration.ofSeconds(2);
    private static final Duration WARM_UP_ROUND = Duration.ofSeconds(15);
    /** The image warm-up is four jobs (the variants' first passes); this only bounds a worker that does not answer. */
    private static final Duration IMAGE_WARM_UP_CAP = Duration.ofSeconds(60);

    private BenchMain() {
    }

    public static void main(String[] args) throws Exception {
        if (List.of(args).contains("--help")) {
            System.out.println(BenchSettings.USAGE);
            return;
        }
        Path root = Path.of(System.getProperty("inferq.root", ".")).toAbsolutePath().normalize();
        BenchSettings settings;
        try {
            settings = BenchSettings.parse(root, args);
        } catch (IllegalArgumentException e) {
            System.err.println("bench: " + e.getMessage());
            System.exit(1);
            return;
        }
        if (!Files.isDirectory(settings.modelsDir())) {
            System.err.println("bench: no models folder " + settings.modelsDir() + "; make the full-size models with"
                    + " /usr/bin/python3 models/generate_models.py --size full, or pass --models DIR");
            System.exit(2);
        }
        long t0 = System.nanoTime();
        BenchReport report = new BenchReport(settings);
        Samples samples = new Samples(root);
        LOG.accept("(a) engine bench, models " + settings.modelsDir());
        report.engine = new EngineBench(settings, samples, LOG).run();
        ModelDescriptor image = ModelCatalog.scan(settings.modelsDir()).find(settings.imageModel()).orElseThrow();
        report.torch = TorchReference.run(settings, image, LOG);
        if (!settings.engineOnly()) {
            runPlatformParts(settings, samples, image, report);
        }
        report.print(System.out);
        report.write(settings.resultsDir());
        drawChart(settings);
        LOG.accept("results in " + settings.resultsDir() + "; took " + Math.round((System.nanoTime() - t0) / 1e9)
                + " s");
        System.out.println(report.finalLine());
        System.out.flush();
        // The libtorch thread pools are not daemons.
        System.exit(0);
    }

    private static void runPlatformParts(BenchSettings s, Samples samples, ModelDescriptor image, BenchReport report)
            throws Exception {
        List<String> sampleTexts = samples.texts(s.textModel());
        List<OpenLoopLoad.Job> texts = new ArrayList<>();
        for (int i = 0; i < sampleTexts.size(); i++) {
            List<String> job = new ArrayList<>();
            for (int k = 0; k < s.textsPerJob(); k++) {
                job.add(sampleTexts.get((i + k) % sampleTexts.size()));
            }
            texts.add(OpenLoopLoad.Job.texts(s.textModel(), job));
        }
        List<OpenLoopLoad.Job> images = samples.images().stream()
                .map(f -> OpenLoopLoad.Job.image(s.imageModel(), f)).toList();
        try (Platform platform = Platform.start(s, Duration.ofSeconds(300), LOG);
             OpenLoopLoad load = new OpenLoopLoad(platform.gateway(), s.jobTimeout(), LOG)) {
            report.served = platform.served(s.imageModel(), Duration.ofSeconds(30)).orElse(null);
            LOG.accept(report.served == null ? "no worker announced the " + s.imageModel() + " model's variant"
                    : s.imageModel() + " is served as " + report.served.variant() + " on " + report.served.engine());
            // As many jobs as the platform takes, 32 in flight, so the JIT compiles the hot paths without a backlog
            // being left for the measurements.
            LOG.accept("warm-up: 32 text jobs in flight, in rounds of " + WARM_UP_ROUND.toSeconds() + " s, until"
                    + " the JIT compilers are quiet (at most " + s.warmup().toSeconds() + " s)");
            report.warmUp = CpuPerJob.warmUp(platform,
                    () -> load.closedLoop("warm-up", texts, Integer.MAX_VALUE, 32, WARM_UP_ROUND), s.warmup(), LOG);
            if (images.size() > 0) {
                load.closedLoop("image warm-up", images, 4, 2, IMAGE_WARM_UP_CAP);
            }

            LOG.accept("(c) idle: " + s.idleJobs() + " jobs, one at a time");
            report.idle = load.closedLoop("idle (closed loop)", texts, s.idleJobs());


            double rate = s.startRate();
            for (int i = 0; i < s.maxSteps(); i++, rate *= s.rateFactor()) {
                LOG.accept(String.format(Locale.ROOT, "(b) step %d: %.1f jobs/s for %d s", i + 1, rate,
                        s.step().toSeconds()));
                StepResult step = load.openLoop(String.format(Locale.ROOT, "text@%.1f/s", rate), texts,
                        rate, s.step(), s.drain());
                report.addStep(step);
                if (!s.limits().sustained(step)) {
                    break;
                }
            }
            report.memory.put("after text saturation", platform.memory());

            report.cpu = CpuPerJob.measure(platform, load, texts, report.cpuRates(), s, LOG);

            // Two of the worker's image batches out at a time: one runs while the next waits, so the model never
            // idles between batches.
            int inFlight = 2 * image.property("batchSize").map(Integer::parseInt)
                    .orElse(Collections.max(s.imageBatches()));
            LOG.accept("(g) " + s.imageModel() + " end to end: " + inFlight + " jobs in flight for "
                    + s.imageWindow().toSeconds() + " s");
            report.imageE2e = load.saturate("image e2e", images, inFlight, s.imageWindow());

            double textRate = Double.isNaN(s.mixedTextRate()) ? report.moderateTextRate() : s.mixedTextRate();
            report.mixedTextRate = textRate;
            LOG.accept(String.format(Locale.ROOT, "(d) text alone at %.1f jobs/s", textRate));
            report.textAlone = load.openLoop("text alone", texts, textRate, s.mixed(), s.drain());
            double served = report.servedImagePerSec();
            double imageRate = s.imageOverload() * (Double.isNaN(served) ? report.bestImagePerSec() : served);
            LOG.accept(String.format(Locale.ROOT, "(d) text again while images are offered at %.1f/s",
                    imageRate));
            CompletableFuture<StepResult> imageLoad = CompletableFuture.supplyAsync(() -> load.openLoop(
                    String.format(Locale.ROOT, "image@%.1f/s", imageRate), images, imageRate,
                    s.mixed().plus(IMAGE_LEAD), Duration.ZERO));
            Thread.sleep(IMAGE_LEAD.toMillis());
            report.textWithImage = load.openLoop("text with image load", texts, textRate, s.mixed(),
                    s.drain());
            report.imageLoad = imageLoad.join();
            report.memory.put("after image saturation", platform.memory());
            LOG.accept("stopping the platform");
        }
    }

    private static void drawChart(BenchSettings s) {
        Path script = s.root().resolve("bench/chart.py");
        try {
            Process p = new ProcessBuilder("/usr/bin/python3", script.toString(), s.resultsDir().toString())
                    .inheritIO().start();
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                LOG.accept("no chart: " + script + " failed (is python3-matplotlib installed?)");
            }
        } catch (Exception e) {
            LOG.accept("no chart: cannot run /usr/bin/python3 (" + e.getMessage() + ")");
        }
    }
}
