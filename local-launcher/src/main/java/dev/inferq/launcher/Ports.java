package dev.inferq.launcher;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;

/** Port checks done before starting anything, so a busy port fails in milliseconds with a clear message. */
public final class Ports {

    private Ports() {
    }

    /**
     * Whether a server could listen on {@code port} now. Binds the wildcard address because our children bind
     * 127.0.0.1 or all addresses, and either clashes with a listener on any address. SO_REUSEADDR is on, as in the
     * servers themselves, so sockets of a just-stopped run in TIME_WAIT do not count as busy.
     */
    public static boolean isFree(int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Fails with a message naming the port, what it is for and the variable that moves it. */
    public static void requireFree(int port, String what, String envVar) {
        if (!isFree(port)) {
            throw new IllegalStateException("Port " + port + " (" + what + ") is already in use. Stop whatever "
                    + "listens there (`ss -ltnp 'sport = :" + port + "'` shows it) or choose another port with "
                    + envVar + "=<port>.");
        }
    }

    /** A port the OS considers free right now; fine for a child that binds it a moment later. */
    public static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port", e);
        }
    }

    /** Waits until nothing listens on {@code port} any more; true if it became free within {@code timeout}. */
    public static boolean awaitFree(int port, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!isFree(port)) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }
}
