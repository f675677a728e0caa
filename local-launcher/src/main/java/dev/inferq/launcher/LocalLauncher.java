package dev.inferq.launcher;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Runs the whole platform on this machine without Docker: Redis, Kafka, the gateway and the workers (by default one
 * serving every model; {@link WorkerLayout}), each a real child process; prints where everything is once all are healthy, and stops everything on
 * Ctrl-C, SIGTERM or the death of Redis, Kafka or the gateway. A worker that dies once it was ready is restarted
 * ({@link Supervised}): workers are stateless and their jobs wait in Kafka meanwhile. Redis keeps job state in
 * memory only, so a restarted one would silently have lost every job; the others end the run so that their failure
 * is seen rather than ridden out.
 */
public final class LocalLauncher {

    private static final PrintStream OUT = System.out;
    private static final String AUTH_MODE = "INFERQ_AUTH_MODE";
    private static final String OMP_WAIT_POLICY = "OMP_WAIT_POLICY";

    private final Map<String, String> env;
    private final Path root;
    private final Path runDir;
    private final Path logDir;
    private final PidFile pids;
    private final List<Tier> tiers = new ArrayList<>();
    private final Object lock = new Object();
    private volatile boolean stopping;
    private volatile boolean mainExiting;
    private volatile boolean hookStarted;

    /** Children stopped together; tiers stop in reverse start order. */
    private record Tier(String label, List<Member> members, Duration grace) {
    }

    /** A {@link ManagedProcess} or a {@link Supervised} one: whatever stops with its tier. */
    private interface Member {
        void stop(Duration grace);
    }

    LocalLauncher(Map<String, String> env, Path root) {
        this.env = env;
        this.root = root.toAbsolutePath().normalize();
        this.runDir = this.root.resolve(get("INFERQ_RUN_DIR", "run")).toAbsolutePath().normalize();
        this.logDir = runDir.resolve("logs");
        this.pids = new PidFile(runDir.resolve("pids"));
    }

