package dev.inferq.client;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.inferq.contract.JobCodec;
import dev.inferq.contract.JobId;
import dev.inferq.contract.JobRecord;
import dev.inferq.contract.JobStatus;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A stand-in for the gateway on a loopback port, answering what each test scripts, for the client's own unit tests:
 * it records every request and lets a test answer with any status, headers and body, or stream events.
 */
final class StubGateway implements AutoCloseable {

    /** One request as the stub received it. */
    record Request(String method, URI uri, Headers headers, byte[] body) {
        String bodyText() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    @FunctionalInterface
    interface Handler {
        void handle(Request request, HttpExchange exchange) throws IOException;
    }

    static final JobId ID = new JobId("AAAAAAAAAAAAAAAAAAAAAA");
    private static final Instant CREATED = Instant.parse("2026-11-29T10:15:30.123Z");

    private final HttpServer server;
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private volatile Handler handler = (request, exchange) -> send(exchange, 500, "text/plain", "no handler");

    StubGateway() {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.setExecutor(threads);
        server.createContext("/", exchange -> {
            try {
                Request request = new Request(exchange.getRequestMethod(), exchange.getRequestURI(),
                        exchange.getRequestHeaders(), exchange.getRequestBody().readAllBytes());
                requests.add(request);
                handler.handle(request, exchange);
            } finally {
                exchange.close();
            }
        });
        server.start();
    }

    URI uri() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    void answer(Handler handler) {
        this.handler = handler;
    }

    List<Request> requests() {
        return List.copyOf(requests);
    }

    List<Request> requests(String pathEnd) {
        return requests.stream().filter(r -> r.uri().getPath().endsWith(pathEnd)).toList();
    }

    static void send(HttpExchange exchange, int status, String contentType, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", contentType);
        exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        if (bytes.length > 0) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    static void sendJob(HttpExchange exchange, JobRecord job) throws IOException {
        send(exchange, 200, "application/json", JobCodec.encodeRecord(job));
    }

    static void sendProblem(HttpExchange exchange, int status, String problemJson) throws IOException {
        send(exchange, status, "application/problem+json", problemJson);
    }

    static void sendAccepted(HttpExchange exchange) throws IOException {
        exchange.getResponseHeaders().set("Location", "/v1/jobs/" + ID.value());
        send(exchange, 202, "application/json", "{\"id\":\"" + ID.value()
                + "\",\"model\":\"sentiment\",\"status\":\"QUEUED\",\"created_at\":\"" + CREATED + "\"}");
    }

    /** Starts an event stream; each {@link #event} is flushed at once, as the gateway's are. */
    static OutputStream openStream(HttpExchange exchange) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
        exchange.sendResponseHeaders(200, 0);
        return exchange.getResponseBody();
    }

    static void event(OutputStream stream, JobRecord job) throws IOException {
        stream.write(("id:" + job.status().name() + "\nevent:status\ndata:" + JobCodec.encodeRecord(job) + "\n\n")
                .getBytes(StandardCharsets.UTF_8));
        stream.flush();
    }

    static void comment(OutputStream stream, String text) throws IOException {
        stream.write((":" + text + "\n\n").getBytes(StandardCharsets.UTF_8));
        stream.flush();
    }

    /**
     * A job record in {@code status}, read from its JSON as a client would: built from the wire format, the stub
     * does not depend on how the record's constructor grows.
     */
    static JobRecord job(JobStatus status) {
        StringBuilder json = new StringBuilder("{\"version\":1,\"id\":\"" + ID.value()
                + "\",\"model\":\"sentiment\",\"status\":\"" + status + "\",\"input_count\":1,\"created_at\":\""
                + CREATED + "\"");
        if (status != JobStatus.QUEUED && status != JobStatus.CANCELLED) {
            json.append(",\"started_at\":\"").append(CREATED.plusSeconds(1)).append("\",\"worker\":\"w1\"");
        }
        if (status.isTerminal()) {
            json.append(",\"finished_at\":\"").append(CREATED.plusSeconds(2)).append('"');
        }
        if (status == JobStatus.SUCCEEDED) {
            json.append(",\"predictions\":[{\"label\":\"positive\",\"score\":0.9,\"scores\":[")
                    .append("{\"label\":\"positive\",\"score\":0.9},{\"label\":\"negative\",\"score\":0.1}]}]");
        }
        if (status == JobStatus.FAILED) {
            json.append(",\"error\":\"broken\"");
        }
        return JobCodec.decodeRecord(json.append('}').toString());
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
    }
}
