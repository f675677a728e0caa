package dev.inferq.gateway.health;

import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.DescribeClusterResult;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.stereotype.Component;

/**
 * {@code kafka} in the health endpoint and the readiness group: UP while the cluster describes itself (its id and
 * number of brokers) within {@link KafkaHealthProperties#timeout()}, DOWN otherwise. Spring Boot has no Kafka health
 * indicator of its own. A result is kept for {@link KafkaHealthProperties#cacheFor()}.
 */
@Component
public class KafkaHealthIndicator implements HealthIndicator {

    private final Admin admin;
    private final KafkaHealthProperties properties;
    private Health last;
    private long lastAt;

    public KafkaHealthIndicator(Admin admin, KafkaHealthProperties properties) {
        this.admin = admin;
        this.properties = properties;
    }

    @Override
    public synchronized Health health() {
        long now = System.nanoTime();
        if (last == null || now - lastAt >= properties.cacheFor().toNanos()) {
            last = check();
            lastAt = System.nanoTime();
        }
        return last;
    }

    private Health check() {
        long timeoutMs = properties.timeout().toMillis();
        try {
            DescribeClusterResult cluster = admin.describeCluster(
                    new DescribeClusterOptions().timeoutMs(Math.toIntExact(timeoutMs)));
            return Health.up()
                    .withDetail("clusterId", cluster.clusterId().get(timeoutMs, TimeUnit.MILLISECONDS))
                    .withDetail("brokers", cluster.nodes().get(timeoutMs, TimeUnit.MILLISECONDS).size())
                    .build();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Health.down(e).build();
        } catch (Exception e) {
            return Health.down(e).build();
        }
    }
}
