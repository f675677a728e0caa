package dev.inferq.bench;

import dev.inferq.common.model.ModelDescriptor;
import dev.inferq.contract.JobCodec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import tools.jackson.databind.JsonNode;

/**
 * Part f: the plain PyTorch yardstick. {@code bench/torch_reference.py} runs the image model's fp32 TorchScript file
 * with Debian's {@code python3-torch}, on the same cores and with the same intra-op thread count as the worker, at
 * the image batch sizes of part a, timing what {@code classify()} does (resize, normalise, forward, softmax). Every
 * machine so measures its own baseline: what a plain synchronous PyTorch server would get from the same file.
 */
final class TorchReference {

    /** The variant name of its rows in the engine table. */
    static final String VARIANT = "plain-pytorch";
    private static final String PYTHON = "/usr/bin/python3";

    private TorchReference() {
    }

    /** The rows (model, {@link #VARIANT}, {@code python3-torch <version>/<file>}, batch, ...); empty when skipped. */
    static List<EngineBench.Result> run(BenchSettings s, ModelDescriptor image, Consumer<String> log)
            throws IOException, InterruptedException {
        Path script = s.root().resolve("bench/torch_reference.py");
        String file = EngineBench.baselineFile(image);
        Path model = image.directory().resolve(file + ".pt");
        int threads = Integer.getInteger("ai.djl.pytorch.num_threads", Runtime.getRuntime().availableProcessors());
        if (!Files.isExecutable(Path.of(PYTHON))) {
            log.accept("(f) plain PyTorch reference skipped: no " + PYTHON);
            return List.of();
        }
        List<String> command = new ArrayList<>(List.of(PYTHON, script.toString(), "--model-file", model.toString(),
                "--images", s.root().resolve("loadtest/samples/images").toString(),
                "--batches", s.imageBatches().stream().map(String::valueOf).collect(Collectors.joining(",")),
                "--threads", String.valueOf(threads),
                "--warmup", String.valueOf(s.warmupCalls()),
                "--calls", String.valueOf(s.imageCalls())));
        image.property("width").ifPresent(v -> command.addAll(List.of("--width", v)));
        image.property("height").ifPresent(v -> command.addAll(List.of("--height", v)));
        image.property("mean").ifPresent(v -> command.addAll(List.of("--mean", v)));
        image.property("std").ifPresent(v -> command.addAll(List.of("--std", v)));
        log.accept("(f) plain PyTorch reference: " + model + " with " + PYTHON + ", " + threads + " threads");
        Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int exit = p.waitFor();
        if (exit == 3) {
            log.accept("(f) plain PyTorch reference skipped: python3-torch or python3-pil is missing for " + PYTHON
                    + " (apt-get install -y python3-torch libopenblas0-pthread python3-pil); image_vs_torch is n/a");
            return List.of();
        }
        Optional<String> last = out.lines().reduce((a, b) -> b);
        if (exit != 0 || last.isEmpty()) {
            throw new IllegalStateException(script + " failed with exit code " + exit + " (its errors are"
                    + " above)");
        }
        JsonNode result = JobCodec.mapper().readTree(last.get());
        String engine = "python3-torch " + result.path("torch").asString() + "/" + file;
        List<EngineBench.Result> rows = new ArrayList<>();
        for (JsonNode row : result.path("rows")) {
            rows.add(new EngineBench.Result(image.name(), VARIANT, engine, row.path("batch").asInt(),
                    row.path("median_ms").asDouble(), row.path("items_per_sec").asDouble()));
        }
        return rows;
    }
}
