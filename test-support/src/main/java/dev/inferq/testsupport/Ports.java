package dev.inferq.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;

/** Ports for the servers and processes that tests start. */
public final class Ports {

    private Ports() {
    }

    /**
     * A port nothing listens on: taken from the OS, then released, for a server or child process that binds it a
     * moment later.
     */
    public static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port", e);
        }
    }
}
