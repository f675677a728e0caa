package dev.inferq.testsupport;

import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * Redis's {@code MONITOR} on a connection of its own: every command the server runs, as Redis prints it, collected
 * while a test runs, so that the test can count what a component sent (the cost ITs of the gateway and the worker).
 * Redis feeds the monitor in the order it runs commands, so {@link #mark} tells where a test's step begins and ends.
 */
public final class RedisMonitor implements AutoCloseable {

    /** {@code +<time> [<db> <client>] "<COMMAND>" ...}: the client is {@code lua} for a script's inner calls. */
    public static final Pattern LINE = Pattern.compile("^\\+\\S+ \\[\\d+ (\\S+)] \"(\\w+)\".*");

    private final Socket socket;
    private final Queue<String> lines = new ConcurrentLinkedQueue<>();

    public RedisMonitor(String host, int port) throws IOException {
        socket = new Socket(host, port);
        socket.getOutputStream().write("MONITOR\r\n".getBytes(StandardCharsets.US_ASCII));
        BufferedReader reader = new BufferedReader(new InputStreamReader(socket.getInputStream(),
                StandardCharsets.UTF_8));
        String answer = reader.readLine();
        if (!"+OK".equals(answer)) {
            socket.close();
            throw new IOException("Redis at " + host + ":" + port + " answered MONITOR with " + answer);
        }
        Thread thread = new Thread(() -> {
            try {
                for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                    lines.add(line);
                }
            } catch (IOException closed) {
                // The test is over.
            }
        }, "redis-monitor");
        thread.setDaemon(true);
        thread.start();
    }

    /** Every line so far, in the order Redis ran the commands. */
    public List<String> lines() {
        return List.copyOf(lines);
    }

    /**
     * Has {@code send} send a command naming a fresh marker key, and waits until the monitor has it: every command
     * Redis ran before is in {@link #lines} then. Answers the marker's line.
     */
    public String mark(Consumer<String> send, Duration timeout) {
        String marker = "inferq:test:marker-" + System.nanoTime();
        send.accept(marker);
        await().atMost(timeout).until(() -> lines.stream().anyMatch(line -> line.contains(marker)));
        return lines.stream().filter(line -> line.contains(marker)).findFirst().orElseThrow();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
