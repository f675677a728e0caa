package dev.inferq.systemtest.faults;

import static org.assertj.core.api.Assertions.assertThat;

import dev.inferq.launcher.Supervised;
import dev.inferq.testsupport.RandomInputs;
import dev.inferq.testsupport.TestImages;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
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
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.zip.GZIPOutputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Hostile traffic against a live gateway and worker for a bounded time: random bytes, wrong JSON types, deep nesting,
 * huge headers and bodies, bodies trickled byte by byte, pixel bombs, gzip and zip bombs, broken multipart, bad
 * {@code Last-Event-ID}s, private-address URLs and random methods and paths, written as raw bytes on sockets so that
 * nothing in a client library tidies them up. Meanwhile tenant B submits real jobs at a modest rate. Ends with
 * {@code fuzz: requests= status_5xx= worker_restarts= gateway_rss_mb= other_tenant_p95_ms=} and fails on any 5xx, a
 * dead gateway or a restarted worker.
 *
 * <p>{@code -Dinferq.fuzz.seconds} (40) and {@code -Dinferq.fuzz.requests} (5000) bound the run, whichever comes
 * first; {@code -Dinferq.random.seed} replays a run (the seed is printed).
 */
@Timeout(420)
class HostileInputFaultsIT {

    private static final Duration FUZZ_FOR = Duration.ofSeconds(Long.getLong("inferq.fuzz.seconds", 40));
    private static final int MAX_REQUESTS = Integer.getInteger("inferq.fuzz.requests", 5000);
    private static final int FAST_THREADS = 3;
    private static final int SLOW_THREADS = 2;
    private static final String KEY_A = "fuzz-key-a";
    private static final String KEY_B = "fuzz-key-b";
    private static final Duration TENANT_B_PERIOD = Duration.ofMillis(250);
    private static final List<String> MODELS = List.of("sentiment", "disaster", "image", "no-such-model");

    private final long seed = RandomInputs.seed();
    private final Map<Integer, AtomicInteger> statuses = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> noAnswer = new ConcurrentHashMap<>();
    private final List<String> serverErrors = Collections.synchronizedList(new ArrayList<>());
    private final List<String> jobIds = Collections.synchronizedList(new ArrayList<>());
    private final AtomicInteger requests = new AtomicInteger();
    private InetSocketAddress gateway;

    // Made once: each is costly to build and harmless to send many times.
    private final byte[] pixelBomb = TestImages.pngBomb(16_000, 16_000);
    private final byte[] smallPng = TestImages.png(40, 30);
    private final byte[] smallJpeg = TestImages.jpeg(40, 30);
    private final byte[] gzipBomb = gzip(new byte[64 << 20]);
    private final byte[] zipBomb = zip(new byte[64 << 20]);
    private final byte[] gzipJson = gzip("{\"inputs\": [\"compressed but fine\"]}".getBytes(StandardCharsets.UTF_8));

