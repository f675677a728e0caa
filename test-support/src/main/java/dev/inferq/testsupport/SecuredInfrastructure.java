package dev.inferq.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;
import redis.embedded.RedisServer;

/**
 * A real Redis that wants a password (an ACL user, and a {@code requirepass} for the default user) and a real KRaft
 * broker whose client listener takes only SASL_PLAINTEXT with the PLAIN mechanism: for tests proving that the
 * services reach secured servers through configuration alone.
 *
 * <p>Always the embedded kind (a {@code redis-server} child process and a broker in this JVM), Docker or not: what is
 * under test is the clients' configuration, which is the same whatever runs the servers. Each instance has its own
 * servers; close it when done.
 */
public final class SecuredInfrastructure implements AutoCloseable {

    /** The ACL user the services log in to Redis as; {@code requirepass} protects the default user too. */
    public static final String REDIS_USER = "inferq";
    public static final String REDIS_PASSWORD = "redis-secret-1";
    public static final String KAFKA_USER = "inferq";
    public static final String KAFKA_PASSWORD = "kafka-secret-1";
    private static final String PLAIN_LOGIN = "org.apache.kafka.common.security.plain.PlainLoginModule required";

    private final EmbeddedKafkaKraftBroker kafka;
    private final RedisServer redis;
    private final int redisPort;

    public SecuredInfrastructure() {
        kafka = new EmbeddedKafkaKraftBroker(1, 4);
        // The test kit names the client listener EXTERNAL; the broker also talks to itself on it, as user "broker".
        kafka.brokerProperties(Map.of(
                "listener.security.protocol.map", "EXTERNAL:SASL_PLAINTEXT,CONTROLLER:PLAINTEXT",
                "sasl.enabled.mechanisms", "PLAIN",
                "sasl.mechanism.inter.broker.protocol", "PLAIN",
                "listener.name.external.plain.sasl.jaas.config", PLAIN_LOGIN
                        + " username=\"broker\" password=\"broker-secret\" user_broker=\"broker-secret\" user_"
                        + KAFKA_USER + "=\"" + KAFKA_PASSWORD + "\";",
                "group.initial.rebalance.delay.ms", "0",
                "auto.create.topics.enable", "true"));
        kafka.afterPropertiesSet();
        redisPort = Ports.freePort();
        try {
            redis = RedisServer.newRedisServer()
                    .port(redisPort)
                    .bind("127.0.0.1")
                    .setting("save \"\"")
                    .setting("appendonly no")
                    .setting("requirepass default-user-secret")
                    .setting("user " + REDIS_USER + " on >" + REDIS_PASSWORD + " ~* &* +@all")
                    .build();
            redis.start();
        } catch (IOException e) {
            kafka.destroy();
            throw new UncheckedIOException("cannot start redis-server on port " + redisPort, e);
        }
    }

    public String kafkaBootstrapServers() {
        return kafka.getBrokersAsString();
    }

    public int redisPort() {
        return redisPort;
    }

    /** The JAAS line a Kafka client logs in with, as {@code sasl.jaas.config}. */
    public static String kafkaJaasConfig(String user, String password) {
        return PLAIN_LOGIN + " username=\"" + user + "\" password=\"" + password + "\";";
    }

    /**
     * The environment variables that point a packaged gateway or worker at these servers with the right credentials:
     * Spring Boot's own properties ({@code spring.data.redis.*}, {@code spring.kafka.*}) as environment variables,
     * as an operator would set them.
     */
    public Map<String, String> environment() {
        return Map.of(
                "KAFKA_BOOTSTRAP_SERVERS", kafkaBootstrapServers(),
                "REDIS_HOST", "127.0.0.1",
                "REDIS_PORT", Integer.toString(redisPort),
                "SPRING_DATA_REDIS_USERNAME", REDIS_USER,
                "SPRING_DATA_REDIS_PASSWORD", REDIS_PASSWORD,
                "SPRING_KAFKA_SECURITY_PROTOCOL", "SASL_PLAINTEXT",
                "SPRING_KAFKA_PROPERTIES_SASL_MECHANISM", "PLAIN",
                "SPRING_KAFKA_PROPERTIES_SASL_JAAS_CONFIG", kafkaJaasConfig(KAFKA_USER, KAFKA_PASSWORD));
    }

    @Override
    public void close() {
        try {
            redis.stop();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            kafka.destroy();
        }
    }
}
