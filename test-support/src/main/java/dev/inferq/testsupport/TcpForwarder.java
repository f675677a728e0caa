package dev.inferq.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Forwards a local port to a server, so that a test can take the server away from the code under test and give it
 * back on the same address, without stopping a server other tests share: {@link #close()} refuses new connections
 * and cuts the open ones, {@link #open} again on the same port brings the server back.
 */
public final class TcpForwarder implements AutoCloseable {

    private final ServerSocket server;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();

    private TcpForwarder(ServerSocket server, String host, int targetPort) {
        this.server = server;
        daemon("tcp-forwarder-" + server.getLocalPort(), () -> {
            while (!server.isClosed()) {
                try {
                    Socket client = server.accept();
                    Socket target = new Socket(host, targetPort);
                    sockets.add(client);
                    sockets.add(target);
                    pump(client, target);
                    pump(target, client);
                } catch (IOException e) {
                    // The server socket was closed: the forwarder is done.
                }
            }
        });
    }

    /** Listens on 127.0.0.1:{@code port} and forwards every connection to {@code host:targetPort}. */
    public static TcpForwarder open(int port, String host, int targetPort) {
        try {
            ServerSocket server = new ServerSocket();
            server.setReuseAddress(true);
            server.bind(new InetSocketAddress("127.0.0.1", port));
            return new TcpForwarder(server, host, targetPort);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on port " + port, e);
        }
    }

    @Override
    public void close() {
        try {
            server.close();
            for (Socket socket : sockets) {
                socket.close();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void pump(Socket from, Socket to) {
        daemon("tcp-forwarder-pump", () -> {
            try {
                from.getInputStream().transferTo(to.getOutputStream());
            } catch (IOException e) {
                // One side closed.
            } finally {
                try {
                    to.shutdownOutput();
                } catch (IOException e) {
                    // Already closed.
                }
            }
        });
    }

    private static void daemon(String name, Runnable task) {
        Thread thread = new Thread(task, name);
        thread.setDaemon(true);
        thread.start();
    }
}
