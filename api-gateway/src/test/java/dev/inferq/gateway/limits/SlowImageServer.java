package dev.inferq.gateway.limits;

import com.sun.net.httpserver.HttpServer;
import dev.inferq.testsupport.TestImages;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * An image host for the download limits: serves a small PNG at {@link #url()}, every answer held until
 * {@link #release()}, so that a test decides how long the gateway's downloads run.
 */
final class SlowImageServer implements AutoCloseable {

    private final CountDownLatch requested = new CountDownLatch(1);
    private final CountDownLatch release = new CountDownLatch(1);
    private final HttpServer server;

    SlowImageServer() throws IOException {
        byte[] png = TestImages.png(8, 8);
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/slow.png", exchange -> {
            requested.countDown();
            try {
                release.await(20, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            exchange.getResponseHeaders().set("Content-Type", "image/png");
            exchange.sendResponseHeaders(200, png.length);
            exchange.getResponseBody().write(png);
            exchange.close();
        });
        server.setExecutor(Executors.newCachedThreadPool());
        server.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/slow.png";
    }

    /** Whether a first download reached this server within 20 s. */
    boolean requested() throws InterruptedException {
        return requested.await(20, TimeUnit.SECONDS);
    }

    /** Lets every answer, held or to come, go at once. */
    void release() {
        release.countDown();
    }

    @Override
    public void close() {
        release();
        server.stop(0);
    }
}
