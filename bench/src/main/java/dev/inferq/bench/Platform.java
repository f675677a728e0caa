package dev.inferq.bench;

import dev.inferq.contract.JobCodec;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import tools.jackson.databind.JsonNode;

/**
 * The real platform started with {@code ./run-local} (Kafka, Redis, gateway, its workers) on free ports with its run
 * folder under {@code bench/target}, stopped with SIGTERM; also reads its processes' memory from {@code /proc}.
 */
final class Platform implements AutoCloseable {

    /** Resident memory of one process, in MiB: now ({@code VmRSS}) and its peak ({@code VmHWM}). */
    record Memory(String process, long pid, double rssMiB, double hwmMiB) {
    }

    /** What a worker reports serving for one model. */
    record Served(String variant, String engine) {
    }

    private static final String READY = "inferq is ready";

    private final Process launcher;
    private final Path runDir;
    private final int gatewayPort;
    private final int workerPort;
    private final int kafkaPort;
    private final int redisPort;
    private final Thread stopOnExit = new Thread(this::stop, "bench-stop-platform");

    private Platform(Process launcher, Path runDir, int gatewayPort, int workerPort, int kafkaPort, int redisPort) {
        this.launcher = launcher;
        this.runDir = runDir;
        this.gatewayPort = gatewayPort;
        this.workerPort = workerPort;
        this.kafkaPort = kafkaPort;
        this.redisPort = redisPort;
    }

    /** Starts run-local (never building: bench/run built already) and waits for its ready banner. */
    static Platform start(BenchSettings s, Duration timeout, Consumer<String> log) throws IOException {
        return start(s, timeout, Map.of(), log);
    }

    /** As {@link #start(BenchSettings, Duration, Consumer)}, with {@code settings} added to every process's env. */
    static Platform start(BenchSettings s, Duration timeout, Map<String, String> settings, Consumer<String> log)
            throws IOException {
        int[] ports = freePorts(5);
        Path runDir = s.runDir().toAbsolutePath();
        Files.createDirectories(runDir);
        ProcessBuilder pb = new ProcessBuilder(s.root().resolve("run-local").toString())
                .directory(s.root().toFile()).redirectErrorStream(true);
        Map<String, String> env = pb.environment();
        env.put("GATEWAY_PORT", String.valueOf(ports[0]));
        env.put("WORKER_PORT", String.valueOf(ports[1]));
        env.put("KAFKA_PORT", String.valueOf(ports[2]));
        env.put("REDIS_PORT", String.valueOf(ports[3]));
        // Used when run-local starts a separate image worker (WORKERS=per-task).
        env.put("IMAGE_WORKER_PORT", String.valueOf(ports[4]));
        env.put("MODELS_DIR", s.modelsDir().toAbsolutePath().toString());
        env.put("INFERQ_RUN_DIR", runDir.toString());
        env.put("SKIP_BUILD", "1");
        env.remove("ECHO_LOGS");
        env.putAll(settings);
        // The sample inputs repeat: with the response cache on, most jobs would skip the model and every figure
        // would measure the cache instead of the serving path.
        env.putIfAbsent("INFERQ_CACHE_ENABLED", "false");
        // One tenant (anonymous) follows every job: offered past saturation, thousands of jobs wait at once, each with
        // its stream, and the default of 50 streams a tenant refused most of them (429) instead of measuring them.
        env.putIfAbsent("INFERQ_GATEWAY_LIMITS_STREAMS_PERTENANT", "2000");
        // The same 2 intra-op threads as the engine bench (the worker's own default is one per core); with separate
        // text and image workers each gets 2.
        env.putIfAbsent("WORKER_JAVA_OPTS",
                "-Xmx1g -XX:+ExitOnOutOfMemoryError -Dai.djl.offline=true -Dai.djl.pytorch.num_threads=2");
        log.accept("starting ./run-local (gateway :" + ports[0] + ", models " + s.modelsDir() + ", log "
                + runDir.resolve("launcher.log") + ")");
        Platform platform = new Platform(pb.start(), runDir, ports[0], ports[1], ports[2], ports[3]);
        Runtime.getRuntime().addShutdownHook(platform.stopOnExit);
        CompletableFuture<Boolean> ready = platform.copyOutput(runDir.resolve("launcher.log"));
        boolean up;
        try {
            up = ready.get(timeout.toSeconds(), TimeUnit.SECONDS);
        } catch (Exception e) {
            up = false;
        }
        if (!up) {
            platform.close();
            throw new IllegalStateException("the platform did not get ready within " + timeout.toSeconds()
                    + " s; see " + runDir.resolve("launcher.log") + " and " + runDir.resolve("logs"));
        }
        return platform;
    }

