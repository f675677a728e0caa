package dev.inferq.launcher;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A child process (usually a JVM running one of our jars) with its output in a log file, readiness checks that fail
 * with the child's last log lines, and a stop that never leaves the process or its descendants behind.
 */
public final class ManagedProcess implements AutoCloseable {

    private static final Path SETSID = Path.of("/usr/bin/setsid");
    private static final Path NICE = Path.of("/usr/bin/nice");
    private static final int TAIL_LINES = 30;

    private final String name;
    private final Process process;
    private final Path logFile;
    private final List<String> command;
    private volatile boolean stopRequested;

    private ManagedProcess(String name, Process process, Path logFile, List<String> command) {
        this.name = name;
        this.process = process;
        this.logFile = logFile;
        this.command = command;
    }

    /** Starts describing a child process; {@code name} appears in every message about it. */
    public static Builder builder(String name) {
        return new Builder(name);
    }

    /** The executable of the JVM running this code, so children run on exactly the same Java. */
    public static String currentJava() {
        return ProcessHandle.current().info().command()
                .orElseGet(() -> Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }

    public String name() {
        return name;
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public Path logFile() {
        return logFile;
    }

    public List<String> command() {
        return command;
    }

    /** Whether {@link #stop} or {@link #kill} was called, i.e. an exit is expected rather than a crash. */
    public boolean stopRequested() {
        return stopRequested;
    }

    /** The exit code once the process has ended. */
    public OptionalInt exitCode() {
        return process.isAlive() ? OptionalInt.empty() : OptionalInt.of(process.exitValue());
    }

    /** Completes when the process ends, for whatever reason. */
    public CompletableFuture<ManagedProcess> onExit() {
        return process.onExit().thenApply(p -> this);
    }

    /** The start time as the OS reports it, used to recognise this very process later (pids get reused). */
    public long startEpochMillis() {
        return process.info().startInstant().map(i -> i.toEpochMilli()).orElse(0L);
    }

    /**
     * Waits until {@code GET url} answers 200 and the body passes {@code bodyCheck}. Fails early, with the last log
     * lines, if the process exits first, because waiting out the timeout on a dead process only hides the cause.
     */
    public void awaitHttpReady(URI url, Duration timeout, Predicate<String> bodyCheck) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        long deadline = System.nanoTime() + timeout.toNanos();
        String lastAnswer = "no answer yet";
        while (true) {
            failIfExited("before it was ready (waiting for " + url + ")");
            try {
                HttpResponse<String> response = http.send(
                        HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(2)).GET().build(),
                        HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 200 && bodyCheck.test(response.body())) {
                    return;
                }
                lastAnswer = "HTTP " + response.statusCode() + " " + abbreviate(response.body());
            } catch (ConnectException e) {
                lastAnswer = "connection refused";
            } catch (IOException e) {
                lastAnswer = e.getClass().getSimpleName() + ": " + e.getMessage();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(name + ": interrupted while waiting for " + url, e);
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(name + " was not ready after " + timeout.toSeconds() + " s: GET "
                        + url + " last gave: " + lastAnswer + lastLogLinesMessage());
            }
            sleep(250);
        }
    }

    /** {@link #awaitHttpReady(URI, Duration, Predicate)} for Spring Boot actuator health: 200 and status UP. */
    public void awaitHealthUp(URI healthUrl, Duration timeout) {
        awaitHttpReady(healthUrl, timeout, body -> body.replace(" ", "").contains("\"status\":\"UP\""));
    }

