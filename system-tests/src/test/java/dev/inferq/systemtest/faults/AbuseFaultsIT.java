package dev.inferq.systemtest.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.inferq.launcher.Supervised;
import dev.inferq.testsupport.TestImages;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Scenario {@code abuse}: tenant A throws at the gateway what one client can, for a bounded time, while tenant B
 * submits real jobs. A sends 10 MB bodies to every route (with a length, and chunked), holds thousands of idle and
 * half-sent connections, opens thousands of event streams, uploads multipart bodies of thousands of parts and pixel
 * bombs. Passes when no process exits or restarts, the gateway never runs out of heap, every answer is 2xx, 4xx or
 * 503 with {@code Retry-After}, the half-sent connections are closed by the gateway's timeouts, A holds no more event
 * streams than its share, B's p95 (submit to terminal state) under abuse is within 3x of its p95 alone, measured
 * in the same run just before, and no accepted job of B is lost.
 */
@Timeout(240)
class AbuseFaultsIT {

    private static final String SCENARIO = "abuse";
    private static final String KEY_A = "abuse-key-a";
    private static final String ADMIN_KEY = "abuse-admin-key";
    private static final Duration ABUSE_FOR = Duration.ofSeconds(Long.getLong("inferq.abuse.seconds", 25));
    private static final int IDLE_CONNECTIONS = Integer.getInteger("inferq.abuse.idle", 2000);
    private static final int HALF_SENT = Integer.getInteger("inferq.abuse.half-sent", 1000);
    private static final int STREAMS = Integer.getInteger("inferq.abuse.streams", 2000);
    private static final int B_JOBS = 100;
    private static final byte[] TEN_MB = new byte[10 * 1024 * 1024];
    private static final Duration SENDER_PAUSE = Duration.ofMillis(50);
    private static final List<String> ROUTES = List.of("/v1/models/sentiment/jobs", "/v1/models/image/jobs",
            "/api/v1/disaster_classification", "/api/v1/sentiment_classification", "/api/v1/image_classification",
            "/v1/admin/keys", "/v1/jobs/abcdefghijklmnopqrstuv/cancel");

