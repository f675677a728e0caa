package dev.inferq.launcher;

import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.stream.Collectors;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.AppInfoParser;

/**
 * A real single-node KRaft Apache Kafka broker running in a child JVM ({@code kafka.Kafka}), so that the services
 * talk to the same broker code as in production and a crash or kill of the broker can be tested for real.
 */
public final class KafkaBroker extends ServerProcess {

    /** Heap and GC settings close to Kafka's own start script, with a small heap for a laptop. */
    public static final List<String> DEFAULT_JVM_ARGS = List.of("-Xms128m", "-Xmx512m", "-XX:+UseG1GC",
            "-XX:MaxGCPauseMillis=20", "-XX:InitiatingHeapOccupancyPercent=35", "-XX:+ExitOnOutOfMemoryError",
            "-Djava.awt.headless=true");

    private final int port;
    private final int controllerPort;
    private final Path dir;

    private KafkaBroker(ManagedProcess process, int port, int controllerPort, Path dir) {
        super(process, Duration.ofSeconds(15));
        this.port = port;
        this.controllerPort = controllerPort;
        this.dir = dir;
    }

    /** Starts describing a broker; see {@link Builder#start()}. */
    public static Builder builder() {
        return new Builder();
    }

    /** {@code 127.0.0.1:port}: an IP, because "localhost" may resolve to ::1 where the broker does not listen. */
    public String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    public int controllerPort() {
        return controllerPort;
    }

    /** The folder holding server.properties and the data ({@code data/}). */
    public Path dir() {
        return dir;
    }

    /** Describes a broker before it starts. */
    public static final class Builder {
        private int port = 9092;
        private int controllerPort;
        private Path dir;
        private Path logFile;
        private String classpath = System.getProperty("java.class.path");
        private List<String> jvmArgs = DEFAULT_JVM_ARGS;
        private final Map<String, String> overrides = new LinkedHashMap<>();
        private PrintStream echo;
        private Duration startTimeout = Duration.ofSeconds(60);
        private Consumer<ManagedProcess> onStart = p -> { };
        private Path formatCache;

        private Builder() {
        }

        /**
         * Called with each child process (storage format, then broker) right after it is spawned, before any
         * waiting: lets a caller that may be interrupted by a shutdown hook stop it even if start() never returns.
         */
        public Builder onStart(Consumer<ManagedProcess> value) {
            this.onStart = value;
            return this;
        }

        /** Client port; 0 picks a free one. Default 9092. */
        public Builder port(int value) {
            this.port = value;
            return this;
        }

        /** KRaft controller port; 0 (default) picks a free one, since nothing outside the broker uses it. */
        public Builder controllerPort(int value) {
            this.controllerPort = value;
            return this;
        }

        /**
         * Folder for server.properties and data. Existing data is kept (so a killed broker can be restarted with
         * its topics); delete the folder first for a fresh broker. Default: a new temporary folder.
         */
        public Builder dir(Path value) {
            this.dir = value;
            return this;
        }

        /** Broker output; default {@code dir/kafka.log}. */
        public Builder logFile(Path value) {
            this.logFile = value;
            return this;
        }

        /** Classpath of the child JVM; default this JVM's, which must hold kafka_2.13 and an slf4j provider. */
        public Builder classpath(String value) {
            this.classpath = value;
            return this;
        }

        public Builder jvmArgs(List<String> value) {
            this.jvmArgs = List.copyOf(value);
            return this;
        }

        /**
         * Where to keep one freshly formatted (never started) storage folder to copy instead of formatting again.
         * Formatting costs a JVM start, 1-4 s on a small machine, on every fresh start; the copy is still empty
         * data, only the cluster id repeats. Default: none, format every time.
         */
        public Builder formatCache(Path value) {
            this.formatCache = value;
            return this;
        }

        /** Sets or overrides one line of server.properties. */
        public Builder property(String key, String value) {
            overrides.put(key, value);
            return this;
        }

        public Builder echoTo(PrintStream out) {
            this.echo = out;
            return this;
        }

        public Builder startTimeout(Duration value) {
            this.startTimeout = value;
            return this;
        }

