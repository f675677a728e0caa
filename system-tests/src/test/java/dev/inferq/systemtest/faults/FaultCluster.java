package dev.inferq.systemtest.faults;

import dev.inferq.launcher.KafkaBroker;
import dev.inferq.launcher.ManagedProcess;
import dev.inferq.launcher.RedisServerProcess;
import dev.inferq.launcher.Supervised;
import dev.inferq.testsupport.Ports;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A whole platform made of real processes that a test may crash and restart: a KRaft Kafka broker and a Redis with an
 * append-only file (both restartable on the same ports and data), the packaged gateway, and workers.
 *
 * <p>Processes rather than containers on purpose: the faults are process faults (SIGKILL, SIGTERM), and this runs
 * the same with or without a Docker engine.
 *
 * <p>One cluster may serve several scenarios in turn ({@link #beginScenario}, {@link #endScenario}): starting Kafka,
 * Redis and a gateway takes about 12 s on two cores, which a scenario that needs them fresh pays and others need not.
 */
final class FaultCluster implements AutoCloseable {

    static final Path REPO = Path.of(System.getProperty("inferq.repo.dir", "..")).toAbsolutePath().normalize();
    private static final Duration READY = Duration.ofSeconds(120);

    private final Path home;
    /** Where the processes started next write their logs: {@code home}, or the current scenario's folder. */
    private volatile Path logs;
    private final int kafkaPort = Ports.freePort();
    private final int controllerPort = Ports.freePort();
    private final int redisPort = Ports.freePort();
    private final int gatewayPort = Ports.freePort();
    /**
     * How to stop each worker and extra gateway: those started outside a scenario run until {@link #close}, those of
     * a scenario until {@link #endScenario}. Thread-safe: a scenario may start several at once.
     */
    private final List<Runnable> sharedStops = new CopyOnWriteArrayList<>();
    private final List<Runnable> scenarioStops = new CopyOnWriteArrayList<>();
    private volatile boolean inScenario;
    private KafkaBroker kafka;
    private RedisServerProcess redis;
    private ManagedProcess gateway;
    /** Whether the first gateway has answered healthy: it starts while the first workers load (see gatewayUrl). */
    private boolean gatewayUp;
    private final Map<String, String> gatewayEnv;

    FaultCluster(String scenario) throws IOException {
        this(scenario, Map.of());
    }

    /** {@code gatewayEnv}: more environment for the first gateway, e.g. its authentication mode and keys. */
    FaultCluster(String scenario, Map<String, String> gatewayEnv) throws IOException {
        home = Files.createDirectories(REPO.resolve("system-tests/target/faults/" + scenario));
        logs = home;
        Map<String, String> env = new HashMap<>(gatewayEnv);
        env.put("GATEWAY_PORT", Integer.toString(gatewayPort));
        this.gatewayEnv = Map.copyOf(env);
        try {
            // Side by side: Kafka takes about 4 s to come up on two busy cores, Redis about 2.
            CompletableFuture<Void> redisStarted = CompletableFuture.runAsync(this::startRedis);
            try {
                startKafka();
            } finally {
                redisStarted.join();
            }
            gateway = service("gateway", REPO.resolve("api-gateway/target/api-gateway.jar"), env);
        } catch (RuntimeException e) {
            // The caller gets no cluster to close: what did start must not outlive the test (and lock its data).
            close();
            throw e;
        }
    }

    /**
     * Starts a scenario on this cluster: the workers and gateways started from now on log to
     * {@code target/faults/<scenario>/} and are stopped by {@link #endScenario}; Kafka, Redis, the first gateway and
     * what was started before run on.
     */
    void beginScenario(String scenario) throws IOException {
        logs = Files.createDirectories(REPO.resolve("system-tests/target/faults/" + scenario));
        inScenario = true;
    }

    /** Stops the workers and gateways the scenario started, so that the next one finds only what it expects. */
    void endScenario() {
        stopAll(scenarioStops);
        scenarioStops.clear();
        inScenario = false;
        logs = home;
    }

    /**
     * Starts the first gateway again, as {@code name} (its log file), on the same port and settings, once the one
     * before has exited (it is stopped if it has not), and waits until it is healthy.
     */
    void restartGateway(String name) {
        gateway.stop(Duration.ofSeconds(10));
        gateway = service(name, REPO.resolve("api-gateway/target/api-gateway.jar"), gatewayEnv);
        gateway.awaitHealthUp(URI.create(url() + "/actuator/health"), READY);
    }

    /** The first gateway's process, for tests that watch its memory or whether it is still alive. */
    ManagedProcess gateway() {
        return gateway;
    }

    String kafkaBootstrapServers() {
        return "127.0.0.1:" + kafkaPort;
    }

    /** Where the cluster's Redis listens, for tests that look at what the services stored. */
    int redisPort() {
        return redisPort;
    }

    /**
     * The first gateway's URL, once it has answered healthy. The constructor starts it without waiting: a JVM spends
     * most of its start on one thread, so a worker started next loads on the other core meanwhile (about 8 s less per
     * cluster on two cores).
     */
    synchronized String gatewayUrl() {
        if (!gatewayUp) {
            gateway.awaitHealthUp(URI.create(url() + "/actuator/health"), READY);
            gatewayUp = true;
        }
        return url();
    }

    private String url() {
        return "http://127.0.0.1:" + gatewayPort;
    }

    /** Starts one more gateway on the same Kafka and Redis and answers its URL once it is healthy. */
    String startGateway(String name) {
        int port = Ports.freePort();
        ManagedProcess another = service(name, REPO.resolve("api-gateway/target/api-gateway.jar"),
                Map.of("GATEWAY_PORT", Integer.toString(port)));
        stops().add(() -> another.stop(Duration.ofSeconds(10)));
        String url = "http://127.0.0.1:" + port;
        another.awaitHealthUp(URI.create(url + "/actuator/health"), READY);
        return url;
    }

    /** Starts a worker serving {@code models} and waits until its models are loaded. */
    ManagedProcess startWorker(String name, String models) {
        int port = Ports.freePort();
        ManagedProcess worker = service(name, REPO.resolve("inference-worker/target/inference-worker.jar"),
                Map.of("WORKER_PORT", Integer.toString(port), "WORKER_MODELS", models));
        stops().add(() -> worker.stop(Duration.ofSeconds(20)));
        worker.awaitHealthUp(URI.create("http://127.0.0.1:" + port + "/actuator/health"), READY);
        return worker;
    }

    /**
     * Starts a worker serving {@code models} under supervision, as {@code ./run-local} runs its workers: restarted
     * whenever it exits unasked. {@code args} are extra Spring arguments ({@code --key=value}).
     */
    Supervised startSupervisedWorker(String name, String models, List<String> args) {
        int port = Ports.freePort();
        Supervised worker = Supervised.start(name, () -> service(name, REPO.resolve(
                        "inference-worker/target/inference-worker.jar"),
                Map.of("WORKER_PORT", Integer.toString(port), "WORKER_MODELS", models), args),
                new Supervised.Backoff(Duration.ofMillis(200), Duration.ofSeconds(2), Duration.ofSeconds(60)),
                line -> System.out.println("faults: " + line));
        stops().add(() -> worker.stop(Duration.ofSeconds(20)));
        worker.current().awaitHealthUp(URI.create("http://127.0.0.1:" + port + "/actuator/health"), READY);
        return worker;
    }

    /** Stops the broker (SIGTERM), leaves it down for {@code downtime}, starts it again on the same data. */
    void restartKafka(Duration downtime) throws InterruptedException {
        kafka.stop(Duration.ofSeconds(20));
        Thread.sleep(downtime.toMillis());
        startKafka();
    }

    /** Stops Redis (SIGTERM), leaves it down for {@code downtime}, starts it again on the same append-only file. */
    void restartRedis(Duration downtime) throws InterruptedException {
        redis.stop(Duration.ofSeconds(10));
        Thread.sleep(downtime.toMillis());
        startRedis();
    }

    private List<Runnable> stops() {
        return inScenario ? scenarioStops : sharedStops;
    }

    private void startKafka() {
        kafka = KafkaBroker.builder()
                .port(kafkaPort)
                .controllerPort(controllerPort)
                .dir(home.resolve("kafka"))
                .logFile(home.resolve("kafka.log"))
                .start();
    }

    private void startRedis() {
        redis = RedisServerProcess.builder()
                .port(redisPort)
                .dir(home.resolve("redis"))
                .logFile(home.resolve("redis.log"))
                .appendOnly(true)
                .start();
    }

    private ManagedProcess service(String name, Path jar, Map<String, String> extraEnv) {
        return service(name, jar, extraEnv, List.of());
    }

    private ManagedProcess service(String name, Path jar, Map<String, String> extraEnv, List<String> extraArgs) {
        Map<String, String> env = new HashMap<>(Map.of(
                "KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:" + kafkaPort,
                "REDIS_HOST", "127.0.0.1",
                "REDIS_PORT", Integer.toString(redisPort),
                "MODELS_DIR", REPO.resolve("models/tiny").toString(),
                // Without API keys, unless the scenario's gatewayEnv says otherwise.
                "INFERQ_AUTH_MODE", "open"));
        env.putAll(extraEnv);
        List<String> args = new ArrayList<>(List.of(
                // A killed worker's partitions move to a live one after the session timeout: keep it short.
                "--spring.kafka.consumer.properties[session.timeout.ms]=6000",
                "--spring.kafka.consumer.properties[heartbeat.interval.ms]=1000"));
        args.addAll(extraArgs);
        return ManagedProcess.builder(name)
                .javaJar(jar, List.of("-Xmx512m", "-XX:TieredStopAtLevel=1"), args)
                .env(env)
                .workDir(REPO)
                .logFile(logs.resolve(name + ".log"))
                .start();
    }

    /** Runs {@code stops} side by side: a service takes about 2 s to stop, most of it waiting, not computing. */
    private static void stopAll(List<Runnable> stops) {
        ExecutorService pool = Executors.newCachedThreadPool();
        try {
            CompletableFuture.allOf(stops.stream().map(stop -> CompletableFuture.runAsync(stop, pool))
                    .toArray(CompletableFuture[]::new)).join();
        } finally {
            pool.shutdown();
        }
    }

    @Override
    public void close() {
        endScenario();
        List<Runnable> services = new ArrayList<>(sharedStops);
        if (gateway != null) {
            services.add(() -> gateway.stop(Duration.ofSeconds(10)));
        }
        stopAll(services);
        if (kafka != null) {
            kafka.close();
        }
        if (redis != null) {
            redis.close();
        }
    }
}
