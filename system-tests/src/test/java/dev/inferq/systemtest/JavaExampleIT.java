package dev.inferq.systemtest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.inferq.client.InferqClient;
import dev.inferq.contract.JobRecord;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import tools.jackson.core.JsonParser;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code examples/java/Classify.java} as a user runs it: a child {@code java} launching the source file with the shared
 * platform in {@code INFERQ_URL}. Its class path is the client, the contract and Jackson's three jars, taken from where
 * this JVM loaded them, and nothing else: that is all a user of the client needs.
 */
@Timeout(300)
class JavaExampleIT {

    private static final Path EXAMPLE = PlatformProcesses.REPO.resolve("examples/java/Classify.java");

    @Test
    void theClassifyExamplePrintsALabelPerTextAndExitsZero() throws IOException, InterruptedException {
        SharedPlatform platform = SharedPlatform.get();
        ProcessBuilder example = new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", classPath(),
                EXAMPLE.toString(), "sentiment", "I loved it", "worst film ever")
                .redirectErrorStream(true);
        example.environment().put("INFERQ_URL", platform.gatewayUrl());
        example.environment().remove("INFERQ_API_KEY");

        Process process = example.start();
        String output;
        try (InputStream out = process.getInputStream()) {
            output = new String(out.readAllBytes(), StandardCharsets.UTF_8);
        }

        assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("the example exited").isTrue();
        assertThat(process.exitValue()).as(output).isZero();
        List<String> lines = output.lines().toList();
        assertThat(lines).as(output).hasSize(2);
        assertThat(lines.get(0)).endsWith("\tI loved it");
        assertThat(lines).allSatisfy(line -> assertThat(line.split("\t")[0]).isIn("negative", "positive"));
    }

    private static String classPath() {
        return Stream.of(InferqClient.class, JobRecord.class, JsonMapper.class, JsonParser.class, JsonProperty.class)
                .map(JavaExampleIT::location)
                .distinct()
                .collect(Collectors.joining(File.pathSeparator));
    }

    private static String location(Class<?> type) {
        try {
            return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException("where " + type.getName() + " was loaded from is no path", e);
        }
    }
}