        /** Formats the storage if needed, starts the broker and returns once it answers a metadata request. */
        public KafkaBroker start() {
            try {
                Path home = (dir != null ? dir : Files.createTempDirectory("inferq-kafka")).toAbsolutePath();
                Files.createDirectories(home);
                Path log = logFile != null ? logFile : home.resolve("kafka.log");
                int clientPort = port != 0 ? port : Ports.freePort();
                int ctrlPort = controllerPort != 0 ? controllerPort : Ports.freePort();
                Path config = home.resolve("server.properties");
                writeConfig(config, home.resolve("data"), clientPort, ctrlPort);

                Path data = home.resolve("data");
                if (!Files.exists(data.resolve("meta.properties"))) {
                    if (formatCache == null) {
                        format(config, log);
                    } else {
                        copyFromFormatCache(data, log, clientPort, ctrlPort);
                    }
                }
                ManagedProcess process = ManagedProcess.builder("kafka")
                        .javaMain(absoluteClasspath(), "kafka.Kafka", childJvmArgs(home), List.of(config.toString()))
                        .workDir(home)
                        .logFile(log)
                        .echoTo(echo)
                        .start();
                onStart.accept(process);
                KafkaBroker broker = new KafkaBroker(process, clientPort, ctrlPort, home);
                try {
                    long deadline = System.nanoTime() + startTimeout.toNanos();
                    process.awaitTcpPort("127.0.0.1", clientPort, startTimeout);
                    awaitMetadata(broker, deadline);
                } catch (RuntimeException e) {
                    process.stop(Duration.ofSeconds(5));
                    throw e;
                }
                return broker;
            } catch (IOException e) {
                throw new UncheckedIOException("could not prepare the Kafka folder", e);
            }
        }

        private void writeConfig(Path config, Path data, int clientPort, int ctrlPort) throws IOException {
            Map<String, String> p = new LinkedHashMap<>();
            p.put("process.roles", "broker,controller");
            p.put("node.id", "1");
            p.put("controller.quorum.voters", "1@127.0.0.1:" + ctrlPort);
            p.put("listeners", "PLAINTEXT://127.0.0.1:" + clientPort + ",CONTROLLER://127.0.0.1:" + ctrlPort);
            p.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + clientPort);
            p.put("controller.listener.names", "CONTROLLER");
            p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
            p.put("inter.broker.listener.name", "PLAINTEXT");
            p.put("log.dirs", data.toString());
            // One broker: every internal topic must accept a single replica or the coordinators never load.
            p.put("offsets.topic.replication.factor", "1");
            p.put("offsets.topic.num.partitions", "4");
            p.put("transaction.state.log.replication.factor", "1");
            p.put("transaction.state.log.min.isr", "1");
            p.put("share.coordinator.state.topic.replication.factor", "1");
            p.put("share.coordinator.state.topic.min.isr", "1");
            p.put("default.replication.factor", "1");
            p.put("min.insync.replicas", "1");
            // A consumer group should start consuming at once, not after the 3 s wait meant for big groups.
            p.put("group.initial.rebalance.delay.ms", "0");
            p.put("num.partitions", "4");
            // The services declare their topics; auto-creation stays on only as a safety net with the same count.
            p.put("auto.create.topics.enable", "true");
            p.putAll(overrides);
            StringBuilder text = new StringBuilder("# written by dev.inferq.launcher.KafkaBroker\n");
            p.forEach((k, v) -> text.append(k).append('=').append(v).append('\n'));
            Files.writeString(config, text, StandardCharsets.UTF_8);
        }

        private void copyFromFormatCache(Path data, Path log, int clientPort, int ctrlPort) throws IOException {
            // Keyed by version and by anything in overrides that format reads (node id, roles, metadata version).
            String key = AppInfoParser.getVersion() + "-" + Integer.toHexString(overrides.hashCode());
            Path cached = formatCache.toAbsolutePath().resolve(key);
            if (!Files.isDirectory(cached)) {
                // Formatted aside and renamed into place, so an interrupted format never leaves a half cache.
                Path tmp = formatCache.toAbsolutePath().resolve(key + ".tmp-" + ProcessHandle.current().pid());
                Files.createDirectories(tmp);
                Path config = tmp.resolve("format.properties");
                writeConfig(config, tmp.resolve("data"), clientPort, ctrlPort);
                format(config, log);
                Files.move(tmp, cached, StandardCopyOption.ATOMIC_MOVE);
            }
            Files.createDirectories(data);
            try (var files = Files.list(cached.resolve("data"))) {
                for (Path f : files.toList()) {
                    Files.copy(f, data.resolve(f.getFileName()));
                }
            }
        }