    public static void main(String[] args) {
        // The launcher's own Kafka admin client would otherwise print its whole configuration; the broker child
        // sets its own level.
        if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        }
        Path root = Path.of(System.getenv().getOrDefault("INFERQ_HOME", ".")).toAbsolutePath().normalize();
        LocalLauncher launcher = new LocalLauncher(System.getenv(), root);
        Thread mainThread = Thread.currentThread();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            launcher.hookStarted = true;
            launcher.stopAll();
            // On Ctrl-C during startup the main thread may be spawning a child right now; it stops that child
            // itself (see join()), and the JVM must not halt before it has.
            if (!launcher.mainExiting) {
                try {
                    mainThread.join(60_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }, "inferq-shutdown"));
        int code;
        try {
            code = launcher.run();
        } catch (RuntimeException e) {
            code = 1;
            if (!launcher.stopping) {
                System.err.println();
                System.err.println("[launcher] FAILED: " + e.getMessage());
            }
        }
        // The two flags are set and read in opposite order by main and hook, so at least one sees the other:
        // either the hook waits for main to return, or main exits without the hook waiting for it.
        launcher.mainExiting = true;
        if (launcher.hookStarted) {
            // A signal arrived: the hook stops everything; System.exit here would block this thread forever.
            return;
        }
        launcher.stopAll();
        System.exit(code);
    }

    /** Starts everything, waits for a child to die (returns 1) or for the shutdown hook to stop all (returns 0). */
    int run() {
        long t0 = System.nanoTime();
        int kafkaPort = port("KAFKA_PORT", 9092);
        int redisPort = port("REDIS_PORT", 6379);
        int gatewayPort = port("GATEWAY_PORT", 8080);
        int workerPort = port("WORKER_PORT", 8081);
        int imageWorkerPort = port("IMAGE_WORKER_PORT", workerPort + 1);
        // 0: any free port, since only the broker itself talks to its controller listener.
        int controllerPort = get("KAFKA_CONTROLLER_PORT", "0").equals("0") ? 0 : port("KAFKA_CONTROLLER_PORT", 0);
        Duration readyTimeout = Duration.ofSeconds(intEnv("STARTUP_TIMEOUT_SECONDS", 180));
        Path gatewayJar = root.resolve("api-gateway/target/api-gateway.jar");
        Path workerJar = root.resolve("inference-worker/target/inference-worker.jar");
        // One models folder or several separated by ':', each relative to the repository root.
        List<Path> modelsDirs = Arrays.stream(get("MODELS_DIR", "models/tiny").split(":")).map(String::trim)
                .filter(part -> !part.isEmpty()).map(part -> root.resolve(part).toAbsolutePath().normalize()).toList();
        String modelsPath = String.join(":", modelsDirs.stream().map(Path::toString).toList());
        PrintStream echo = truthy(get("ECHO_LOGS", "")) ? OUT : null;

        // Everything that can be wrong before starting is checked first, so failures take milliseconds. Orphans of
        // a killed launcher go first: they would hold the ports.
        pids.claimOrCleanUp();
        requireFile(gatewayJar, "the gateway jar");
        requireFile(workerJar, "the worker jar");
        List<Path> modelFolders = WorkerLayout.modelFolders(modelsDirs);
        WorkerLayout layout = WorkerLayout.of(get("WORKERS", "single"), modelsDirs,
                Set.copyOf(splitOr(get("WORKER_MODELS", "").replace(',', ' '), List.of())),
                intEnv("IMAGE_WORKER_NICE", 10));
        Ports.requireFree(kafkaPort, "Kafka", "KAFKA_PORT");
        Ports.requireFree(redisPort, "Redis", "REDIS_PORT");
        Ports.requireFree(gatewayPort, "gateway HTTP", "GATEWAY_PORT");
        Ports.requireFree(workerPort, "worker management HTTP", "WORKER_PORT");
        if (layout.workers().size() > 1) {
            Ports.requireFree(imageWorkerPort, "image worker management HTTP", "IMAGE_WORKER_PORT");
        }
        if (controllerPort != 0) {
            Ports.requireFree(controllerPort, "Kafka controller", "KAFKA_CONTROLLER_PORT");
        }
        List<Integer> ports = Stream.of(kafkaPort, redisPort, gatewayPort, workerPort,
                        layout.workers().size() > 1 ? imageWorkerPort : 0, controllerPort)
                .filter(p -> p != 0).toList();
        if (ports.stream().distinct().count() != ports.size()) {
            throw new IllegalStateException("two services are set to the same port: KAFKA_PORT=" + kafkaPort
                    + " REDIS_PORT=" + redisPort + " GATEWAY_PORT=" + gatewayPort + " WORKER_PORT=" + workerPort
                    + " IMAGE_WORKER_PORT=" + imageWorkerPort
                    + (controllerPort != 0 ? " KAFKA_CONTROLLER_PORT=" + controllerPort : ""));
        }
        prepareRunDir();
        say("run folder " + runDir + " (logs in " + logDir + ")");

        long t = System.nanoTime();
        RedisServerProcess redis = RedisServerProcess.builder()
                .port(redisPort).dir(runDir.resolve("redis")).logFile(logDir.resolve("redis.log"))
                .binary(env.containsKey("REDIS_SERVER_BINARY") ? Path.of(env.get("REDIS_SERVER_BINARY")) : null)
                .maxMemory(get("REDIS_MAXMEMORY", RedisServerProcess.DEFAULT_MAX_MEMORY))
                .echoTo(echo).onStart(tier("redis", Duration.ofSeconds(5))).start();
        say("redis   ready on 127.0.0.1:" + redisPort + " (pid " + redis.process().pid() + ", " + secs(t) + ")");

        t = System.nanoTime();
        KafkaBroker kafka = KafkaBroker.builder()
                .port(kafkaPort).controllerPort(controllerPort)
                .dir(runDir.resolve("kafka")).logFile(logDir.resolve("kafka.log"))
                .formatCache(runDir.resolve("kafka-format-cache"))
                .jvmArgs(splitOr(get("KAFKA_JAVA_OPTS", ""), KafkaBroker.DEFAULT_JVM_ARGS))
                .startTimeout(readyTimeout).echoTo(echo).onStart(tier("kafka", Duration.ofSeconds(20))).start();
        say("kafka   ready on " + kafka.bootstrapServers() + " (pid " + kafka.process().pid() + ", " + secs(t) + ")");

        Map<String, String> common = new LinkedHashMap<>();
        common.put("KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers());
        common.put("REDIS_HOST", redis.host());
        common.put("REDIS_PORT", String.valueOf(redisPort));
        common.put("MODELS_DIR", modelsPath);

        // Gateway and worker boot in parallel: neither needs the other, and the worker's model loading dominates.
        t = System.nanoTime();
        // More than the worker's shutdown-timeout (60s): its in-flight batch finishes and commits before SIGKILL.
        Tier apps = newTier("gateway and worker", Duration.ofSeconds(70));
        ManagedProcess gateway = ManagedProcess.builder("gateway")
                .javaJar(gatewayJar, splitOr(get("GATEWAY_JAVA_OPTS", ""), List.of("-Xmx384m",
                        "-XX:+ExitOnOutOfMemoryError")), List.of())
                .env(common).env("GATEWAY_PORT", String.valueOf(gatewayPort))
                .env(AUTH_MODE, authMode())
                .workDir(root).logFile(logDir.resolve("gateway.log")).echoTo(echo).start();
        join(apps, gateway::stop);
        pids.add(gateway);
        List<Supervised> workers = new ArrayList<>();
        List<Integer> workerPorts = new ArrayList<>();
        for (WorkerLayout.Worker spec : layout.workers()) {
            int port = workers.isEmpty() ? workerPort : imageWorkerPort;
            ManagedProcess.Builder builder = ManagedProcess.builder(spec.name())
                    .javaJar(workerJar, workerJvmArgs(spec), List.of())
                    .env(common).env("WORKER_PORT", String.valueOf(port))
                    // Its actuator has no authentication: reachable from this machine only.
                    .env("SERVER_ADDRESS", get("WORKER_ADDRESS", "127.0.0.1"))
                    .env("WORKER_MODELS", String.join(",", spec.models()))
                    // Every process of run-local shares the same cores: libgomp's spinning threads would steal them
                    // from Kafka, Redis and the other worker (README, "Compute scheduling").
                    .env(OMP_WAIT_POLICY, get(OMP_WAIT_POLICY, "PASSIVE"))
                    .niceness(spec.niceness())
                    .workDir(root).logFile(logDir.resolve(spec.name() + ".log")).echoTo(echo);
            Supervised worker = Supervised.start(spec.name(), () -> {
                ManagedProcess p = builder.start();
                pids.add(p);
                return p;
            }, Supervised.Backoff.DEFAULT, LocalLauncher::warn);
            join(apps, worker::stop);
            workers.add(worker);
            workerPorts.add(port);
        }

        URI gatewayHealth = URI.create("http://127.0.0.1:" + gatewayPort + "/actuator/health");
        gateway.awaitHealthUp(gatewayHealth, readyTimeout);
        say("gateway ready on http://localhost:" + gatewayPort + " (pid " + gateway.pid() + ", " + secs(t) + ")");
        for (int i = 0; i < workers.size(); i++) {
            // Dying before it was ever ready is a broken setup (a model that does not load), not a crash to ride out.
            ManagedProcess worker = workers.get(i).current();
            worker.awaitHealthUp(URI.create("http://127.0.0.1:" + workerPorts.get(i) + "/actuator/health"),
                    readyTimeout);
            WorkerLayout.Worker spec = layout.workers().get(i);
            say(String.format("%-7s ready on http://localhost:%d serving %s%s (pid %d, %s)", spec.name(),
                    workerPorts.get(i), String.join(", ", spec.models()),
                    spec.niceness() > 0 ? " at niceness " + spec.niceness() : "", worker.pid(), secs(t)));
        }

        banner(gatewayPort, workerPorts, kafka, redis, modelsPath,
                modelFolders.stream().map(folder -> folder.getFileName().toString()).sorted().toList(), secs(t0));
        return watch(List.of(redis.process(), kafka.process(), gateway));
    }

    /** Blocks until an unsupervised child ends. An end we did not ask for is a failure of the whole stack. */
    private int watch(List<ManagedProcess> children) {
        CompletableFuture<?>[] exits = children.stream().map(ManagedProcess::onExit).toArray(CompletableFuture[]::new);
        ManagedProcess first = (ManagedProcess) CompletableFuture.anyOf(exits).join();
        if (stopping || first.stopRequested()) {
            return 0;
        }
        System.err.println();
        System.err.println("[launcher] " + first.name() + " (pid " + first.pid() + ") exited unexpectedly with code "
                + first.exitCode().orElse(-1) + first.lastLogLinesMessage());
        System.err.println("[launcher] stopping everything else");
        return 1;
    }

    /**
     * Creates the next tier and returns the callback that adds a freshly spawned child to it. A child spawned after
     * stopping began (Ctrl-C during startup) is stopped at once instead, or it would outlive the launcher.
     */
    private Consumer<ManagedProcess> tier(String label, Duration grace) {
        Tier tier = newTier(label, grace);
        return p -> {
            join(tier, p::stop);
            pids.add(p);
        };
    }

    private Tier newTier(String label, Duration grace) {
        Tier tier = new Tier(label, new CopyOnWriteArrayList<>(), grace);
        synchronized (lock) {
            tiers.add(tier);
        }
        return tier;
    }

    private void join(Tier tier, Member member) {
        boolean late;
        synchronized (lock) {
            late = stopping;
            if (!late) {
                tier.members().add(member);
            }
        }
        if (late) {
            member.stop(tier.grace());
            throw new IllegalStateException("stopping");
        }
    }

    /**
     * Idempotent: called by the shutdown hook, after a failure and after a child died. Synchronized so a second
     * caller waits for the first to finish rather than letting the JVM halt mid-way.
     */
    synchronized void stopAll() {
        List<Tier> toStop;
        synchronized (lock) {
            stopping = true;
            toStop = tiers.stream().filter(t -> !t.members().isEmpty()).toList();
            tiers.clear();
        }
        if (toStop.isEmpty()) {
            return;
        }
        say("stopping...");
        for (int i = toStop.size() - 1; i >= 0; i--) {
            Tier tier = toStop.get(i);
            long t = System.nanoTime();
            // Members of a tier stop concurrently: their grace periods overlap instead of adding up.
            List<CompletableFuture<Void>> stops = tier.members().stream()
                    .map(m -> CompletableFuture.runAsync(() -> m.stop(tier.grace())))
                    .toList();
            stops.forEach(CompletableFuture::join);
            say("stopped " + tier.label() + " (" + secs(t) + ")");
        }
        try {
            Files.deleteIfExists(runDir.resolve("pids"));
        } catch (IOException e) {
            // harmless: the next start recognises dead pids
        }
        say("all processes stopped");
    }

    /**
     * The gateway's authentication mode: open unless {@value #AUTH_MODE} says otherwise, since a first local run has
     * no keys to send; the gateway itself defaults to required.
     */
    private String authMode() {
        return get(AUTH_MODE, "open");
    }

    private void banner(int gatewayPort, List<Integer> workerPorts, KafkaBroker kafka, RedisServerProcess redis,
                        String modelsPath, List<String> models, String elapsed) {
        Banner banner = new Banner(elapsed, gatewayPort, workerPorts, kafka.bootstrapServers(),
                redis.host() + ":" + redis.port(), modelsPath, models, logDir, authMode(),
                root.resolve(Banner.SAMPLE_IMAGE));
        banner.lines().forEach(OUT::println);
        OUT.flush();
    }

    private void prepareRunDir() {
        try {
            Files.createDirectories(logDir);
            // Fresh Kafka data every start: stale topics or offsets from an old run only confuse.
            deleteTree(runDir.resolve("kafka"));
            deleteTree(runDir.resolve("redis"));
            for (String name : List.of("redis.log", "kafka.log", "gateway.log", "worker.log", "image-worker.log")) {
                Files.deleteIfExists(logDir.resolve(name));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not prepare " + runDir, e);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    private void requireFile(Path file, String what) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalStateException(what + " is missing: " + file
                    + ". Build it with ./mvnw -B -q -Dmaven.test.skip=true package (./run-local does this).");
        }
    }

    private String get(String key, String fallback) {
        String v = env.get(key);
        return v == null || v.isBlank() ? fallback : v.trim();
    }

    private int intEnv(String key, int fallback) {
        String v = get(key, null);
        if (v == null) {
            return fallback;
        }
        try {
            int n = Integer.parseInt(v);
            if (n <= 0) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalStateException(key + "=" + v + " is not a positive number");
        }
    }

    /** A fixed port: the banner and the other services must know it, so "any free port" is not offered. */
    private int port(String key, int fallback) {
        int n = intEnv(key, fallback);
        if (n > 65535) {
            throw new IllegalStateException(key + "=" + n + " is not a port number (1-65535)");
        }
        return n;
    }

    /** WORKER_JAVA_OPTS, or for the image worker IMAGE_WORKER_JAVA_OPTS when set. */
    private List<String> workerJvmArgs(WorkerLayout.Worker spec) {
        // The heap stays under 100 MB with the full-size models; they and libtorch live outside it (bench/RESULTS.md).
        List<String> defaults = List.of("-Xmx512m", "-XX:+ExitOnOutOfMemoryError");
        List<String> workers = splitOr(get("WORKER_JAVA_OPTS", ""), defaults);
        return spec.name().equals("image-worker") ? splitOr(get("IMAGE_WORKER_JAVA_OPTS", ""), workers) : workers;
    }

    private static List<String> splitOr(String value, List<String> fallback) {
        return value.isBlank() ? fallback : Arrays.asList(value.trim().split("\\s+"));
    }

    private static boolean truthy(String value) {
        return List.of("1", "true", "yes", "on").contains(value.toLowerCase(Locale.ROOT));
    }

    private static String secs(long startNanos) {
        return String.format(Locale.ROOT, "%.1f s", (System.nanoTime() - startNanos) / 1e9);
    }

    private static void say(String message) {
        OUT.println("[launcher] " + message);
        OUT.flush();
    }

    private static void warn(String message) {
        System.err.println("[launcher] " + message);
        System.err.flush();
    }

    /**
     * Remembers the pids of this run's children (with their start times, since pids are reused), so that after a
     * launcher was killed with SIGKILL the next start can remove the orphans instead of failing on busy ports.
     */
    static final class PidFile {
        private final Path file;

        PidFile(Path file) {
            this.file = file;
        }

        void claimOrCleanUp() {
            try {
                if (Files.exists(file)) {
                    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
                    for (String line : lines) {
                        String[] f = line.split(" ");
                        if (f.length == 3 && f[0].equals("launcher") && matches(f)) {
                            throw new IllegalStateException("another run-local is already running (pid " + f[1]
                                    + "); stop it first, or set INFERQ_RUN_DIR and other ports to run a second one");
                        }
                    }
                    for (String line : lines) {
                        String[] f = line.split(" ");
                        if (f.length == 3 && !f[0].equals("launcher") && matches(f)) {
                            ProcessHandle.of(Long.parseLong(f[1])).ifPresent(h -> {
                                say("killing " + f[0] + " (pid " + f[1] + ") left over from a run that was killed");
                                h.destroyForcibly();
                                h.onExit().join();
                            });
                        }
                    }
                }
                Files.createDirectories(file.getParent());
                ProcessHandle self = ProcessHandle.current();
                Files.writeString(file, "launcher " + self.pid() + " " + start(self) + "\n", StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException("could not use " + file, e);
            }
        }

        void add(ManagedProcess p) {
            try {
                Files.writeString(file, p.name() + " " + p.pid() + " " + p.startEpochMillis() + "\n",
                        StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.APPEND);
            } catch (IOException e) {
                // only affects orphan clean-up after a SIGKILL of the launcher
            }
        }

        private static boolean matches(String[] f) {
            try {
                return ProcessHandle.of(Long.parseLong(f[1]))
                        .filter(ProcessHandle::isAlive)
                        .map(h -> String.valueOf(start(h)).equals(f[2]) && !f[2].equals("0"))
                        .orElse(false);
            } catch (NumberFormatException e) {
                return false;
            }
        }

        private static long start(ProcessHandle h) {
            return h.info().startInstant().map(i -> i.toEpochMilli()).orElse(0L);
        }
    }
}