    /** Waits until something accepts TCP connections on {@code host:port}, failing early if the process exits. */
    public void awaitTcpPort(String host, int port, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            failIfExited("before it listened on " + host + ":" + port);
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(host, port), 500);
                return;
            } catch (IOException e) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(name + " did not listen on " + host + ":" + port + " within "
                            + timeout.toSeconds() + " s" + lastLogLinesMessage());
                }
            }
            sleep(100);
        }
    }

    /** Throws, naming the exit code and quoting the log, if the process has already ended. */
    public void failIfExited(String when) {
        if (!process.isAlive()) {
            throw new IllegalStateException(name + " exited with code " + process.exitValue() + " " + when
                    + lastLogLinesMessage());
        }
    }

    /** Waits for the process to end on its own; returns its exit code, or empty on timeout. */
    public OptionalInt awaitExit(Duration timeout) {
        try {
            if (process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                return OptionalInt.of(process.exitValue());
            }
            return OptionalInt.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return OptionalInt.empty();
        }
    }

    /**
     * SIGTERM to the process and its descendants, then SIGKILL to whatever is still there after {@code grace}.
     * Descendants are collected before signalling because once the parent is gone they are reparented and lost.
     * Returns the exit code (143 is the JVM's normal answer to SIGTERM).
     */
    public int stop(Duration grace) {
        stopRequested = true;
        List<ProcessHandle> descendants = process.descendants().toList();
        process.destroy();
        descendants.forEach(ProcessHandle::destroy);
        long deadline = System.nanoTime() + grace.toNanos();
        awaitExit(grace);
        for (ProcessHandle d : descendants) {
            long left = Math.max(0, deadline - System.nanoTime());
            try {
                d.onExit().get(left, TimeUnit.NANOSECONDS);
            } catch (Exception e) {
                // still alive (or unknown): SIGKILL below takes care of it
            }
        }
        if (process.isAlive()) {
            System.err.println("[launcher] " + name + " (pid " + pid() + ") did not stop within " + grace.toMillis()
                    + " ms; killing it");
        }
        return killAndReap(descendants);
    }

    /** SIGKILL at once, process and descendants: for fault-injection tests that simulate a crash. */
    public int kill() {
        stopRequested = true;
        return killAndReap(process.descendants().toList());
    }

    private int killAndReap(List<ProcessHandle> descendants) {
        descendants.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
        if (process.isAlive()) {
            process.destroyForcibly();
        }
        try {
            // SIGKILL cannot be ignored; a bounded wait only guards against a process stuck in the kernel.
            process.waitFor(10, TimeUnit.SECONDS);
            // Callers check right after that nothing is left (ports free, pids gone), so wait for the
            // descendants too; they vanish once whoever inherited them reaps them.
            for (ProcessHandle d : descendants) {
                d.onExit().get(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            // a descendant outlived the bounded wait; nothing more we can send it than SIGKILL
        }
        return process.isAlive() ? -1 : process.exitValue();
    }

    /** Stops with a 10 s grace period. */
    @Override
    public void close() {
        if (process.isAlive()) {
            stop(Duration.ofSeconds(10));
        }
    }

    /** The last {@code n} lines of the log file; empty if there is none yet. */
    public List<String> lastLogLines(int n) {
        if (logFile == null || !Files.exists(logFile)) {
            return List.of();
        }
        try (RandomAccessFile file = new RandomAccessFile(logFile.toFile(), "r")) {
            long length = file.length();
            int chunk = (int) Math.min(length, 64 * 1024);
            byte[] bytes = new byte[chunk];
            file.seek(length - chunk);
            file.readFully(bytes);
            List<String> lines = Arrays.asList(new String(bytes, StandardCharsets.UTF_8).split("\r?\n"));
            return new ArrayList<>(lines.subList(Math.max(0, lines.size() - n), lines.size()));
        } catch (IOException e) {
            return List.of("(could not read " + logFile + ": " + e.getMessage() + ")");
        }
    }

    /** Message suffix quoting the log tail, so the reader sees the real cause without opening the file. */
    public String lastLogLinesMessage() {
        List<String> lines = lastLogLines(TAIL_LINES);
        if (lines.isEmpty()) {
            return "; no log output" + (logFile == null ? "" : " in " + logFile);
        }
        return "; last log lines (" + logFile + "):\n    " + String.join("\n    ", lines);
    }

    @Override
    public String toString() {
        return name + " (pid " + pid() + ")";
    }

    private static String abbreviate(String s) {
        String oneLine = s.replaceAll("\\s+", " ").trim();
        return oneLine.length() > 200 ? oneLine.substring(0, 200) + "..." : oneLine;
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** Describes a child process before it starts. */
    public static final class Builder {
        private final String name;
        private final List<String> command = new ArrayList<>();
        private final Map<String, String> env = new LinkedHashMap<>();
        private Path workDir;
        private Path logFile;
        private PrintStream echo;
        private boolean ownSession = true;
        private int niceness;

        private Builder(String name) {
            this.name = Objects.requireNonNull(name);
        }

        /** Any command line. */
        public Builder command(List<String> commandLine) {
            command.clear();
            command.addAll(commandLine);
            return this;
        }

        /** {@code java [jvmArgs] -jar jar [args]} on the current JVM. */
        public Builder javaJar(Path jar, List<String> jvmArgs, List<String> args) {
            List<String> cmd = new ArrayList<>();
            cmd.add(currentJava());
            cmd.addAll(jvmArgs);
            cmd.add("-jar");
            cmd.add(jar.toAbsolutePath().toString());
            cmd.addAll(args);
            return command(cmd);
        }

        /** {@code java [jvmArgs] -cp classpath mainClass [args]} on the current JVM. */
        public Builder javaMain(String classpath, String mainClass, List<String> jvmArgs, List<String> args) {
            List<String> cmd = new ArrayList<>();
            cmd.add(currentJava());
            cmd.addAll(jvmArgs);
            cmd.add("-cp");
            cmd.add(classpath);
            cmd.add(mainClass);
            cmd.addAll(args);
            return command(cmd);
        }

        /** Adds to (or overrides) the environment inherited from this process. */
        public Builder env(String key, String value) {
            env.put(key, value);
            return this;
        }

        public Builder env(Map<String, String> values) {
            env.putAll(values);
            return this;
        }

        public Builder workDir(Path dir) {
            this.workDir = dir;
            return this;
        }

        /** Where stdout and stderr go (appended); parent folders are created. */
        public Builder logFile(Path file) {
            this.logFile = file;
            return this;
        }

        /** Also copies every output line to {@code out}, prefixed with {@code [name]}; null turns it off. */
        public Builder echoTo(PrintStream out) {
            this.echo = out;
            return this;
        }

        /**
         * Whether the child gets its own session (via {@code setsid}, when present). On by default: a terminal's
         * Ctrl-C signals the whole foreground process group, which would stop Kafka while the workers still drain;
         * in its own session a child only stops when we stop it, in the order we choose.
         */
        public Builder ownSession(boolean value) {
            this.ownSession = value;
            return this;
        }

        /**
         * Runs the child at this scheduling niceness (0 to 19; higher yields the CPU to others), through
         * {@code nice}, which execs the program, so the pid stays the program's. Ignored where {@code nice} is absent.
         */
        public Builder niceness(int value) {
            if (value < 0 || value > 19) {
                throw new IllegalArgumentException(name + ": niceness must be 0 to 19, was " + value);
            }
            this.niceness = value;
            return this;
        }

        public ManagedProcess start() {
            if (command.isEmpty()) {
                throw new IllegalStateException(name + ": no command given");
            }
            List<String> actual = new ArrayList<>(command);
            if (niceness > 0 && Files.isExecutable(NICE)) {
                actual.addAll(0, List.of(NICE.toString(), "-n", Integer.toString(niceness)));
            }
            // setsid only forks when the caller leads a process group, which a JVM's child never does, so the pid
            // we hold stays the pid of the real program.
            if (ownSession && Files.isExecutable(SETSID)) {
                actual.add(0, SETSID.toString());
            }
            ProcessBuilder pb = new ProcessBuilder(actual).redirectErrorStream(true);
            pb.environment().putAll(env);
            if (workDir != null) {
                pb.directory(workDir.toFile());
            }
            try {
                if (logFile != null) {
                    Files.createDirectories(logFile.toAbsolutePath().getParent());
                }
                if (echo == null && logFile != null) {
                    // The kernel writes straight to the file: no pump thread, and the child keeps logging even if
                    // this JVM dies abruptly.
                    pb.redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
                } else if (echo == null) {
                    pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
                }
                Process process = pb.start();
                if (echo != null) {
                    pump(process);
                }
                return new ManagedProcess(name, process, logFile, List.copyOf(command));
            } catch (IOException e) {
                throw new UncheckedIOException(name + ": could not start " + String.join(" ", command), e);
            }
        }

        private void pump(Process process) throws IOException {
            BufferedWriter file = logFile == null ? null : Files.newBufferedWriter(logFile, StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            PrintStream out = echo;
            String prefix = "[" + name + "] ";
            Thread thread = new Thread(() -> {
                try (BufferedReader reader = new BufferedReader(
                        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = reader.readLine()) != null) {
                        if (file != null) {
                            file.write(line);
                            file.newLine();
                            file.flush();
                        }
                        out.println(prefix + line);
                    }
                } catch (IOException e) {
                    // the child closed its output; nothing left to copy
                } finally {
                    if (file != null) {
                        try {
                            file.close();
                        } catch (IOException ignored) {
                            // best effort
                        }
                    }
                }
            }, name + "-output");
            thread.setDaemon(true);
            thread.start();
        }
    }
}