    private final Map<Integer, AtomicInteger> answers = new ConcurrentHashMap<>();
    private final List<String> badAnswers = Collections.synchronizedList(new ArrayList<>());
    private final AtomicInteger noAnswer = new AtomicInteger();
    /** The kinds of request that A has finished sending at least once, answered or not. */
    private final Set<String> sent = ConcurrentHashMap.newKeySet();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    @Test
    void oneAbusiveTenantLeavesTheGatewayAliveBoundedAndTheOtherTenantServed() throws Exception {
        Map<String, String> env = Map.of("INFERQ_API_KEYS", "a:" + KEY_A, "INFERQ_ADMIN_KEY", ADMIN_KEY,
                "JAVA_TOOL_OPTIONS", "-XX:+ExitOnOutOfMemoryError");
        try (FaultCluster cluster = new FaultCluster(SCENARIO, env)) {
            // B (anonymous: tenant default) uses sentiment; A's disaster jobs find no worker and stay queued, so
            // that A's event streams stay open.
            Supervised worker = cluster.startSupervisedWorker("worker", "sentiment", List.of());
            String url = cluster.gatewayUrl();
            JobLedger ledger = new JobLedger(SCENARIO, url);
            TenantB b = new TenantB(ledger, url);
            b.run(3); // warm-up, not measured
            List<Long> alone = b.run(B_JOBS);

            AtomicLong peakHeap = new AtomicLong();
            AtomicInteger gatewayDown = new AtomicInteger();
            ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
            sampler.scheduleAtFixedRate(() -> {
                peakHeap.accumulateAndGet(heapUsed(url), Math::max);
                if (!cluster.gateway().isAlive()) {
                    gatewayDown.incrementAndGet();
                }
            }, 0, 500, TimeUnit.MILLISECONDS);

            URI base = URI.create(url);
            InetSocketAddress gateway = new InetSocketAddress(base.getHost(), base.getPort());
            long deadline = System.nanoTime() + ABUSE_FOR.toNanos();
            AtomicBoolean measuring = new AtomicBoolean(true);
            BooleanSupplier abusing = () -> measuring.get() || System.nanoTime() < deadline;
            List<Socket> held = Collections.synchronizedList(new ArrayList<>());
            List<Socket> halfSent = Collections.synchronizedList(new ArrayList<>());
            List<InputStream> streams = Collections.synchronizedList(new ArrayList<>());
            ExecutorService abusers = Executors.newFixedThreadPool(8);
            List<Future<?>> running = new ArrayList<>();
            running.add(abusers.submit(() -> holdConnections(gateway, held, halfSent)));
            String queued = submitAsA(url);
            running.add(abusers.submit(() -> openStreams(url, queued, streams)));
            // Every sender pauses 50 ms between requests: this JVM shares the two cores with the gateway and the
            // worker, and senders flat out (about 70 bodies a second) made B's p95 measure the test's own sending as
            // much as the gateway (3.7x in one CI run). They go on until B's measured run ends, so that every
            // measured job of B meets the abuse.
            for (int t = 0; t < 2; t++) {
                Random random = new Random(t);
                running.add(abusers.submit(() -> whilst(abusing, () -> tenMegabytes(url, random))));
            }
            running.add(abusers.submit(() -> whilst(abusing, () -> manyParts(url))));
            running.add(abusers.submit(() -> whilst(abusing, () -> pixelBomb(url))));
            // B's measured run starts once the abuse is under way: each kind of sender has finished a request.
            await().atMost(Duration.ofSeconds(60)).until(() -> sent.contains("many-parts")
                    && sent.contains("pixel-bomb") && (sent.contains("10mb") || sent.contains("10mb-chunked")));
            List<Long> abused;
            try {
                abused = b.run(B_JOBS);
            } finally {
                measuring.set(false);
            }
            for (Future<?> abuser : running) {
                abuser.get(120, TimeUnit.SECONDS);
            }
            abusers.shutdown();
            // The half-sent connections outlived the header and body timeouts (10 s): the gateway closed each.
            int closedByGateway = 0;
            for (Socket socket : List.copyOf(halfSent)) {
                closedByGateway += timedOut(socket) ? 1 : 0;
            }
            for (InputStream stream : List.copyOf(streams)) {
                stream.close();
            }
            for (Socket socket : List.copyOf(held)) {
                socket.close();
            }
            sampler.shutdown();
            assertThat(sampler.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
            long peakRssKb = peakRssKb(cluster.gateway().pid());

            ledger.awaitTerminal(Duration.ofSeconds(30));
            // This run's gateway only: the log file keeps earlier runs' lines.
            String thisGateway = " " + cluster.gateway().pid() + " --- ";
            long errorLines = Files.readAllLines(cluster.gateway().logFile()).stream()
                    .filter(logLine -> logLine.contains(" ERROR ") && logLine.contains(thisGateway)).count();
            long p95Alone = p95(alone);
            long p95Abused = p95(abused);
            String line = ledger.report("gateway_peak_rss_mb=" + peakRssKb / 1024 + " gateway_peak_heap_mb="
                    + peakHeap.get() / (1024 * 1024) + " b_p95_alone_ms=" + p95Alone + " b_p95_abused_ms="
                    + p95Abused + " held_connections=" + held.size() + " half_sent_closed_by_gateway=" + closedByGateway
                    + "/" + halfSent.size() + " open_streams=" + streams.size() + " gateway_error_lines=" + errorLines
                    + " abuse_answers=" + new TreeMap<>(answers)
                    + " abuse_no_answer=" + noAnswer.get());
            assertThat(line).contains("lost=0", "duplicated=0");
            assertThat(gatewayDown).as("samples that found the gateway dead").hasValue(0);
            assertThat(cluster.gateway().isAlive()).as("gateway alive").isTrue();
            assertThat(worker.current().isAlive()).as("worker alive").isTrue();
            assertThat(worker.restarts()).as("worker restarts").isZero();
            assertThat(peakHeap.get()).as("gateway heap used").isLessThan(512L * 1024 * 1024);
            assertThat(errorLines).as("ERROR lines in the gateway's log").isZero();
            assertThat(closedByGateway).as("half-sent connections the gateway closed").isEqualTo(halfSent.size());
            assertThat(streams).as("A's event streams open at once").hasSizeLessThanOrEqualTo(50);
            assertThat(badAnswers).as("answers other than 2xx, 4xx and 503 with Retry-After").isEmpty();
            assertThat(ledger.answersOtherThan(202)).as("B's submits not accepted").isZero();
            assertThat(p95Abused).as("B's p95 under abuse, against 3x its p95 alone (" + p95Alone + " ms)")
                    .isLessThanOrEqualTo(3 * p95Alone);
        }
    }

    /** Tenant B: one job at a time, submit to terminal state, timed. */
    private record TenantB(JobLedger ledger, String url) {

        List<Long> run(int jobs) throws Exception {
            List<Long> millis = new ArrayList<>();
            HttpClient poller = HttpClient.newHttpClient();
            for (int i = 0; i < jobs; i++) {
                long start = System.nanoTime();
                String id = ledger.submit("sentiment", "{\"inputs\":[\"a real job " + i + "\"]}");
                assertThat(id).as("B's submit %d", i).isNotNull();
                while (!terminal(poller, id)) {
                    Thread.sleep(10);
                }
                millis.add((System.nanoTime() - start) / 1_000_000);
            }
            return millis;
        }

        private boolean terminal(HttpClient poller, String id) throws Exception {
            String body = poller.send(HttpRequest.newBuilder(URI.create(url + "/v1/jobs/" + id)).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            return body.contains("\"status\":\"SUCCEEDED\"") || body.contains("\"status\":\"FAILED\"");
        }
    }

    /** Idle connections (nothing sent) and half-sent ones (a head, or a head and part of a body, then silence). */
    private void holdConnections(InetSocketAddress gateway, List<Socket> held, List<Socket> halfSent) {
        for (int i = 0; i < IDLE_CONNECTIONS + HALF_SENT; i++) {
            try {
                Socket socket = new Socket();
                socket.connect(gateway, 5000);
                if (i < IDLE_CONNECTIONS) {
                    held.add(socket);
                } else {
                    halfSent.add(socket);
                    OutputStream out = socket.getOutputStream();
                    out.write((i % 2 == 0 ? "POST /v1/models/sentiment/jobs HTTP/1.1\r\nHost: x\r\n"
                            : "POST /v1/models/sentiment/jobs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json"
                                    + "\r\nContent-Length: 1000\r\n\r\n{\"inputs\":[").getBytes(StandardCharsets.UTF_8));
                    out.flush();
                }
            } catch (IOException e) {
                noAnswer.incrementAndGet();
            }
        }
    }

    /** Whether the gateway closed {@code socket}, or answered it 408: what arrived within two seconds says. */
    private static boolean timedOut(Socket socket) throws IOException {
        socket.setSoTimeout(2000);
        byte[] buffer = new byte[16];
        try {
            int n = socket.getInputStream().read(buffer);
            return n < 0 || new String(buffer, 0, n, StandardCharsets.ISO_8859_1).startsWith("HTTP/1.1 408");
        } catch (SocketTimeoutException stillOpen) {
            return false;
        } catch (IOException reset) {
            return true;
        }
    }

    /** Event streams of A on its queued job, all at once; each is read until its headers, then held open. */
    private void openStreams(String url, String jobId, List<InputStream> open) {
        List<java.util.concurrent.CompletableFuture<HttpResponse<InputStream>>> streams = new ArrayList<>();
        for (int i = 0; i < STREAMS; i++) {
            streams.add(http.sendAsync(asA(url + "/v1/jobs/" + jobId + "/events")
                    .header("Accept", "text/event-stream").build(), HttpResponse.BodyHandlers.ofInputStream()));
        }
        for (var stream : streams) {
            try {
                HttpResponse<InputStream> response = stream.get(60, TimeUnit.SECONDS);
                record(response.statusCode(), response.headers().firstValue("Retry-After").isPresent(), "events");
                if (response.statusCode() == 200) {
                    open.add(response.body());
                } else {
                    response.body().close();
                }
            } catch (Exception e) {
                noAnswer.incrementAndGet();
            }
        }
    }

    private void tenMegabytes(String url, Random random) {
        String route = ROUTES.get(random.nextInt(ROUTES.size()));
        boolean chunked = random.nextInt(4) == 0;
        boolean image = route.startsWith("/v1/models/image") && random.nextBoolean();
        HttpRequest.BodyPublisher body = chunked
                ? HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(TEN_MB))
                : HttpRequest.BodyPublishers.ofByteArray(TEN_MB);
        send(asA(url + route).header("Content-Type", image ? "image/png" : "application/json").POST(body).build(),
                "10mb" + (chunked ? "-chunked" : ""));
    }

    private void manyParts(String url) {
        StringBuilder body = new StringBuilder();
        for (int i = 0; i < 5000; i++) {
            body.append("--b\r\nContent-Disposition: form-data; name=\"f").append(i).append("\"\r\n\r\nx\r\n");
        }
        body.append("--b--\r\n");
        send(asA(url + "/v1/models/image/jobs").header("Content-Type", "multipart/form-data; boundary=b")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(), "many-parts");
    }

    private void pixelBomb(String url) {
        send(asA(url + "/v1/models/image/jobs").header("Content-Type", "image/png")
                .POST(HttpRequest.BodyPublishers.ofByteArray(PIXEL_BOMB)).build(), "pixel-bomb");
    }

    private static final byte[] PIXEL_BOMB = TestImages.pngBomb(16_000, 16_000);

    private String submitAsA(String url) throws Exception {
        HttpResponse<String> response = http.send(asA(url + "/v1/models/disaster/jobs")
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"inputs\":[\"held in the queue\"]}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as("A's queued job").isEqualTo(202);
        return dev.inferq.contract.JobCodec.mapper().readTree(response.body()).path("id").asString();
    }

    private void send(HttpRequest request, String kind) {
        try {
            HttpResponse<Void> response = http.send(request, HttpResponse.BodyHandlers.discarding());
            record(response.statusCode(), response.headers().firstValue("Retry-After").isPresent(), kind);
        } catch (IOException e) {
            // A refused upload is answered before it is all sent; a client can find its connection closed.
            noAnswer.incrementAndGet();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            sent.add(kind);
        }
    }

    private void record(int status, boolean retryAfter, String kind) {
        answers.computeIfAbsent(status, s -> new AtomicInteger()).incrementAndGet();
        boolean fine = status < 500 || status == 503 && retryAfter;
        if (!fine) {
            badAnswers.add(kind + ": " + status + (retryAfter ? "" : " without Retry-After"));
        }
    }

    private static HttpRequest.Builder asA(String uri) {
        return HttpRequest.newBuilder(URI.create(uri)).timeout(Duration.ofSeconds(60))
                .header("Authorization", "Bearer " + KEY_A);
    }

    private static void pause(Duration pause) {
        try {
            // Pacing the sender, not waiting for anything to happen.
            Thread.sleep(pause.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void whilst(BooleanSupplier abusing, Runnable request) {
        while (abusing.getAsBoolean()) {
            request.run();
            pause(SENDER_PAUSE);
        }
    }

    /** The gateway's heap in use now, from its metrics (admin key); 0 when it does not answer. */
    private long heapUsed(String url) {
        try {
            String body = http.send(HttpRequest.newBuilder(URI.create(url
                            + "/actuator/metrics/jvm.memory.used?tag=area:heap"))
                    .header("Authorization", "Bearer " + ADMIN_KEY).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            return (long) dev.inferq.contract.JobCodec.mapper().readTree(body).path("measurements").path(0)
                    .path("value").asDouble();
        } catch (Exception e) {
            return 0;
        }
    }

    private static long p95(List<Long> millis) {
        List<Long> sorted = new ArrayList<>(millis);
        Collections.sort(sorted);
        return sorted.get((int) Math.ceil(sorted.size() * 0.95) - 1);
    }

    /** The process's peak resident set (VmHWM), in kB; 0 where /proc cannot tell. */
    private static long peakRssKb(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.substring("VmHWM:".length()).replace("kB", "").strip());
                }
            }
        } catch (IOException e) {
            return 0;
        }
        return 0;
    }
}
