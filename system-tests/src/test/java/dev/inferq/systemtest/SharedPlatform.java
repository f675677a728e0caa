package dev.inferq.systemtest;

import dev.inferq.launcher.ManagedProcess;
import dev.inferq.testsupport.Ports;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * One packaged gateway and one worker for every system test that runs the platform as {@code ./run-local} does, started
 * on first use and stopped when the test JVM exits: starting them costs about half a minute on two cores, and five
 * test classes share the same configuration. Tests that need another configuration (keys, transport security, faults)
 * start their own processes.
 *
 * <p>The gateway knows the committed tiny models and one more, {@link #PARKED_MODEL}, a text model that no worker
 * serves, so that a test can keep a job QUEUED for as long as it needs (to cancel it, for example).
 */
final class SharedPlatform {

    /** A text model the gateway accepts jobs for and no worker serves: its jobs stay QUEUED. */
    static final String PARKED_MODEL = "parked";
    private static final List<String> SERVED = List.of("disaster", "image", "sentiment");

    private static SharedPlatform instance;

    private final PlatformProcesses processes;
    private final ManagedProcess worker;
    private final int workerPort;

    private SharedPlatform() throws IOException {
        processes = new PlatformProcesses("shared", modelsFolder());
        workerPort = Ports.freePort();
        try {
            worker = processes.startWorker("worker", SERVED, workerPort);
        } catch (RuntimeException e) {
            processes.close();
            throw e;
        }
    }

    /** The JVM-wide platform, started on first use. */
    static synchronized SharedPlatform get() {
        if (instance == null) {
            try {
                instance = new SharedPlatform();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot start the shared platform", e);
            }
            Runtime.getRuntime().addShutdownHook(new Thread(instance::stop, "stop-shared-platform"));
        }
        return instance;
    }

    String gatewayUrl() {
        return processes.gatewayUrl();
    }

    /** The worker's management address (its actuator endpoints). */
    String workerUrl() {
        return "http://127.0.0.1:" + workerPort;
    }

    /** Stops both side by side: each takes about 2 s, most of it waiting, and this runs as the test JVM exits. */
    private void stop() {
        CompletableFuture<Void> workerStopped = CompletableFuture.runAsync(() -> worker.stop(Duration.ofSeconds(20)));
        processes.close();
        workerStopped.join();
    }

    /** The tiny models, each linked under its own name, and the parked model linked to a copy of sentiment's. */
    private static Path modelsFolder() throws IOException {
        Path tiny = PlatformProcesses.REPO.resolve("models/tiny");
        Path folder = PlatformProcesses.REPO.resolve("system-tests/target/shared-platform-models");
        Files.createDirectories(folder);
        for (String model : SERVED) {
            link(folder.resolve(model), tiny.resolve(model));
        }
        link(folder.resolve(PARKED_MODEL), tiny.resolve("sentiment"));
        return folder;
    }

    private static void link(Path link, Path target) throws IOException {
        Files.deleteIfExists(link);
        Files.createSymbolicLink(link, target);
    }
}