    @Test
    void hostileTrafficGetsNoServerErrorAndOtherTenantsStayServed() throws Exception {
        System.out.println("fuzz: seed=" + seed);
        // Tenant A's key is the fuzzer's (besides wrong keys and none); tenant B's real jobs are measured.
        Map<String, String> auth = Map.of("INFERQ_AUTH_MODE", "required",
                "INFERQ_API_KEYS", "a:" + KEY_A + ",b:" + KEY_B);
        try (FaultCluster cluster = new FaultCluster("fuzz", auth)) {
            Supervised worker = cluster.startSupervisedWorker("worker", "", List.of());
            URI url = URI.create(cluster.gatewayUrl());
            gateway = new InetSocketAddress(url.getHost(), url.getPort());

            List<Kind> fast = fastKinds();
            List<Kind> slow = slowKinds();
            long deadline = System.nanoTime() + FUZZ_FOR.toNanos();
            ExecutorService pool = Executors.newFixedThreadPool(FAST_THREADS + SLOW_THREADS + 1);
            TenantB tenantB = new TenantB(cluster.gatewayUrl(), deadline);
            Future<?> other = pool.submit(tenantB);
            List<Future<?>> fuzzers = new ArrayList<>();
            for (int t = 0; t < FAST_THREADS + SLOW_THREADS; t++) {
                Random random = new Random(seed + t);
                List<Kind> kinds = t < FAST_THREADS ? fast : slow;
                fuzzers.add(pool.submit(() -> {
                    while (System.nanoTime() < deadline && requests.get() < MAX_REQUESTS) {
                        Kind kind = pick(kinds, random);
                        exchange(kind.name(), kind.request().apply(random));
                    }
                }));
            }
            // The kernel keeps the peak (VmHWM); sampling it also notices a gateway that died mid-run.
            AtomicLong maxRssKb = new AtomicLong();
            AtomicInteger gatewayDown = new AtomicInteger();
            ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
            sampler.scheduleAtFixedRate(() -> {
                maxRssKb.accumulateAndGet(memoryKb(cluster.gateway().pid(), "VmHWM:"), Math::max);
                if (!cluster.gateway().isAlive()) {
                    gatewayDown.incrementAndGet();
                }
            }, 0, 500, TimeUnit.MILLISECONDS);
            for (Future<?> fuzzer : fuzzers) {
                fuzzer.get();
            }
            tenantB.stop();
            other.get(60, TimeUnit.SECONDS);
            pool.shutdown();
            sampler.shutdown();
            assertThat(sampler.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
            maxRssKb.accumulateAndGet(memoryKb(cluster.gateway().pid(), "VmHWM:"), Math::max);
            assertThat(gatewayDown).as("samples that found the gateway dead during the run").hasValue(0);

            // Still serving once it is over.
            assertThat(tenantB.submitOnce()).as("a job after the fuzz run").isPositive();

            System.out.println("fuzz: statuses=" + new TreeMap<>(statuses) + " no_answer=" + new TreeMap<>(noAnswer)
                    + " other_tenant_jobs=" + tenantB.latencies.size() + " other_tenant_refused="
                    + tenantB.refused);
            int fiveXx = statuses.entrySet().stream().filter(e -> e.getKey() >= 500)
                    .mapToInt(e -> e.getValue().get()).sum() + tenantB.serverErrors.get();
            System.out.printf("fuzz: requests=%d status_5xx=%d worker_restarts=%d gateway_rss_mb=%d"
                            + " other_tenant_p95_ms=%d%n", requests.get(), fiveXx, worker.restarts(),
                    maxRssKb.get() / 1024, tenantB.p95Millis());

            assertThat(serverErrors).as("requests answered 5xx (seed " + seed + ")").isEmpty();
            assertThat(tenantB.serverErrors).as("tenant B's submits answered 5xx").hasValue(0);
            assertThat(cluster.gateway().isAlive()).as("gateway alive").isTrue();
            assertThat(worker.current().isAlive()).as("worker alive").isTrue();
            assertThat(worker.restarts()).as("worker restarts").isZero();
            assertThat(tenantB.latencies).as("tenant B's completed jobs").hasSizeGreaterThan(10);
        }
    }

    /** Requests that take a few milliseconds each, by weight. */
    private List<Kind> fastKinds() {
        return List.of(
                new Kind("random-bytes", 8, r -> bytes(r, 1 + r.nextInt(4096))),
                new Kind("random-json", 20, r -> post(r, jobPath(r), "application/json", utf8(RandomInputs.json(r)))),
                new Kind("legacy-json", 6, r -> post(r, legacyPath(r), "application/json", utf8(RandomInputs.json(r)))),
                new Kind("mangled-json", 8, r -> post(r, jobPath(r), "application/json",
                        utf8(RandomInputs.mangledJson(r)))),
                new Kind("deep-nesting", 3, r -> post(r, r.nextBoolean() ? jobPath(r) : legacyPath(r),
                        "application/json", deepNesting(r))),
                new Kind("huge-header", 4, this::hugeHeaders),
                new Kind("huge-body", 1, this::hugeBody),
                new Kind("pixel-bomb", 3, r -> r.nextBoolean()
                        ? post(r, "/v1/models/image/jobs", "image/png", pixelBomb)
                        : multipart(r, "file", pixelBomb)),
                new Kind("mutated-image", 5, r -> post(r, "/v1/models/image/jobs",
                        r.nextBoolean() ? "image/png" : "image/jpeg",
                        RandomInputs.mutate(r, r.nextBoolean() ? smallPng : smallJpeg))),
                new Kind("archive", 4, this::archive),
                new Kind("bad-multipart", 5, this::badMultipart),
                new Kind("last-event-id", 6, this::lastEventId),
                new Kind("private-url", 5, r -> post(r, r.nextBoolean() ? "/v1/models/image/jobs"
                                : "/api/v1/image_classification", "application/json",
                        utf8("{\"user_id\": \"1\", \"url\": " + (r.nextBoolean() ? RandomInputs.quote(privateUrl(r))
                                : "[" + RandomInputs.quote(privateUrl(r)) + "]") + "}"))),
                new Kind("headers", 5, this::oddHeaders),
                new Kind("method-path", 10, this::methodAndPath));
    }

    /** Requests that hold a connection for seconds, on their own threads so they do not slow the count. */
    private List<Kind> slowKinds() {
        return List.of(
                new Kind("slow-body", 2, r -> withPauses(post(r, "/v1/models/sentiment/jobs", "application/json",
                        "{\"inputs\": [\"slowly, very slowly\"]}".getBytes(StandardCharsets.UTF_8)), 40, 60)),
                new Kind("slow-headers", 1, r -> withPauses(post(r, "/v1/jobs/abc/cancel", null, new byte[0]),
                        20, 100)),
                new Kind("abandoned-body", 1, r -> abandoned(r)));
    }

    private record Kind(String name, int weight, Function<Random, Request> request) {
    }

    /**
     * Bytes to write; with {@code pieces > 1} written in that many parts, {@code pauseMs} apart; {@code abandon}:
     * close after the last piece without waiting for an answer.
     */
    private record Request(byte[] bytes, int pieces, long pauseMs, boolean abandon) {
    }

    private static Kind pick(List<Kind> kinds, Random random) {
        int total = kinds.stream().mapToInt(Kind::weight).sum();
        int n = random.nextInt(total);
        for (Kind kind : kinds) {
            n -= kind.weight();
            if (n < 0) {
                return kind;
            }
        }
        throw new IllegalStateException("weights");
    }

    /** Sends one raw request and records the status of the answer (the first line is all that is read). */
    private void exchange(String kind, Request request) {
        requests.incrementAndGet();
        try (Socket socket = new Socket()) {
            socket.connect(gateway, 5_000);
            socket.setSoTimeout(20_000);
            OutputStream out = socket.getOutputStream();
            try {
                write(out, request);
            } catch (IOException e) {
                // The gateway may answer (413, 431) and close before it has read everything: read that answer.
            }
            if (request.abandon()) {
                return;
            }
            int status = status(socket.getInputStream());
            if (status == 0) {
                noAnswer.computeIfAbsent(kind + ":closed", k -> new AtomicInteger()).incrementAndGet();
                return;
            }
            statuses.computeIfAbsent(status, s -> new AtomicInteger()).incrementAndGet();
            if (status >= 500) {
                serverErrors.add(status + " to " + kind + ": " + preview(request.bytes()));
            }
        } catch (SocketTimeoutException e) {
            noAnswer.computeIfAbsent(kind + ":timeout", k -> new AtomicInteger()).incrementAndGet();
        } catch (IOException e) {
            noAnswer.computeIfAbsent(kind + ":reset", k -> new AtomicInteger()).incrementAndGet();
        }
    }

    private static void write(OutputStream out, Request request) throws IOException {
        byte[] bytes = request.bytes();
        int step = Math.max(1, bytes.length / request.pieces());
        for (int from = 0; from < bytes.length; from += step) {
            out.write(bytes, from, Math.min(step, bytes.length - from));
            out.flush();
            if (request.pieces() > 1) {
                try {
                    TimeUnit.MILLISECONDS.sleep(request.pauseMs());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /** The status code of the answer's first line; 0 when the connection ends without an HTTP answer. */
    private static int status(InputStream in) throws IOException {
        byte[] line = new byte[12];
        int read = 0;
        while (read < line.length) {
            int n = in.read(line, read, line.length - read);
            if (n < 0) {
                break;
            }
            read += n;
        }
        String head = new String(line, 0, read, StandardCharsets.ISO_8859_1);
        if (read < 12 || !head.startsWith("HTTP/1.")) {
            return 0;
        }
        return Integer.parseInt(head.substring(9, 12));
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static String preview(byte[] bytes) {
        String text = new String(bytes, 0, Math.min(bytes.length, 300), StandardCharsets.ISO_8859_1);
        return text.replaceAll("[^\\x20-\\x7e]", "?") + (bytes.length > 300 ? "... (" + bytes.length + " bytes)" : "");
    }

    private static Request bytes(Random random, int length) {
        byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        if (random.nextBoolean()) {
            // Random bytes behind a plausible request line reach the header parser instead of the method check.
            byte[] head = ("POST /v1/models/sentiment/jobs HTTP/1.1\r\n").getBytes(StandardCharsets.US_ASCII);
            System.arraycopy(head, 0, bytes, 0, Math.min(head.length, bytes.length));
        }
        return new Request(bytes, 1, 0, false);
    }

    private Request post(Random random, String path, String contentType, byte[] body) {
        return new Request(http("POST", path, headers(random, contentType), body), 1, 0, false);
    }

    /** Authorization as tenant A, or garbage, or none: the fuzz run is never tenant B. */
    private static List<String> headers(Random random, String contentType) {
        List<String> headers = new ArrayList<>();
        switch (random.nextInt(4)) {
            case 0 -> headers.add("Authorization: Bearer " + RandomInputs.headerText(random, 40));
            case 1 -> { }
            default -> headers.add("Authorization: Bearer " + KEY_A);
        }
        if (contentType != null) {
            headers.add("Content-Type: " + contentType);
        }
        return headers;
    }

    private static byte[] http(String method, String target, List<String> headers, byte[] body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(body.length + 512);
        StringBuilder head = new StringBuilder(method).append(' ').append(target).append(" HTTP/1.1\r\n")
                .append("Host: 127.0.0.1\r\nConnection: close\r\n");
        boolean framed = headers.stream().anyMatch(h -> h.regionMatches(true, 0, "Content-Length", 0, 14)
                || h.regionMatches(true, 0, "Transfer-Encoding", 0, 17));
        headers.forEach(h -> head.append(h).append("\r\n"));
        if (!framed) {
            head.append("Content-Length: ").append(body.length).append("\r\n");
        }
        head.append("\r\n");
        out.writeBytes(head.toString().getBytes(StandardCharsets.UTF_8));
        out.writeBytes(body);
        return out.toByteArray();
    }

    private static String jobPath(Random random) {
        String path = "/v1/models/" + MODELS.get(random.nextInt(MODELS.size())) + "/jobs";
        return switch (random.nextInt(6)) {
            case 0 -> path + "?timeout_s=" + RandomInputs.number(random);
            case 1 -> path + "?callback_url=" + privateUrl(random).replace("&", "%26");
            default -> path;
        };
    }

    private static String legacyPath(Random random) {
        return List.of("/api/v1/sentiment_classification", "/api/v1/disaster_classification",
                "/api/v1/image_classification").get(random.nextInt(3));
    }

    private static byte[] deepNesting(Random random) {
        int depth = 100_000;
        return switch (random.nextInt(3)) {
            case 0 -> "[".repeat(depth).getBytes(StandardCharsets.US_ASCII);
            case 1 -> ("{\"inputs\":" + "[".repeat(depth)).getBytes(StandardCharsets.US_ASCII);
            default -> ("{\"user_id\":\"1\",\"text\":" + "{\"a\":".repeat(depth / 5))
                    .getBytes(StandardCharsets.US_ASCII);
        };
    }

    private Request hugeHeaders(Random random) {
        List<String> headers = headers(random, "application/json");
        switch (random.nextInt(4)) {
            case 0 -> headers.add("X-Huge: " + "a".repeat(20_000 + random.nextInt(100_000)));
            case 1 -> {
                for (int i = 0; i < 300; i++) {
                    headers.add("X-Many-" + i + ": " + "b".repeat(50));
                }
            }
            case 2 -> headers.add("Idempotency-Key: " + "k".repeat(5_000 + random.nextInt(10_000)));
            default -> headers.add("Cookie: " + "c=1; ".repeat(3_000));
        }
        String path = random.nextBoolean() ? "/v1/models/sentiment/jobs" : "/v1/jobs/" + "x".repeat(10_000);
        return new Request(http("POST", path, headers, "{\"inputs\": [\"hi\"]}".getBytes(StandardCharsets.UTF_8)),
                1, 0, false);
    }

    private Request hugeBody(Random random) {
        int size = 11 << 20;
        return switch (random.nextInt(4)) {
            case 0 -> post(random, "/v1/models/sentiment/jobs", "application/json",
                    ("{\"inputs\": [\"" + "a".repeat(size) + "\"]}").getBytes(StandardCharsets.US_ASCII));
            case 1 -> post(random, "/v1/models/image/jobs", "image/png", padded(smallPng, size));
            case 2 -> multipart(random, "file", padded(smallJpeg, size));
            // Declares far more than it sends: the gateway must not wait for, or reserve, the declared length.
            default -> new Request(http("POST", "/v1/models/image/jobs",
                    List.of("Content-Type: image/png", "Content-Length: 99999999999"), smallPng), 1, 0, false);
        };
    }

    private static byte[] padded(byte[] image, int size) {
        return Arrays.copyOf(image, size);
    }

    private Request archive(Random random) {
        List<String> headers = headers(random, random.nextBoolean() ? "application/json" : "image/png");
        byte[] body = switch (random.nextInt(3)) {
            case 0 -> gzipBomb;
            case 1 -> zipBomb;
            default -> gzipJson;
        };
        if (random.nextBoolean()) {
            headers.add("Content-Encoding: " + (body == zipBomb ? "deflate" : "gzip"));
        }
        String path = random.nextBoolean() ? "/v1/models/sentiment/jobs" : "/v1/models/image/jobs";
        return new Request(http("POST", path, headers, body), 1, 0, false);
    }

    private Request multipart(Random random, String field, byte[] content) {
        String boundary = "fuzz" + random.nextInt(1_000_000);
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + field
                + "\"; filename=\"f.png\"\r\nContent-Type: image/png\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        body.writeBytes(content);
        body.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        return post(random, "/v1/models/image/jobs", "multipart/form-data; boundary=" + boundary,
                body.toByteArray());
    }

    private Request badMultipart(Random random) {
        String boundary = "b" + random.nextInt(1000);
        String type = "multipart/form-data; boundary=" + boundary;
        String body = switch (random.nextInt(7)) {
            case 0 -> "--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nno closing boundary";
            case 1 -> "--other\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nx\r\n--other--\r\n";
            case 2 -> "--" + boundary + "\r\nContent-Disposition: form-data; name=\"nofile\"\r\n\r\nx\r\n--"
                    + boundary + "--\r\n";
            case 3 -> ("--" + boundary + "\r\nContent-Disposition: form-data; name=\"f" + "\"\r\n\r\nx\r\n")
                    .repeat(2_000) + "--" + boundary + "--\r\n";
            case 4 -> "--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"../../x\"\r\n"
                    + "Content-Type: " + RandomInputs.headerText(random, 20) + "\r\n\r\n\r\n--"
                    + boundary + "--\r\n";
            case 5 -> {
                type = "multipart/form-data";
                yield "--" + boundary + "\r\n\r\n";
            }
            default -> "--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a\"\r\n"
                    + "X: " + "h".repeat(20_000) + "\r\n\r\nx\r\n--" + boundary + "--\r\n";
        };
        return post(random, random.nextInt(4) == 0 ? "/v1/models/sentiment/jobs" : "/v1/models/image/jobs", type,
                body.getBytes(StandardCharsets.UTF_8));
    }

    private Request lastEventId(Random random) {
        String id = jobIds.isEmpty() || random.nextInt(3) == 0 ? randomJobId(random)
                : jobIds.get(random.nextInt(jobIds.size()));
        List<String> headers = headers(random, null);
        String value = switch (random.nextInt(7)) {
            case 0 -> "QUEUED:" + RandomInputs.number(random);
            case 1 -> "QUEUED:";
            case 2 -> ":::" + RandomInputs.headerText(random, 10);
            case 3 -> "SUCCEEDED:" + "9".repeat(50);
            case 4 -> "queued:-1";
            case 5 -> "\u00ff\u00fe" + "RUNNING";
            default -> "x".repeat(5_000);
        };
        headers.add("Last-Event-ID: " + value);
        headers.add("Accept: text/event-stream");
        return new Request(http("GET", "/v1/jobs/" + id + "/events", headers, new byte[0]), 1, 0, false);
    }

    private static String randomJobId(Random random) {
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_%.~";
        StringBuilder id = new StringBuilder();
        int length = random.nextInt(3) == 0 ? 22 : random.nextInt(40);
        for (int i = 0; i < length; i++) {
            id.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return id.toString();
    }

    /** URLs that name a loopback, private or link-local address in some spelling a naive check misses. */
    private static String privateUrl(Random random) {
        List<String> hosts = List.of("127.0.0.1", "2130706433", "0x7f000001", "0177.0.0.1", "127.1", "0x7f.1",
                "[::1]", "[::ffff:127.0.0.1]", "[::ffff:7f00:1]", "[0:0:0:0:0:ffff:169.254.169.254]",
                "169.254.169.254", "10.0.0.1", "192.168.1.1", "0.0.0.0", "0", "localhost", "LOCALHOST.",
                "evil.example@127.0.0.1", "127.0.0.1%2f@example.org", "[fe80::1%25eth0]", "metadata.google.internal",
                "127.0.0.1.nip.io", "①②⑦.0.0.1", "127。0。0。1", "[::]");
        String scheme = List.of("http", "https", "HTTP", "file", "gopher", "ftp").get(random.nextInt(6));
        String port = random.nextBoolean() ? "" : ":" + List.of("0", "65536", "8080", "-1", "99999999").get(
                random.nextInt(5));
        return scheme + "://" + hosts.get(random.nextInt(hosts.size())) + port + "/x.png";
    }

    private Request oddHeaders(Random random) {
        List<String> types = List.of("application/json", "application/json; charset=utf-16", "application/json;;;",
                "a/b/c", "text/plain", "", "*/*", "image/*", "multipart/mixed", "\"/a", "\"application/json\"");
        List<String> headers = headers(random, types.get(random.nextInt(types.size())));
        switch (random.nextInt(8)) {
            case 0 -> headers.add("Idempotency-Key: " + RandomInputs.headerText(random, 1 + random.nextInt(300)));
            case 1 -> headers.add("Prefer: " + List.of("wait=99999999999999999999", "wait=-5", "wait=abc",
                    "respond-async, wait=1", "wait=1;wait=2", "wait=").get(random.nextInt(6)));
            case 2 -> headers.add("Content-Length: -1");
            case 3 -> headers.add("Transfer-Encoding: chunked, identity");
            case 4 -> headers.add("Accept: " + (random.nextBoolean() ? "\"/ a" : RandomInputs.headerText(random, 30)));
            case 5 -> headers.add("Authorization: " + List.of("Bearer", "Basic Zm9vOmJhcg==", "Bearer " + KEY_B
                    .substring(1), "bearer  " + KEY_A, "Bearer " + KEY_A + "\u0000").get(random.nextInt(5)));
            case 6 -> headers.add("Expect: 100-continue");
            default -> headers.add(RandomInputs.headerText(random, 10).replace(":", "") + ": x");
        }
        String body = random.nextBoolean() ? "{\"inputs\": [\"headers are odd\"]}" : RandomInputs.json(random);
        return new Request(http("POST", jobPath(random), headers, body.getBytes(StandardCharsets.UTF_8)), 1, 0,
                false);
    }

    private Request methodAndPath(Random random) {
        String method = List.of("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "TRACE", "FOO",
                "G\u00e9T", "CONNECT").get(random.nextInt(11));
        String path = switch (random.nextInt(12)) {
            case 0 -> "/";
            case 1 -> "/v1/jobs/" + randomJobId(random);
            case 2 -> "/v1/jobs/" + randomJobId(random) + "/cancel";
            case 3 -> "/v1/models/" + randomJobId(random);
            case 4 -> "/%2e%2e/%2e%2e/etc/passwd";
            case 5 -> "/docs/../../actuator/env";
            case 6 -> "//v1//models//sentiment//jobs";
            case 7 -> "*";
            case 8 -> "http://evil.example/v1/models";
            case 9 -> "/v1/models/sentiment/jobs?" + RandomInputs.awkwardText(random, 30).replaceAll("[^!-~]", "%ff");
            case 10 -> "/actuator/" + List.of("health", "env", "heapdump", "shutdown", "prometheus", "metrics/x")
                    .get(random.nextInt(6));
            default -> "/" + RandomInputs.awkwardText(random, 20).replaceAll("[^!-~]", "%c0%af");
        };
        byte[] body = random.nextBoolean() ? new byte[0] : utf8(RandomInputs.json(random));
        return new Request(http(method, path, headers(random, random.nextBoolean() ? "application/json" : null),
                body), 1, 0, false);
    }

    private static Request withPauses(Request request, int pieces, long pauseMs) {
        return new Request(request.bytes(), pieces, pauseMs, false);
    }

    /** Half a body, then the connection closes: the gateway must let go of the request. */
    private Request abandoned(Random random) {
        byte[] full = post(random, "/v1/models/sentiment/jobs", "application/json",
                "{\"inputs\": [\"never finished\", \"at all\"]}".getBytes(StandardCharsets.UTF_8)).bytes();
        return new Request(Arrays.copyOf(full, full.length - 10), 10, 200, true);
    }

    private static byte[] gzip(byte[] content) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gzip = new GZIPOutputStream(out)) {
            gzip.write(content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static byte[] zip(byte[] content) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(out)) {
            zip.putNextEntry(new ZipEntry("zeros.json"));
            zip.write(content);
            zip.closeEntry();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** A field of {@code /proc/<pid>/status} in kB (VmHWM: the peak resident set); 0 once the process is gone. */
    private static long memoryKb(long pid, String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith(field)) {
                    return Long.parseLong(line.substring(field.length()).replace("kB", "").strip());
                }
            }
        } catch (IOException e) {
            return 0;
        }
        return 0;
    }

    /**
     * Tenant B: one real text job every {@link #TENANT_B_PERIOD}, each waited for ({@code Prefer: wait}); latency
     * from the submit to the answer with the finished job.
     */
    private final class TenantB implements Runnable {

        private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        private final String gatewayUrl;
        private final long deadline;
        private final List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
        private final AtomicInteger serverErrors = new AtomicInteger();
        private final AtomicLong refused = new AtomicLong();
        private volatile boolean stopped;

        TenantB(String gatewayUrl, long deadline) {
            this.gatewayUrl = gatewayUrl;
            this.deadline = deadline;
        }

        @Override
        public void run() {
            long next = System.nanoTime();
            while (!stopped && System.nanoTime() < deadline) {
                if (submitOnce() < 0) {
                    refused.incrementAndGet();
                }
                next += TENANT_B_PERIOD.toNanos();
                long pause = next - System.nanoTime();
                if (pause > 0) {
                    try {
                        TimeUnit.NANOSECONDS.sleep(pause);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
            }
        }

        void stop() {
            stopped = true;
        }

        /** One job; its latency in ms when it succeeded, -1 otherwise. */
        long submitOnce() {
            long start = System.nanoTime();
            try {
                HttpResponse<String> response = http.send(HttpRequest.newBuilder(
                                URI.create(gatewayUrl + "/v1/models/sentiment/jobs"))
                        .header("Content-Type", "application/json")
                        .header("Authorization", "Bearer " + KEY_B)
                        .header("Prefer", "wait=20")
                        .timeout(Duration.ofSeconds(30))
                        .POST(HttpRequest.BodyPublishers.ofString("{\"inputs\": [\"a calm and lovely evening\"]}"))
                        .build(), HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() >= 500) {
                    serverErrors.incrementAndGet();
                }
                response.headers().firstValue("Location")
                        .ifPresent(location -> jobIds.add(location.substring(location.lastIndexOf('/') + 1)));
                if (response.statusCode() != 200 || !response.body().contains("\"SUCCEEDED\"")) {
                    return -1;
                }
                long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                latencies.add(millis);
                return millis;
            } catch (IOException e) {
                return -1;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return -1;
            }
        }

        long p95Millis() {
            List<Long> sorted = new ArrayList<>(latencies);
            if (sorted.isEmpty()) {
                return -1;
            }
            Collections.sort(sorted);
            return sorted.get((int) Math.ceil(sorted.size() * 0.95) - 1);
        }
    }
}