        private void format(Path config, Path log) {
            List<String> args = List.of("format", "-t", Uuid.randomUuid().toString(), "-c", config.toString());
            ManagedProcess tool = ManagedProcess.builder("kafka-storage-format")
                    .javaMain(absoluteClasspath(), "kafka.tools.StorageTool", List.of("-Xmx256m", "-XX:TieredStopAtLevel=1"),
                            args)
                    .logFile(log)
                    .echoTo(echo)
                    .start();
            onStart.accept(tool);
            var exit = tool.awaitExit(startTimeout);
            if (exit.isEmpty()) {
                tool.kill();
                throw new IllegalStateException("formatting Kafka storage did not finish within "
                        + startTimeout.toSeconds() + " s" + tool.lastLogLinesMessage());
            }
            if (exit.getAsInt() != 0) {
                throw new IllegalStateException("formatting Kafka storage failed with exit code " + exit.getAsInt()
                        + tool.lastLogLinesMessage());
            }
        }

        /** The child runs in the broker folder, so relative entries (run-local uses them) must be resolved here. */
        private String absoluteClasspath() {
            return Arrays.stream(classpath.split(File.pathSeparator))
                    .filter(entry -> !entry.isBlank())
                    .map(entry -> entry.endsWith("*")
                            ? Path.of(entry.substring(0, entry.length() - 1)).toAbsolutePath() + File.separator + "*"
                            : Path.of(entry).toAbsolutePath().toString())
                    .collect(Collectors.joining(File.pathSeparator));
        }

        private List<String> childJvmArgs(Path home) throws IOException {
            List<String> args = new ArrayList<>(jvmArgs);
            // Both providers are configured because the classpath is inherited: slf4j-simple in the launcher,
            // logback when a Spring Boot test JVM starts the broker (logback's default would log DEBUG).
            args.add("-Dorg.slf4j.simpleLogger.defaultLogLevel=info");
            args.add("-Dorg.slf4j.simpleLogger.showDateTime=true");
            args.add("-Dorg.slf4j.simpleLogger.dateTimeFormat=HH:mm:ss.SSS");
            args.add("-Dorg.slf4j.simpleLogger.logFile=System.out");
            Path logback = home.resolve("logback-kafka.xml");
            Files.writeString(logback, """
                    <configuration>
                      <appender name="OUT" class="ch.qos.logback.core.ConsoleAppender">
                        <encoder><pattern>%d{HH:mm:ss.SSS} [%thread] %-5level %logger - %msg%n</pattern></encoder>
                      </appender>
                      <root level="INFO"><appender-ref ref="OUT"/></root>
                    </configuration>
                    """, StandardCharsets.UTF_8);
            args.add("-Dlogback.configurationFile=" + logback);
            return args;
        }

        private static void awaitMetadata(KafkaBroker broker, long deadlineNanos) {
            Properties props = new Properties();
            props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
            props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "3000");
            props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "5000");
            props.put(AdminClientConfig.CLIENT_ID_CONFIG, "inferq-launcher-readiness");
            String last = "no answer";
            try (Admin admin = Admin.create(props)) {
                while (true) {
                    broker.process().failIfExited("before it answered metadata requests");
                    try {
                        Collection<Node> nodes = admin.describeCluster().nodes().get(5, TimeUnit.SECONDS);
                        if (!nodes.isEmpty()) {
                            return;
                        }
                        last = "no brokers registered yet";
                    } catch (ExecutionException | TimeoutException e) {
                        last = String.valueOf(e.getCause() != null ? e.getCause() : e);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IllegalStateException("interrupted while waiting for Kafka", e);
                    }
                    if (System.nanoTime() > deadlineNanos) {
                        throw new IllegalStateException("Kafka did not answer metadata requests on "
                                + broker.bootstrapServers() + " in time; last: " + last
                                + broker.process().lastLogLinesMessage());
                    }
                    Thread.sleep(100);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for Kafka", e);
            }
        }
    }
}
