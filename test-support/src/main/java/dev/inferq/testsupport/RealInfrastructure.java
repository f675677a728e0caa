package dev.inferq.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Locale;
import java.util.Map;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.kafka.KafkaContainer;
import redis.embedded.RedisServer;

/**
 * A real Kafka broker and a real Redis server for integration tests, started once per test JVM and stopped when it
 * exits.
 *
 * <p>Where a Docker engine answers, both run in Testcontainers ({@code apache/kafka}, {@code redis}); elsewhere an
 * embedded KRaft broker runs in this JVM and a real {@code redis-server} binary runs as a child process. Tests see
 * the same addresses either way. {@code INFERQ_TEST_INFRA=containers|embedded} forces one mode.
 */
public final class RealInfrastructure {

    static final String KAFKA_IMAGE = "apache/kafka:4.1.1";
    static final String REDIS_IMAGE = "redis:7.4-alpine";
    private static final int PARTITIONS = 4;

    private static RealInfrastructure shared;

    private final String mode;
    private final String kafkaBootstrapServers;
    private final String redisHost;
    private final int redisPort;
    private final Runnable stop;

    private RealInfrastructure(String mode, String kafka, String redisHost, int redisPort, Runnable stop) {
        this.mode = mode;
        this.kafkaBootstrapServers = kafka;
        this.redisHost = redisHost;
        this.redisPort = redisPort;
        this.stop = stop;
    }

    /** The JVM-wide instance, started on first use. */
    public static synchronized RealInfrastructure shared() {
        if (shared == null) {
            shared = useContainers() ? startContainers() : startEmbedded();
            Runtime.getRuntime().addShutdownHook(new Thread(shared.stop, "stop-test-infrastructure"));
        }
        return shared;
    }

    /** {@code containers} or {@code embedded}: which kind of real servers this JVM runs against. */
    public String mode() {
        return mode;
    }

    public String kafkaBootstrapServers() {
        return kafkaBootstrapServers;
    }

    /** A started connection factory of the test's own to the shared Redis; the caller destroys it. */
    public LettuceConnectionFactory redisConnections() {
        LettuceConnectionFactory connections = new LettuceConnectionFactory(redisHost, redisPort);
        connections.afterPropertiesSet();
        connections.start();
        return connections;
    }

    public String redisHost() {
        return redisHost;
    }

    public int redisPort() {
        return redisPort;
    }

    /** The Spring Boot properties that point an application at these servers. */
    public Map<String, String> springProperties() {
        return Map.of(
                "spring.kafka.bootstrap-servers", kafkaBootstrapServers,
                "spring.data.redis.host", redisHost,
                "spring.data.redis.port", Integer.toString(redisPort));
    }

    /** The environment variables that point a packaged gateway or worker at these servers. */
    public Map<String, String> environment() {
        return Map.of(
                "KAFKA_BOOTSTRAP_SERVERS", kafkaBootstrapServers,
                "REDIS_HOST", redisHost,
                "REDIS_PORT", Integer.toString(redisPort));
    }

    private static boolean useContainers() {
        String forced = System.getenv().getOrDefault("INFERQ_TEST_INFRA", "auto").toLowerCase(Locale.ROOT);
        return switch (forced) {
            case "containers" -> true;
            case "embedded" -> false;
            case "auto" -> DockerClientFactory.instance().isDockerAvailable();
            default -> throw new IllegalStateException(
                    "INFERQ_TEST_INFRA must be auto, containers or embedded, was '" + forced + "'");
        };
    }

    @SuppressWarnings("resource")
    private static RealInfrastructure startContainers() {
        KafkaContainer kafka = new KafkaContainer(KAFKA_IMAGE)
                .withEnv("KAFKA_NUM_PARTITIONS", Integer.toString(PARTITIONS))
                .withEnv("KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS", "0");
        GenericContainer<?> redis = new GenericContainer<>(REDIS_IMAGE).withExposedPorts(6379);
        kafka.start();
        redis.start();
        return new RealInfrastructure("containers", kafka.getBootstrapServers(), redis.getHost(),
                redis.getMappedPort(6379), () -> {
                    redis.stop();
                    kafka.stop();
                });
    }

    private static RealInfrastructure startEmbedded() {
        EmbeddedKafkaKraftBroker kafka = new EmbeddedKafkaKraftBroker(1, PARTITIONS);
        kafka.brokerProperties(Map.of(
                "group.initial.rebalance.delay.ms", "0",
                "auto.create.topics.enable", "true"));
        kafka.afterPropertiesSet();
        int port = Ports.freePort();
        RedisServer redis;
        try {
            redis = RedisServer.newRedisServer()
                    .port(port)
                    .bind("127.0.0.1")
                    .setting("save \"\"")
                    .setting("appendonly no")
                    .build();
            redis.start();
        } catch (IOException e) {
            kafka.destroy();
            throw new UncheckedIOException("cannot start redis-server on port " + port, e);
        }
        RedisServer startedRedis = redis;
        return new RealInfrastructure("embedded", kafka.getBrokersAsString(), "127.0.0.1", port, () -> {
            try {
                startedRedis.stop();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } finally {
                kafka.destroy();
            }
        });
    }
}
