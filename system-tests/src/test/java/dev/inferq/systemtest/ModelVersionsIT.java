package dev.inferq.systemtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.inferq.contract.JobCodec;
import dev.inferq.launcher.ManagedProcess;
import dev.inferq.testsupport.RealInfrastructure;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import tools.jackson.databind.JsonNode;

/**
 * Model versions at run time, on the packaged gateway and worker with real Kafka, Redis and libtorch: a model
 * ({@value #MODEL}, the tiny sentiment model under a name of its own, so that no other test's platform follows its
 * versions) gets a second version from a copy of its folder with another card; the default switches to it while jobs
 * flow; jobs for the first version queue up while the worker is away, the first version is retired, and the next
 * worker runs them on the default; then a third version takes a 10% canary.
 *
 * <p>Each test prints a {@code versions:} line with its figures (lost, duplicated, jobs per version).
 */
@Timeout(120)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ModelVersionsIT {

    private static final String MODEL = "versioned";
    private static final String ADMIN_KEY = "versions-admin-key";
    private static final Duration DEADLINE = Duration.ofSeconds(60);
    private static final String VERSIONS = "/v1/admin/models/" + MODEL + "/versions";
    private static final Duration POLL = Duration.ofMillis(100);
    private static final Set<String> TERMINAL = Set.of("SUCCEEDED", "FAILED", "CANCELLED", "EXPIRED");

    private static PlatformProcesses platform;
    private static ManagedProcess worker;
    private static Path candidate;
    private static RedisClient redisClient;
    private static StatefulRedisConnection<String, String> redis;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void startPlatform() throws IOException {
        Path root = PlatformProcesses.REPO.resolve("system-tests/target/model-versions");
        Path models = Files.createDirectories(root.resolve("models"));
        Files.deleteIfExists(models.resolve(MODEL));
        Files.createSymbolicLink(models.resolve(MODEL), PlatformProcesses.REPO.resolve("models/tiny/sentiment"));
        candidate = copyWithCard(PlatformProcesses.REPO.resolve("models/tiny/sentiment"),
                root.resolve("sentiment-candidate"));
        RealInfrastructure infra = RealInfrastructure.shared();
        redisClient = RedisClient.create("redis://" + infra.redisHost() + ":" + infra.redisPort());
        redis = redisClient.connect();
        // A run before this one (same Redis) leaves its versions behind: the model starts from version 1.
        redis.sync().del("inferq:model:" + MODEL + ":versions");
        Map<String, String> env = new HashMap<>(infra.environment());
        env.put("INFERQ_ADMIN_KEY", ADMIN_KEY);
        platform = new PlatformProcesses("model-versions", env, models.toString());
        worker = platform.startWorker("worker", List.of(MODEL));
    }

    @AfterAll
    static void stopPlatform() {
        if (worker != null) {
            worker.stop(Duration.ofSeconds(20));
        }
        if (platform != null) {
            platform.close();
        }
        if (redis != null) {
            redis.close();
            redisClient.shutdown();
        }
    }

    @Test
    @Order(1)
    void theDefaultSwitchesWhileJobsFlowAndNoJobIsLostOrRunTwice() throws Exception {
        JsonNode added = admin("POST", VERSIONS, "{\"path\":\"" + candidate + "\"}", 201);
        assertThat(added.path("versions").get(1).path("version").asInt()).isEqualTo(2);
        assertThat(added.path("versions").get(1).path("card").path("note").asString()).contains("candidate");
        awaitLoaded(2);

        List<String> beforeSwitch = submit(60, MODEL);
        admin("PUT", "/v1/admin/models/" + MODEL + "/default", "{\"version\":2}", 200);
        List<String> afterSwitch = new ArrayList<>(submit(30, MODEL));
        // Jobs for version 1 queue up while no worker runs; version 1 is retired; the next worker runs them on the
        // default (it reads the versions before it takes a job) and unloads version 1, which it loaded at start.
        worker.stop(Duration.ofSeconds(20));
        List<String> queuedForOne = submit(20, MODEL + "@1");
        JsonNode retired = admin("DELETE", VERSIONS + "/1", null, 200);
        assertThat(retired.path("versions").get(0).path("status").asString()).isEqualTo("retired");
        afterSwitch.addAll(submit(30, MODEL));
        worker = platform.startWorker("worker-after-retire", List.of(MODEL));
        List<String> named = submit(5, MODEL + "@2");

        Map<String, JsonNode> done = awaitTerminal(concat(beforeSwitch, afterSwitch, queuedForOne, named));
        Map<String, Integer> versions = new TreeMap<>();
        done.values().forEach(job -> versions.merge(job.path("model_version").asString("none"), 1, Integer::sum));
        long lost = done.values().stream().filter(job -> !job.path("status").asString().equals("SUCCEEDED")).count();
        long duplicated = done.keySet().stream().filter(id -> deliveries(id) != 1).count();
        long rerouted = queuedForOne.stream().filter(id -> done.get(id).path("model_version").asString().equals("2"))
                .count();
        System.out.println("versions: default switch 1 -> 2 and version 1 retired while " + done.size()
                + " jobs flowed: lost=" + lost + " duplicated=" + duplicated + " jobs per model_version " + versions
                + "; of " + queuedForOne.size() + " jobs queued for @1 when it was retired, " + rerouted
                + " ran on the default");

        assertThat(lost).isZero();
        assertThat(duplicated).isZero();
        assertThat(versions.keySet()).containsOnly("1", "2");
        assertThat(afterSwitch).allSatisfy(id -> assertThat(done.get(id).path("model_version").asString())
                .isEqualTo("2"));
        assertThat(named).allSatisfy(id -> assertThat(done.get(id).path("model_version").asString()).isEqualTo("2"));
        assertThat(rerouted).isEqualTo(queuedForOne.size());
        // The worker unloads the retired version once its batches in progress end.
        awaitVersions(list -> list.path("versions").get(0).path("workers").isEmpty());
    }

    @Test
    @Order(2)
    void aTenPercentCanaryGetsItsShareExactly() throws Exception {
        JsonNode added = admin("POST", VERSIONS, "{\"path\":\"" + candidate + "\"}", 201);
        int canary = added.path("versions").get(added.path("versions").size() - 1).path("version").asInt();
        awaitLoaded(canary);
        admin("PUT", "/v1/admin/models/" + MODEL + "/canary", "{\"version\":" + canary + ",\"share\":0.1}", 200);

        int jobs = 200;
        Map<String, JsonNode> done = awaitTerminal(submit(jobs, MODEL));
        long toCanary = done.values().stream()
                .filter(job -> job.path("model_version").asString().equals(Integer.toString(canary))).count();
        long lost = done.values().stream().filter(job -> !job.path("status").asString().equals("SUCCEEDED")).count();
        System.out.println("versions: canary version " + canary + " at share 0.1 got " + toCanary + " of " + jobs
                + " jobs (expected exactly floor(" + jobs + " x 0.1) = " + jobs / 10 + "; one gateway), lost=" + lost);

        assertThat(lost).isZero();
        assertThat(toCanary).isEqualTo(jobs / 10);
        assertThat(done.values()).allSatisfy(job -> assertThat(job.path("model_version").asString())
                .isIn("2", Integer.toString(canary)));

        JsonNode model = get("/v1/models/" + MODEL, 200);
        assertThat(model.path("versions").path("canary").path("version").asInt()).isEqualTo(canary);
        assertThat(model.path("versions").path("versions").get(0).has("path")).as("folders are the admin's").isFalse();
        admin("DELETE", "/v1/admin/models/" + MODEL + "/canary", null, 200);
    }

    @Test
    @Order(3)
    void refusalsAreProblems() throws Exception {
        assertThat(problem(request("POST", "/v1/models/" + MODEL + "@9/jobs", "{\"inputs\":[\"hi\"]}", null), 404))
                .contains("no active version");
        assertThat(problem(request("POST", "/v1/models/" + MODEL + "@1/jobs", "{\"inputs\":[\"hi\"]}", null), 404))
                .as("retired").contains("no active version");
        assertThat(problem(request("DELETE", VERSIONS + "/2", null, ADMIN_KEY), 409)).contains("default");
        assertThat(problem(request("PUT", "/v1/admin/models/" + MODEL + "/canary",
                "{\"version\":3,\"share\":1.5}", ADMIN_KEY), 400)).contains("share");
        assertThat(problem(request("POST", VERSIONS, "{\"path\":\"relative/folder\"}", ADMIN_KEY), 400))
                .contains("absolute");
        assertThat(problem(request("POST", VERSIONS, "{\"path\":\"/nowhere\"}", ADMIN_KEY), 400))
                .contains("no model folder");
        assertThat(problem(request("PUT", "/v1/admin/models/" + MODEL + "/default", "{\"version\":1}", ADMIN_KEY),
                409)).contains("retired");
        assertThat(request("GET", VERSIONS, null, null).statusCode()).as("without the admin key").isIn(401, 403);
        HttpRequest.Builder sameKey = HttpRequest.newBuilder().header("Idempotency-Key", "versions-key")
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(
                        "{\"inputs\":[\"one request\"]}"));
        accepted(http.send(sameKey.uri(URI.create(platform.gatewayUrl() + "/v1/models/" + MODEL + "@2/jobs")).build(),
                HttpResponse.BodyHandlers.ofString()));
        assertThat(problem(http.send(sameKey.uri(URI.create(platform.gatewayUrl() + "/v1/models/" + MODEL
                + "@3/jobs")).build(), HttpResponse.BodyHandlers.ofString()), 422))
                .as("another version is another request").contains("different request");
    }

    /** A copy of {@code source} whose card says it is the candidate. */
    private static Path copyWithCard(Path source, Path target) throws IOException {
        Files.createDirectories(target);
        try (Stream<Path> files = Files.list(source)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                Files.copy(file, target.resolve(file.getFileName()),
                        StandardCopyOption.REPLACE_EXISTING);
            }
        }
        Path card = target.resolve("model-card.json");
        Files.writeString(card, Files.readString(card).replaceFirst("\\{", "{\"note\": \"the candidate of"
                + " ModelVersionsIT: the same weights, another card\","));
        return target.toAbsolutePath();
    }

    private void awaitLoaded(int version) {
        awaitVersions(list -> {
            for (JsonNode entry : list.path("versions")) {
                if (entry.path("version").asInt() == version && entry.path("workers").size() == 1) {
                    return true;
                }
            }
            return false;
        });
    }

    private void awaitVersions(Predicate<JsonNode> condition) {
        await().atMost(DEADLINE).pollInterval(POLL).until(() -> get(VERSIONS, 200), condition);
    }

    /** Submits {@code count} text jobs to {@code model} (maybe {@code name@N}) one after another; their ids. */
    private List<String> submit(int count, String model) throws Exception {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            ids.add(accepted(http.send(submission(model, "review number " + i), HttpResponse.BodyHandlers.ofString())));
        }
        return ids;
    }

    private HttpRequest submission(String model, String text) {
        return HttpRequest.newBuilder(URI.create(platform.gatewayUrl() + "/v1/models/" + model + "/jobs"))
                .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"inputs\":[\"" + text + " of " + model + "\"]}"))
                .build();
    }

    private static String accepted(HttpResponse<String> answer) {
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(202);
        return JobCodec.mapper().readTree(answer.body()).path("id").asString();
    }

    /**
     * Each job's terminal record, polled until all have one; a job still without one at the deadline is answered as
     * an empty record, so that it counts as lost in the figures rather than stopping the test before them.
     */
    private Map<String, JsonNode> awaitTerminal(List<String> ids) {
        Map<String, JsonNode> done = new HashMap<>();
        try {
            await().atMost(DEADLINE).pollInterval(POLL).until(() -> {
                for (String id : ids) {
                    if (!done.containsKey(id)) {
                        JsonNode job = get("/v1/jobs/" + id, 200);
                        if (TERMINAL.contains(job.path("status").asString())) {
                            done.put(id, job);
                        }
                    }
                }
                return done.size() == ids.size();
            });
        } catch (ConditionTimeoutException e) {
            ids.forEach(id -> done.putIfAbsent(id, JobCodec.mapper().createObjectNode()));
        }
        return done;
    }

    /** How often workers started the job ({@code inferq:job:<id>:deliveries}); 1 for a job that ran once. */
    private static long deliveries(String id) {
        String count = redis.sync().get("inferq:job:" + id + ":deliveries");
        return count == null ? 0 : Long.parseLong(count);
    }

    private JsonNode admin(String method, String path, String body, int status) throws Exception {
        HttpResponse<String> answer = request(method, path, body, ADMIN_KEY);
        assertThat(answer.statusCode()).as(method + " " + path + ": " + answer.body()).isEqualTo(status);
        return JobCodec.mapper().readTree(answer.body());
    }

    private JsonNode get(String path, int status) throws Exception {
        HttpResponse<String> answer = request("GET", path, null, path.startsWith("/v1/admin") ? ADMIN_KEY : null);
        assertThat(answer.statusCode()).as(path + ": " + answer.body()).isEqualTo(status);
        return JobCodec.mapper().readTree(answer.body());
    }

    private static String problem(HttpResponse<String> answer, int status) {
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(status);
        assertThat(answer.headers().firstValue("Content-Type").orElse("")).startsWith("application/problem+json");
        return JobCodec.mapper().readTree(answer.body()).path("detail").asString();
    }

    private HttpResponse<String> request(String method, String path, String body, String key) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(platform.gatewayUrl() + path))
                .timeout(Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        if (key != null) {
            request.header("Authorization", "Bearer " + key);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @SafeVarargs
    private static List<String> concat(List<String>... lists) {
        return Stream.of(lists).flatMap(List::stream).toList();
    }
}
