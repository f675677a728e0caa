package dev.inferq.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class BenchSettingsTest {

    private final Path root = Path.of("/repo");

    @Test
    void flagsOverrideThePreset() {
        BenchSettings s = BenchSettings.parse(root, new String[] {"--models", "models/tiny", "--quick",
                "--start-rate", "12", "--step-seconds", "2.5", "--p95-limit-ms", "300", "--engine-only"});
        assertTrue(s.quick());
        assertTrue(s.engineOnly());
        assertEquals(Path.of("/repo/models/tiny"), s.modelsDir());
        assertEquals(12, s.startRate());
        assertEquals(Duration.ofMillis(2500), s.step());
        assertEquals(Duration.ofMillis(300), s.limits().p95());
        assertEquals(BenchSettings.quick(root).maxSteps(), s.maxSteps());
    }

    @Test
    void badFlagsAreRefusedWithTheUsage() {
        assertThrows(IllegalArgumentException.class, () -> BenchSettings.parse(root, new String[] {"--nope", "1"}));
        assertThrows(IllegalArgumentException.class, () -> BenchSettings.parse(root, new String[] {"--max-steps"}));
        assertThrows(IllegalArgumentException.class,
                () -> BenchSettings.parse(root, new String[] {"--idle-jobs", "-3"}));
        assertThrows(IllegalArgumentException.class,
                () -> BenchSettings.parse(root, new String[] {"--rate-factor", "1"}));
    }
}
