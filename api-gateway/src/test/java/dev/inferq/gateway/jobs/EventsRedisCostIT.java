package dev.inferq.gateway.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.inferq.common.job.JobStore;
import dev.inferq.contract.JobCodec;
import dev.inferq.contract.JobId;
import dev.inferq.contract.JobInput;
import dev.inferq.contract.JobRecord;
import dev.inferq.contract.JobRequest;
import dev.inferq.contract.Prediction;
import dev.inferq.testsupport.RealInfrastructure;
import dev.inferq.testsupport.RedisMonitor;
import dev.inferq.testsupport.RealInfrastructureProperties;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.http.MediaType;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.test.context.ContextConfiguration;
import org.springframework.test.web.reactive.server.WebTestClient;
import reactor.test.StepVerifier;
import tools.jackson.databind.json.JsonMapper;

/**
 * The event stream's cost. What one job costs the gateway in Redis commands on the POST + event stream path,
 * counted with {@code MONITOR} (each command that names the job, from the gateway's connections; a script counts
 * once, not its inner calls). The test plays the worker through a store on its own connection, whose commands are
 * left out. And a record sent as it was stored is exactly what encoding its view would have sent.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT, properties = "inferq.models-dir=../models/tiny")
@AutoConfigureWebTestClient
@ContextConfiguration(initializers = RealInfrastructureProperties.class)
class EventsRedisCostIT {

    private static final Duration REDIS = Duration.ofSeconds(5);

    @Autowired
    WebTestClient http;

    @Autowired
    JobViews views;

    @Autowired
    JsonMapper json;

    private RedisMonitor monitor;
    private LettuceConnectionFactory workerRedis;
    private JobStore worker;
    private String workerClient;

    @BeforeEach
    void monitorRedis() throws IOException {
        RealInfrastructure infra = RealInfrastructure.shared();
        monitor = new RedisMonitor(infra.redisHost(), infra.redisPort());
        workerRedis = infra.redisConnections();
        worker = new JobStore(workerRedis, Duration.ofMinutes(5));
        Matcher found = RedisMonitor.LINE.matcher(markMonitor());
        assertThat(found.matches()).isTrue();
        workerClient = found.group(1);
    }

    /** Marks the monitor through the test's own connection ({@link RedisMonitor#mark}); answers the marker's line. */
    private String markMonitor() {
        ReactiveStringRedisTemplate own = new ReactiveStringRedisTemplate(workerRedis);
        return monitor.mark(marker -> own.opsForValue().get(marker).block(REDIS), REDIS);
    }

    @AfterEach
    void close() throws IOException {
        monitor.close();
        workerRedis.destroy();
    }

    @Test
    void aJobWithoutAWebhookFollowedToItsEndCostsTheGatewayFewCommands() {
        String id = (String) http.post().uri("/v1/models/sentiment/jobs").contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"inputs\": [\"counted\"]}").exchange()
                .expectStatus().isAccepted()
                .expectBody(Map.class).returnResult().getResponseBody().get("id");
        Map<String, Integer> submit = gatewayCommandsNaming(id);

        JobRecord queued = worker.find(new JobId(id)).block(REDIS);
        JobRecord running = queued.running(Instant.now(), "test-worker");
        StepVerifier.create(http.get().uri("/v1/jobs/{id}/events", id).accept(MediaType.TEXT_EVENT_STREAM)
                        .exchange().expectStatus().isOk()
                        .returnResult(new ParameterizedTypeReference<ServerSentEvent<String>>() { })
                        .getResponseBody().filter(event -> event.data() != null).map(ServerSentEvent::id))
                .expectNextMatches(eventId -> eventId.startsWith("QUEUED"))
                .then(() -> worker.transition(running).block(REDIS))
                .expectNext("RUNNING")
                .then(() -> worker.transition(running.succeeded(List.of(Prediction.fromRanked(List.of(
                        new Prediction.LabelScore("positive", 1.0)))), Instant.now())).block(REDIS))
                .expectNext("SUCCEEDED")
                .verifyComplete();
        Map<String, Integer> all = gatewayCommandsNaming(id);
        Map<String, Integer> stream = new TreeMap<>(all);
        submit.forEach((command, count) -> stream.merge(command, -count, Integer::sum));
        stream.values().removeIf(count -> count == 0);
        System.out.printf("Redis commands naming the job, from the gateway: submit %s, event stream %s%n",
                submit, stream);

        // The stream reads the record once, asks its queue position once, and reads no webhook state; a wait longer
        // than the refresh interval adds the model's shared queue refresh (one script for all its streams).
        stream.remove("EVALSHA");
        assertThat(stream).isEqualTo(Map.of("GET", 1, "ZRANK", 1));
    }

    @Test
    void aRecordPassedThroughIsWhatEncodingItsViewWrites() {
        JobRecord queued = JobRecord.queued(JobRequest.of(JobId.random(), "sentiment",
                new JobInput.Texts(List.of("a", "b")), Instant.now(), Instant.now().plusSeconds(30)), "4bf92f3577b3"
                + "4da6a3ce929d0e0e4736").withModelVersion("v1");
        JobRecord running = queued.running(Instant.now(), "test-worker");
        Prediction prediction = Prediction.fromRanked(List.of(new Prediction.LabelScore("positive", 0.75),
                new Prediction.LabelScore("negative", 0.25)));
        for (JobRecord job : List.of(queued, running, running.succeeded(List.of(prediction, prediction),
                Instant.now(), true), running.failed("model_error", "boom \"quoted\"", Instant.now()),
                queued.withCallback().cancelled(Instant.now()))) {
            Object sent = views.json(new JobStore.Stored(job, JobCodec.encodeRecord(job)),
                    views.view(job, null, null));
            assertThat(sent).isInstanceOf(String.class);
            assertThat(sent).isEqualTo(json.writeValueAsString(views.view(job, null, null)));
        }
        JobView placed = views.view(queued, 3L, null);
        assertThat(views.json(new JobStore.Stored(queued, JobCodec.encodeRecord(queued)), placed)).isSameAs(placed);
    }

    /** The gateway's commands so far that name {@code id}, by command; a script's inner calls are not counted. */
    private Map<String, Integer> gatewayCommandsNaming(String id) {
        markMonitor();
        Map<String, Integer> counts = new TreeMap<>();
        monitor.lines().stream().filter(line -> line.contains(id)).map(RedisMonitor.LINE::matcher)
                .filter(Matcher::matches)
                .filter(found -> !found.group(1).equals("lua") && !found.group(1).equals(workerClient))
                .forEach(found -> counts.merge(found.group(2).toUpperCase(), 1, Integer::sum));
        return counts;
    }
}
