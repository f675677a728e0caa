package dev.inferq.launcher;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

import redis.embedded.core.ExecutableProvider;

/**
 * A real redis-server as a child process. The binary comes from the embedded-redis jar (a fresh machine has only
 * Java); we extract it with that library's API but run it ourselves, so it gets the same pid tracking, log file,
 * crash detection and stop as every other child.
 */
public final class RedisServerProcess extends ServerProcess {

    /** The memory cap unless one is given: room for thousands of queued image jobs on a developer's machine. */
    public static final String DEFAULT_MAX_MEMORY = "1gb";

    private final int port;

    private RedisServerProcess(ManagedProcess process, int port) {
        super(process, Duration.ofSeconds(5));
        this.port = port;
    }

    /** Starts describing a redis-server; see {@link Builder#start()}. */
    public static Builder builder() {
        return new Builder();
    }

    public int port() {
        return port;
    }

    public String host() {
        return "127.0.0.1";
    }

    /**
     * Sends PING over a plain socket and returns the reply line ({@code +PONG} when healthy). A raw socket keeps
     * this module free of a Redis client library.
     */
    public static String ping(String host, int port, Duration timeout) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), (int) timeout.toMillis());
            socket.setSoTimeout((int) timeout.toMillis());
            OutputStream out = socket.getOutputStream();
            out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            StringBuilder reply = new StringBuilder();
            int c;
            while ((c = in.read()) != -1 && c != '\n') {
                if (c != '\r') {
                    reply.append((char) c);
                }
            }
            return reply.toString();
        }
    }

    /** Describes a redis-server before it starts. */
    public static final class Builder {
        private int port = 6379;
        private Path dir;
        private Path logFile;
        private Path binary;
        private PrintStream echo;
        private Duration startTimeout = Duration.ofSeconds(20);
        private Consumer<ManagedProcess> onStart = p -> { };
        private boolean appendOnly;
        private String maxMemory = DEFAULT_MAX_MEMORY;

        private Builder() {
        }

        /**
         * The most memory Redis may hold ({@code 512mb}, {@code 2gb}, ...), default {@value #DEFAULT_MAX_MEMORY}. At
         * the cap it refuses writes ({@code noeviction}): evicting a job's record would lose the job, a refused write
         * is a 503 the client retries.
         */
        public Builder maxMemory(String value) {
            this.maxMemory = value;
            return this;
        }

        /**
         * Persist every write to an append-only file in {@link #dir} ({@code appendfsync always}), so that a
         * restart on the same folder keeps every job record: what production Redis must do for the zero-loss
         * guarantee. Off by default: local runs treat job state as disposable.
         */
        public Builder appendOnly(boolean value) {
            this.appendOnly = value;
            return this;
        }

        /** Called with the child right after it is spawned, before waiting for PING (see KafkaBroker's). */
        public Builder onStart(Consumer<ManagedProcess> value) {
            this.onStart = value;
            return this;
        }

        /** Default 6379; 0 picks a free port. */
        public Builder port(int value) {
            this.port = value;
            return this;
        }

        /** Working folder (the binary is extracted here too); default a new temporary folder. */
        public Builder dir(Path value) {
            this.dir = value;
            return this;
        }

        /** Default {@code dir/redis.log}. */
        public Builder logFile(Path value) {
            this.logFile = value;
            return this;
        }

        /** Use this redis-server instead of the bundled one (e.g. a system Redis 7). */
        public Builder binary(Path value) {
            this.binary = value;
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

        /** Starts redis-server (loopback only) and returns once it answers PING. */
        public RedisServerProcess start() {
            try {
                Path home = (dir != null ? dir : Files.createTempDirectory("inferq-redis")).toAbsolutePath();
                Files.createDirectories(home);
                Path exe = binary != null ? binary : extractBundledBinary(home);
                int actualPort = port != 0 ? port : Ports.freePort();
                // No RDB snapshots; AOF only when asked (see appendOnly).
                List<String> command = List.of(exe.toString(), "--port", String.valueOf(actualPort),
                        "--bind", "127.0.0.1", "--save", "", "--appendonly", appendOnly ? "yes" : "no",
                        "--appendfsync", "always", "--maxmemory", maxMemory, "--maxmemory-policy", "noeviction",
                        "--dir", home.toString(), "--daemonize", "no");
                ManagedProcess process = ManagedProcess.builder("redis")
                        .command(command)
                        .workDir(home)
                        .logFile(logFile != null ? logFile : home.resolve("redis.log"))
                        .echoTo(echo)
                        .start();
                onStart.accept(process);
                RedisServerProcess redis = new RedisServerProcess(process, actualPort);
                try {
                    awaitPong(redis);
                } catch (RuntimeException e) {
                    process.stop(Duration.ofSeconds(2));
                    throw e;
                }
                return redis;
            } catch (IOException e) {
                throw new UncheckedIOException("could not prepare redis-server", e);
            }
        }

        private static Path extractBundledBinary(Path home) throws IOException {
            Path bin = home.resolve("bin");
            // The library refuses to overwrite, so each start extracts into an empty folder.
            if (Files.exists(bin)) {
                try (var files = Files.list(bin)) {
                    for (Path f : files.toList()) {
                        Files.delete(f);
                    }
                }
            }
            Files.createDirectories(bin);
            return ExecutableProvider.newJarResourceProvider(bin.toFile()).get().toPath();
        }

        private void awaitPong(RedisServerProcess redis) {
            long deadline = System.nanoTime() + startTimeout.toNanos();
            String last = "no answer";
            while (true) {
                redis.process().failIfExited("before it answered PING");
                try {
                    last = ping(redis.host(), redis.port, Duration.ofMillis(500));
                    if ("+PONG".equals(last)) {
                        return;
                    }
                } catch (IOException e) {
                    last = e.toString();
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("redis-server did not answer PING on port " + redis.port
                            + " within " + startTimeout.toSeconds() + " s; last: " + last
                            + redis.process().lastLogLinesMessage());
                }
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while waiting for redis-server", e);
                }
            }
        }
    }
}
