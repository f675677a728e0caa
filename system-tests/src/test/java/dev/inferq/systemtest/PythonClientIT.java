package dev.inferq.systemtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.inferq.testsupport.TestImages;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The Python client and its {@code inferq} command line ({@code clients/python}) against the real platform, installed
 * the way its README says: offline, into a virtual environment of Debian's Python with {@code pip install
 * --no-build-isolation}. Its own unit tests run there too. Skipped where that Python has no {@code venv}, {@code pip}
 * or {@code wheel} (Debian's {@code python3-venv}, {@code python3-pip}, {@code python3-wheel}; CI installs them).
 * {@code inferq jobs} is not run here: it needs {@code GET /v1/jobs}.
 */
@Timeout(300)
class PythonClientIT {

    private static final Path PYTHON = Path.of("/usr/bin/python3");
    private static final Path CLIENT = PlatformProcesses.REPO.resolve("clients/python");
    private static final Path TARGET = PlatformProcesses.REPO.resolve("system-tests/target");
    private static final Path VENV = TARGET.resolve("python-venv");
    private static final Duration STEP = Duration.ofMinutes(2);
    private static final Pattern JOB_ID = Pattern.compile("\"id\": \"([^\"]+)\"");

    private static SharedPlatform platform;

    @BeforeAll
    static void installTheClient() throws IOException, InterruptedException {
        assumeTrue(Files.isExecutable(PYTHON), PYTHON + " is missing");
        Result venv = run(List.of(PYTHON.toString(), "-m", "venv", "--clear", "--system-site-packages",
                VENV.toString()));
        assumeTrue(venv.exit() == 0, "no venv for " + PYTHON + " (apt-get install python3-venv): " + venv.err());
        // setuptools before pip: pip brings in the standard library's distutils, which setuptools then refuses
        Result pip = run(List.of(python(), "-c", "import setuptools, wheel, pip"));
        assumeTrue(pip.exit() == 0, "no pip, setuptools or wheel for " + PYTHON
                + " (apt-get install python3-pip python3-wheel): " + pip.err());
        Result installed = run(List.of(python(), "-m", "pip", "install", "--no-build-isolation", "--no-index",
                "--quiet", CLIENT.toString()));
        assertThat(installed.exit()).as("pip install clients/python: %s", installed).isZero();
        platform = SharedPlatform.get();
    }

    @Test
    void theClientsOwnTestsPass() throws IOException, InterruptedException {
        Result tests = run(List.of(python(), "-m", "unittest", "discover", CLIENT.resolve("tests").toString()));

        assertThat(tests.exit()).as("python -m unittest: %s", tests).isZero();
    }

    @Test
    void modelsListsTheServedModels() throws IOException, InterruptedException {
        Result models = inferq("models", "--json");

        assertThat(models.exit()).as("%s", models).isZero();
        assertThat(models.out()).contains("\"name\": \"sentiment\"", "\"name\": \"disaster\"", "\"name\": \"image\"");
    }

    @Test
    void runWaitsForTheResultAndPrintsItsLabel() throws IOException, InterruptedException {
        Result run = inferq("run", "sentiment", "I loved it");

        assertThat(run.exit()).as("%s", run).isZero();
        assertThat(run.out()).contains("SUCCEEDED", "I loved it").containsPattern("\\b(positive|negative)\\b");
    }

    @Test
    void runSendsAnImageFileToTheImageModel() throws IOException, InterruptedException {
        Path photo = Files.write(TARGET.resolve("python-client-photo.jpg"), TestImages.jpeg(64, 48));

        Result run = inferq("run", "image", photo.toString(), "--json");

        assertThat(run.exit()).as("%s", run).isZero();
        assertThat(run.out()).contains("\"status\": \"SUCCEEDED\"", "\"predictions\"");
    }

    @Test
    void aQueuedJobIsCancelled() throws IOException, InterruptedException {
        Result submitted = inferq("submit", SharedPlatform.PARKED_MODEL, "wait", "--json");
        assertThat(submitted.exit()).as("%s", submitted).isZero();
        Matcher id = JOB_ID.matcher(submitted.out());
        assertThat(id.find()).as("a job id in %s", submitted).isTrue();

        Result cancelled = inferq("cancel", id.group(1), "--json");

        assertThat(cancelled.exit()).as("%s", cancelled).isZero();
        assertThat(cancelled.out()).contains("\"status\": \"CANCELLED\"");
        Result events = inferq("events", id.group(1));
        assertThat(events.exit()).as("a job that ended CANCELLED: %s", events).isEqualTo(1);
        assertThat(events.out()).contains("CANCELLED");
    }

    @Test
    void jobsListsTheTenantsJobsNewestFirst() throws IOException, InterruptedException {
        Result submitted = inferq("submit", SharedPlatform.PARKED_MODEL, "listed", "--json");
        Matcher id = JOB_ID.matcher(submitted.out());
        assertThat(id.find()).as("a job id in %s", submitted).isTrue();

        Result jobs = inferq("jobs", "--model", SharedPlatform.PARKED_MODEL, "--limit", "1", "--json");

        assertThat(jobs.exit()).as("%s", jobs).isZero();
        assertThat(jobs.out()).contains("\"id\": \"" + id.group(1) + "\"");
        assertThat(inferq("cancel", id.group(1)).exit()).isZero();
    }

    @Test
    void thePythonExamplePrintsALabelPerText() throws IOException, InterruptedException {
        Result example = run(List.of(python(), "examples/python/classify.py", "sentiment", "I loved it",
                "worst film ever"));

        assertThat(example.exit()).as("%s", example).isZero();
        assertThat(example.out().lines().toList()).hasSize(2)
                .allSatisfy(line -> assertThat(line.split("\t")[0]).isIn("negative", "positive"));
        assertThat(example.out().lines().findFirst().orElseThrow()).endsWith("\tI loved it");
    }

    @Test
    void anUnknownModelExits3WithTheProblem() throws IOException, InterruptedException {
        Result run = inferq("run", "no-such-model", "x");

        assertThat(run.exit()).as("%s", run).isEqualTo(3);
        assertThat(run.err()).contains("404", "no-such-model");
    }

    private static String python() {
        return VENV.resolve("bin/python").toString();
    }

    private static Result inferq(String... arguments) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(VENV.resolve("bin/inferq").toString()));
        command.addAll(List.of(arguments));
        return run(command);
    }

    /** Runs {@code command} in the repository, against the shared gateway, within {@link #STEP}. */
    private static Result run(List<String> command) throws IOException, InterruptedException {
        Path out = Files.createTempFile(TARGET, "python-client-", ".out");
        Path err = Files.createTempFile(TARGET, "python-client-", ".err");
        ProcessBuilder builder = new ProcessBuilder(command).directory(PlatformProcesses.REPO.toFile())
                .redirectOutput(out.toFile()).redirectError(err.toFile());
        builder.environment().remove("INFERQ_API_KEY");
        if (platform != null) {
            builder.environment().put("INFERQ_URL", platform.gatewayUrl());
        }
        Process process = builder.start();
        // a bound, not a sync: each step takes seconds; a hung interpreter must fail the test, not hang the build
        boolean finished = process.waitFor(STEP.toSeconds(), TimeUnit.SECONDS);
        if (!finished) {
            process.destroyForcibly().waitFor();
        }
        Result result = new Result(finished ? process.exitValue() : -1, Files.readString(out, StandardCharsets.UTF_8),
                (finished ? "" : "timed out after " + STEP + ": ") + Files.readString(err, StandardCharsets.UTF_8));
        Files.delete(out);
        Files.delete(err);
        return result;
    }

    private record Result(int exit, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exit + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }
}
