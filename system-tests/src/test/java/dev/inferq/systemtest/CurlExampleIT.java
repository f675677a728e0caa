package dev.inferq.systemtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code examples/curl/classify.sh} as a user runs it, against the shared platform in {@code INFERQ_URL}. */
@Timeout(120)
class CurlExampleIT {

    private static final Path EXAMPLE = PlatformProcesses.REPO.resolve("examples/curl/classify.sh");

    @Test
    void theCurlExamplePrintsALabelPerTextAndExitsZero() throws IOException, InterruptedException {
        Result result = run("sentiment", "I loved it", "worst film ever");

        assertThat(result.exit()).as(result.output()).isZero();
        assertThat(result.output().lines().toList()).as(result.output()).hasSize(2)
                .allSatisfy(line -> assertThat(line.split("\t")[0]).isIn("negative", "positive"));
    }

    @Test
    void anUnknownModelExitsOneWithTheProblem() throws IOException, InterruptedException {
        Result result = run("no-such-model", "x");

        assertThat(result.exit()).as(result.output()).isEqualTo(1);
        assertThat(result.output()).contains("refused", "no-such-model");
    }

    private record Result(int exit, String output) {
    }

    private static Result run(String... arguments) throws IOException, InterruptedException {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/curl")), "needs /usr/bin/curl");
        ProcessBuilder builder = new ProcessBuilder(
                new ArrayList<>(List.of("bash", EXAMPLE.toString()))).redirectErrorStream(true);
        builder.command().addAll(List.of(arguments));
        builder.environment().put("INFERQ_URL", SharedPlatform.get().gatewayUrl());
        builder.environment().remove("INFERQ_API_KEY");
        Process process = builder.start();
        String output;
        try (InputStream out = process.getInputStream()) {
            output = new String(out.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("the example exited").isTrue();
        return new Result(process.exitValue(), output);
    }
}
