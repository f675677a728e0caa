package dev.inferq.gateway.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.inferq.common.job.JobNames;
import dev.inferq.testsupport.RealInfrastructure;
import dev.inferq.testsupport.RedisMonitor;
import dev.inferq.testsupport.RealInfrastructureProperties;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.http.MediaType;
import org.springframework.test.context.ContextConfiguration;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * What one submit costs the gateway in Redis: every command it sends from the POST until its job has left the outbox,
 * counted with {@code MONITOR} (a script counts once, not its inner calls). The gateway's background loops (backlog,
 * versions, webhooks, outbox sweep, memory gauge) are slowed to once an hour so that only the submit's commands are
 * seen. Each of these commands waits for the one before, so the count is also the submit's Redis round trips.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
    "inferq.models-dir=../models/tiny",
    "inferq.gateway.backpressure.refresh-interval=1h",
    "inferq.versions.refresh=1h",
    "inferq.gateway.callbacks.poll-interval=1h",
    "inferq.gateway.outbox.interval=1h",
    "inferq.gateway.redis-memory.interval=1h"
})
@AutoConfigureWebTestClient
@ContextConfiguration(initializers = RealInfrastructureProperties.class)
class SubmitRedisCostIT {

    private static final Duration REDIS = Duration.ofSeconds(5);

    @Autowired
    WebTestClient http;

    private RedisMonitor monitor;
    private LettuceConnectionFactory testRedis;
    private String testClient;

    @BeforeEach
    void monitorRedis() throws IOException {
        RealInfrastructure infra = RealInfrastructure.shared();
        monitor = new RedisMonitor(infra.redisHost(), infra.redisPort());
        testRedis = infra.redisConnections();
        Matcher found = RedisMonitor.LINE.matcher(markMonitor());
        assertThat(found.matches()).isTrue();
        testClient = found.group(1);
    }

    @AfterEach
    void close() throws IOException {
        monitor.close();
        testRedis.destroy();
    }

    @Test
    void aSubmitCostsTheGatewayOneCommandToStoreItsJobAndOneToTakeItOutOfTheOutbox() {
        // The first call of each script after a Redis restart or flush also sends its text (NOSCRIPT, then EVAL).
        submitCommands(null);
        List<String> plain = submitCommands(null);
        List<String> idempotent = submitCommands(UUID.randomUUID().toString());
        System.out.printf("Redis commands (= round trips) of one submit, from the gateway: %d%n  %s%nwith an"
                + " Idempotency-Key: %d%n  %s%n", plain.size(), String.join("\n  ", plain), idempotent.size(),
                String.join("\n  ", idempotent));

        assertThat(plain.stream().map(SubmitRedisCostIT::command)).containsExactly("EVALSHA", "EVALSHA");
        // The key's claim (SET NX) comes first.
        assertThat(idempotent.stream().map(SubmitRedisCostIT::command)).containsExactly("SET", "EVALSHA", "EVALSHA");
    }

    /** The command of a line that {@link RedisMonitor#LINE} matches. */
    private static String command(String line) {
        Matcher found = RedisMonitor.LINE.matcher(line);
        assertThat(found.matches()).isTrue();
        return found.group(2).toUpperCase();
    }

    /** The monitor's lines of the gateway's commands from the start of a submit until its job left the outbox. */
    private List<String> submitCommands(String idempotencyKey) {
        String start = markMonitor();
        WebTestClient.RequestBodySpec post = http.post().uri("/v1/models/sentiment/jobs")
                .contentType(MediaType.APPLICATION_JSON);
        if (idempotencyKey != null) {
            post.header("Idempotency-Key", idempotencyKey);
        }
        String id = (String) post.bodyValue("{\"inputs\": [\"counted\"]}").exchange()
                .expectStatus().isAccepted()
                .expectBody(Map.class).returnResult().getResponseBody().get("id");
        ReactiveStringRedisTemplate redis = new ReactiveStringRedisTemplate(testRedis);
        await().atMost(REDIS).until(() -> redis.opsForZSet().score(JobNames.outboxKey(), id).blockOptional(REDIS)
                .isEmpty());
        String end = markMonitor();
        List<String> commands = new ArrayList<>();
        boolean within = false;
        for (String line : monitor.lines()) {
            if (line.equals(start)) {
                within = true;
            } else if (line.equals(end)) {
                break;
            } else if (within) {
                Matcher found = RedisMonitor.LINE.matcher(line);
                if (found.matches() && !found.group(1).equals("lua") && !found.group(1).equals(testClient)) {
                    commands.add(line.length() > 200 ? line.substring(0, 200) + "..." : line);
                }
            }
        }
        return commands;
    }

    /** Marks the monitor through the test's own connection ({@link RedisMonitor#mark}); answers the marker's line. */
    private String markMonitor() {
        ReactiveStringRedisTemplate own = new ReactiveStringRedisTemplate(testRedis);
        return monitor.mark(marker -> own.opsForValue().get(marker).block(REDIS), REDIS);
    }
}
