package dev.inferq.systemtest.faults;

import dev.inferq.contract.JobCodec;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import tools.jackson.databind.JsonNode;

/**
 * What a fault scenario did to its jobs: every submit and its answer, every accepted job's first terminal state, and
 * at the end the line {@code faults: scenario=... submitted= accepted= completed= lost= duplicated=}.
 *
 * <p>lost = accepted jobs that never reached a terminal state; duplicated = jobs whose visible terminal state changed
 * after it was first seen.
 */
final class JobLedger {

    private static final Set<String> TERMINAL = Set.of("SUCCEEDED", "FAILED", "CANCELLED", "EXPIRED");

    private final String scenario;
    private final List<String> gateways;
    private final AtomicInteger nextGateway = new AtomicInteger();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final AtomicInteger submitted = new AtomicInteger();
    private final AtomicInteger refused = new AtomicInteger();
    private final List<String> accepted = Collections.synchronizedList(new ArrayList<>());
    private final Map<String, String> terminal = new ConcurrentHashMap<>();
    private final Map<Integer, AtomicInteger> statuses = new ConcurrentHashMap<>();

    /** A ledger that sends each submit to the next of {@code gatewayUrls} in turn; polls go to the first. */
    JobLedger(String scenario, String... gatewayUrls) {
        this.scenario = scenario;
        this.gateways = List.of(gatewayUrls);
    }

    /** Submits one job; returns its id when accepted (202), null when refused (any other answer, or no answer). */
    String submit(String model, String jsonBody) {
        return submit(model, "application/json", HttpRequest.BodyPublishers.ofString(jsonBody));
    }

    /**
     * Submits one job with an {@code Idempotency-Key}, as a client that retries would; returns its id when accepted
     * (202), null when refused or unanswered (a gateway that died on it, say).
     */
    String submit(String model, String jsonBody, String idempotencyKey) {
        return submit(model, "application/json", HttpRequest.BodyPublishers.ofString(jsonBody), idempotencyKey);
    }

    /** Submits an image as the raw request body. */
    String submitImage(String model, String contentType, byte[] image) {
        return submit(model, contentType, HttpRequest.BodyPublishers.ofByteArray(image));
    }

    private String submit(String model, String contentType, HttpRequest.BodyPublisher body) {
        return submit(model, contentType, body, null);
    }

    private String submit(String model, String contentType, HttpRequest.BodyPublisher body, String idempotencyKey) {
        submitted.incrementAndGet();
        try {
            HttpRequest.Builder request = HttpRequest.newBuilder(
                            URI.create(nextGateway() + "/v1/models/" + model + "/jobs"))
                    .header("Content-Type", contentType)
                    .timeout(Duration.ofSeconds(30));
            if (idempotencyKey != null) {
                request.header("Idempotency-Key", idempotencyKey);
            }
            HttpResponse<String> response = http.send(request.POST(body).build(),
                    HttpResponse.BodyHandlers.ofString());
            statuses.computeIfAbsent(response.statusCode(), s -> new AtomicInteger()).incrementAndGet();
            if (response.statusCode() == 202) {
                String id = JobCodec.mapper().readTree(response.body()).path("id").asString();
                if (!accepted.contains(id)) {
                    accepted.add(id);
                }
                return id;
            }
        } catch (Exception e) {
            statuses.computeIfAbsent(-1, s -> new AtomicInteger()).incrementAndGet();
        }
        refused.incrementAndGet();
        return null;
    }

    private String nextGateway() {
        return gateways.get(Math.floorMod(nextGateway.getAndIncrement(), gateways.size()));
    }

    /** Cancels an accepted job; true when the gateway answered 200. */
    boolean cancel(String id) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create(gateways.get(0) + "/v1/jobs/" + id + "/cancel"))
                    .timeout(Duration.ofSeconds(10)).POST(HttpRequest.BodyPublishers.noBody()).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode() == 200;
        } catch (Exception e) {
            return false;
        }
    }

    /** The first terminal state read of a job, or null when it has none. */
    JsonNode terminalState(String id) {
        String json = terminal.get(id);
        return json == null ? null : JobCodec.mapper().readTree(json);
    }

    /** Polls every accepted job until all are terminal or {@code timeout} passes; remembers each first terminal state. */
    void awaitTerminal(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            for (String id : List.copyOf(accepted)) {
                if (!terminal.containsKey(id)) {
                    JsonNode job = fetch(id);
                    if (job != null && TERMINAL.contains(job.path("status").asString())) {
                        terminal.put(id, job.toString());
                    }
                }
            }
            if (terminal.size() == accepted.size()) {
                return;
            }
            Thread.sleep(250);
        }
    }

    int submitted() {
        return submitted.get();
    }

    int accepted() {
        return accepted.size();
    }

    int lost() {
        return accepted.size() - terminal.size();
    }

    /** The accepted jobs whose terminal state is {@code status}. */
    Set<String> endedWith(String status) {
        return terminal.entrySet().stream()
                .filter(e -> JobCodec.mapper().readTree(e.getValue()).path("status").asString().equals(status))
                .map(Map.Entry::getKey)
                .collect(Collectors.toSet());
    }

    /** How many terminal jobs each worker ran last, by the worker named in their records. */
    Map<String, Long> jobsPerWorker() {
        return terminal.values().stream()
                .map(json -> JobCodec.mapper().readTree(json).path("worker").asString(""))
                .collect(Collectors.groupingBy(worker -> worker, Collectors.counting()));
    }

    /** How many submits got an answer with none of {@code expected} statuses (-1: no answer at all). */
    int answersOtherThan(int... expected) {
        Set<Integer> allowed = Arrays.stream(expected).boxed().collect(Collectors.toSet());
        return statuses.entrySet().stream().filter(e -> !allowed.contains(e.getKey()))
                .mapToInt(e -> e.getValue().get()).sum();
    }

    /** Reads every terminal job again: any that differs from its first terminal reading counts as duplicated. */
    int duplicated() {
        int changed = 0;
        for (Map.Entry<String, String> entry : terminal.entrySet()) {
            JsonNode now = fetch(entry.getKey());
            if (now == null || !now.toString().equals(entry.getValue())) {
                changed++;
            }
        }
        return changed;
    }

    /** Prints and returns the scenario's summary line. */
    String report() {
        return report("");
    }

    /** Prints and returns the scenario's summary line, with {@code more} (e.g. {@code gateway_peak_rss_mb=..}). */
    String report(String more) {
        String line = "faults: scenario=" + scenario + " submitted=" + submitted() + " accepted=" + accepted()
                + " completed=" + terminal.size() + " lost=" + lost() + " duplicated=" + duplicated()
                + (more.isEmpty() ? "" : " " + more);
        System.out.println(line);
        System.out.println("faults: scenario=" + scenario + " answers by status " + statuses);
        return line;
    }

    private JsonNode fetch(String id) {
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(gateways.get(0) + "/v1/jobs/" + id))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            return response.statusCode() == 200 ? JobCodec.mapper().readTree(response.body()) : null;
        } catch (Exception e) {
            return null;
        }
    }
}