    URI gateway() {
        return URI.create("http://127.0.0.1:" + gatewayPort);
    }

    /** The (first) worker's actuator. */
    URI worker() {
        return URI.create("http://127.0.0.1:" + workerPort);
    }

    String kafkaBootstrapServers() {
        return "127.0.0.1:" + kafkaPort;
    }

    int redisPort() {
        return redisPort;
    }

    /**
     * The variant (model file) and engine the worker serving {@code model} says it runs, from {@code GET
     * /v1/models/{model}}; empty when no worker announced itself within {@code wait}.
     */
    Optional<Served> served(String model, Duration wait) throws InterruptedException {
        HttpClient http = HttpClient.newHttpClient();
        HttpRequest request = HttpRequest.newBuilder(gateway().resolve("/v1/models/" + model)).build();
        long deadline = System.nanoTime() + wait.toNanos();
        do {
            try {
                HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 200) {
                    JsonNode worker = JobCodec.mapper().readTree(response.body()).path("live").path("workers").path(0);
                    if (!worker.isMissingNode()) {
                        return Optional.of(new Served(worker.path("variant").asString(),
                                worker.path("engine").asString()));
                    }
                }
            } catch (IOException e) {
                // the gateway is up (the launcher said so): try again until the deadline
            }
            // Workers announce themselves in Redis right after they start; the first announcement may lag the banner.
            TimeUnit.MILLISECONDS.sleep(250);
        } while (System.nanoTime() < deadline);
        return Optional.empty();
    }

    /** Memory of the gateway and the worker(s), from the pids run-local records in its run folder. */
    List<Memory> memory() {
        return processes().entrySet().stream()
                .filter(e -> e.getKey().equals("gateway") || e.getKey().endsWith("worker"))
                .map(e -> readMemory(e.getKey(), e.getValue())).toList();
    }

    /**
     * The live processes run-local started (launcher, redis, kafka, gateway, workers), by name, in start order, from
     * the pids it records in its run folder; a supervised worker that was restarted appears with its current pid.
     */
    Map<String, Long> processes() {
        Map<String, Long> pids = new LinkedHashMap<>();
        try {
            for (String line : Files.readAllLines(runDir.resolve("pids"))) {
                String[] f = line.split(" ");
                if (f.length == 3 && ProcessHandle.of(Long.parseLong(f[1])).filter(ProcessHandle::isAlive)
                        .isPresent()) {
                    pids.put(f[0], Long.parseLong(f[1]));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return pids;
    }

    private static Memory readMemory(String name, long pid) {
        double rss = Double.NaN;
        double hwm = Double.NaN;
        try {
            for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    rss = kib(line) / 1024;
                } else if (line.startsWith("VmHWM:")) {
                    hwm = kib(line) / 1024;
                }
            }
        } catch (IOException e) {
            // the process is gone: NaN says so
        }
        return new Memory(name, pid, rss, hwm);
    }

    private static double kib(String statusLine) {
        return Double.parseDouble(statusLine.replaceAll("[^0-9]", ""));
    }

    /** Copies the launcher's output to a file; completes true at the ready banner, false if it exits first. */
    private CompletableFuture<Boolean> copyOutput(Path file) {
        CompletableFuture<Boolean> ready = new CompletableFuture<>();
        Thread copier = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(launcher.getInputStream(),
                    StandardCharsets.UTF_8));
                 PrintWriter out = new PrintWriter(Files.newBufferedWriter(file), true)) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    out.println(line);
                    if (line.contains(READY)) {
                        ready.complete(true);
                    }
                }
            } catch (IOException e) {
                // the launcher is gone
            }
            ready.complete(false);
        }, "bench-launcher-log");
        copier.setDaemon(true);
        copier.start();
        return ready;
    }

    /** SIGTERM to the launcher, which stops its children in order; waits for it. Idempotent. */
    private void stop() {
        if (!launcher.isAlive()) {
            return;
        }
        launcher.destroy();
        try {
            if (!launcher.waitFor(150, TimeUnit.SECONDS)) {
                launcher.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        stop();
        try {
            Runtime.getRuntime().removeShutdownHook(stopOnExit);
        } catch (IllegalStateException e) {
            // already shutting down: the hook runs stop() itself
        }
    }

    private static int[] freePorts(int n) throws IOException {
        ServerSocket[] sockets = new ServerSocket[n];
        int[] ports = new int[n];
        try {
            for (int i = 0; i < n; i++) {
                sockets[i] = new ServerSocket(0);
                ports[i] = sockets[i].getLocalPort();
            }
        } finally {
            for (ServerSocket socket : sockets) {
                if (socket != null) {
                    socket.close();
                }
            }
        }
        return ports;
    }
}
