package dev.inferq.systemtest;

import dev.inferq.launcher.ManagedProcess;
import dev.inferq.testsupport.Ports;
import dev.inferq.testsupport.RealInfrastructure;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The packaged gateway and worker, started as separate JVMs against the shared real Kafka and Redis. */
final class PlatformProcesses implements AutoCloseable {

    static final Path REPO = Path.of(System.getProperty("inferq.repo.dir", "..")).toAbsolutePath().normalize();
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(120);

    static final Path GATEWAY_JAR = REPO.resolve("api-gateway/target/api-gateway.jar");
    static final Path WORKER_JAR = REPO.resolve("inference-worker/target/inference-worker.jar");

    private final Map<String, String> infraEnv;
    private final String modelsPath;
    private final Path logs;
    private final ManagedProcess gateway;
    private final int gatewayPort;
    /** Whether the gateway has answered healthy: it starts while the first worker loads (see gatewayUrl). */
    private boolean gatewayUp;

    PlatformProcesses(String name) throws IOException {
        this(name, RealInfrastructure.shared().environment());
    }

    /** On the shared Kafka and Redis, serving the models of {@code modelsDir}. */
    PlatformProcesses(String name, Path modelsDir) throws IOException {
        this(name, RealInfrastructure.shared().environment(), modelsDir.toString());
    }

    /** {@code infraEnv}: the environment that points the services at their Kafka and Redis. */
    PlatformProcesses(String name, Map<String, String> infraEnv) throws IOException {
        this(name, infraEnv, REPO.resolve("models/tiny").toString());
    }

    /** {@code modelsPath}: MODELS_DIR, one models folder or several separated by ':'. */
    PlatformProcesses(String name, Map<String, String> infraEnv, String modelsPath) throws IOException {
        this.infraEnv = Map.copyOf(infraEnv);
        this.modelsPath = modelsPath;
        logs = Files.createDirectories(REPO.resolve("system-tests/target/process-logs/" + name));
        gatewayPort = Ports.freePort();
        // Tests serve images from a loopback server, which the URL guard refuses unless allowed.
        gateway = start("gateway", GATEWAY_JAR,
                Map.of("GATEWAY_PORT", Integer.toString(gatewayPort), "IMAGE_URL_ALLOWLIST", "127.0.0.1"));
    }

    /**
     * The gateway's URL, once it has answered healthy. The constructor starts it without waiting: a JVM spends most of
     * its start on one thread, so the worker every user starts next loads on the other core meanwhile (about 6 s less
     * per platform on two cores).
     */
    synchronized String gatewayUrl() {
        String url = "http://127.0.0.1:" + gatewayPort;
        if (!gatewayUp) {
            gateway.awaitHealthUp(URI.create(url + "/actuator/health"), READY_TIMEOUT);
            gatewayUp = true;
        }
        return url;
    }

    /** Starts a worker serving {@code models} (empty: all) and waits until its models are loaded. */
    ManagedProcess startWorker(String name, List<String> models) {
        return startWorker(name, models, Ports.freePort());
    }

    /** Like {@link #startWorker(String, List)}, on {@code port}, for tests that read the worker's own endpoints. */
    ManagedProcess startWorker(String name, List<String> models, int port) {
        ManagedProcess worker = start(name, WORKER_JAR, Map.of(
                "WORKER_PORT", Integer.toString(port),
                "WORKER_MODELS", String.join(",", models)));
        worker.awaitHealthUp(URI.create("http://127.0.0.1:" + port + "/actuator/health"), READY_TIMEOUT);
        return worker;
    }

    /** Starts {@code jar} with the infrastructure's environment and {@code extraEnv}; waits for nothing. */
    ManagedProcess start(String name, Path jar, Map<String, String> extraEnv) {
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing: run the tests through Maven (./mvnw verify), which"
                    + " packages the services first");
        }
        Path logFile = logs.resolve(name + ".log");
        try {
            // ManagedProcess appends: a test that reads a log must not find an earlier run's lines in it.
            Files.deleteIfExists(logFile);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, String> env = new HashMap<>(infraEnv);
        // Without API keys (tenant "default"), unless a test sets INFERQ_AUTH_MODE=required with its own keys.
        env.put("INFERQ_AUTH_MODE", "open");
        env.put("MODELS_DIR", modelsPath);
        env.putAll(extraEnv);
        return ManagedProcess.builder(name)
                .javaJar(jar, List.of("-Xmx512m", "-XX:TieredStopAtLevel=1"), List.of())
                .env(env)
                .workDir(REPO)
                .logFile(logFile)
                .start();
    }

    @Override
    public void close() {
        gateway.stop(Duration.ofSeconds(10));
    }
}
