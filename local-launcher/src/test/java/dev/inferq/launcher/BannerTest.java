package dev.inferq.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BannerTest {

    private static final Path REPO = Path.of("..").toAbsolutePath().normalize();

    private static Banner banner(String authMode) {
        return new Banner("12.3 s", 8080, List.of(8081), "127.0.0.1:9092", "127.0.0.1:6379",
                REPO.resolve("models/tiny").toString(), List.of("disaster", "image", "sentiment"), REPO.resolve("run/logs"),
                authMode, REPO.resolve(Banner.SAMPLE_IMAGE));
    }

    @Test
    void namesTheConsoleAndTheApiDescription() {
        assertThat(banner("open").lines())
                .anySatisfy(line -> assertThat(line).contains("http://localhost:8080/console/"))
                .anySatisfy(line -> assertThat(line).contains("http://localhost:8080/docs"));
    }

    @Test
    void theSampleImageIsCommittedAndTheExamplesHaveNoPlaceholders() {
        assertThat(REPO.resolve(Banner.SAMPLE_IMAGE)).isRegularFile();
        List<String> examples = banner("open").examples();
        assertThat(examples).anySatisfy(line -> assertThat(line)
                .contains("file=@" + REPO.resolve(Banner.SAMPLE_IMAGE)));
        assertThat(String.join("\n", examples)).doesNotContain("<id>", "<key>", "photo.jpg", "{id}");
    }

    @Test
    void inRequiredModeTheExamplesSendTheKeyFromTheEnvironment() {
        List<String> examples = banner("required").examples();
        assertThat(examples.get(0)).contains("export INFERQ_API_KEY=");
        assertThat(examples.stream().filter(l -> l.contains("curl ")))
                .isNotEmpty()
                .allSatisfy(line -> assertThat(line).contains("-H \"Authorization: Bearer $INFERQ_API_KEY\""));
        assertThat(banner("open").examples()).noneSatisfy(line -> assertThat(line).contains("Authorization"));
    }

    /** Every example is a complete shell command as printed: bash parses the lines without error. */
    @Test
    void theExamplesAreValidShell(@TempDir Path dir) throws IOException, InterruptedException {
        for (String mode : List.of("open", "required")) {
            Path script = Files.write(dir.resolve(mode + ".sh"), banner(mode).examples(), StandardCharsets.UTF_8);
            Process bash = new ProcessBuilder("bash", "-n", script.toString()).redirectErrorStream(true).start();
            assertThat(bash.waitFor(30, TimeUnit.SECONDS)).isTrue();
            String output = new String(bash.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(bash.exitValue()).as("bash -n of the %s examples: %s", mode, output).isZero();
        }
    }
}
