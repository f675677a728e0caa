package dev.inferq.gateway.redis;

import dev.inferq.common.lifecycle.PeriodicTask;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicReference;
import org.springframework.data.redis.connection.ReactiveRedisConnectionFactory;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;

/**
 * Redis's memory use, read from {@code INFO memory} every {@code inferq.gateway.redis-memory.interval} (15 s) and
 * exported as {@value #USED} and {@value #MAX} (bytes; max is 0 when Redis has no cap) and {@value #RATIO}
 * (used / max; NaN without a cap or before the first read), so that an alert fires well before Redis, at its cap,
 * refuses new jobs (deploy/prometheus/alerts.yml). Read by every gateway: Redis is one, so any of them tells.
 */
@Component
public class RedisMemoryGauge extends PeriodicTask {

    static final String USED = "inferq.redis.memory.used";
    static final String MAX = "inferq.redis.memory.max";
    static final String RATIO = "inferq.redis.memory.used.ratio";

    private final ReactiveRedisConnectionFactory connections;
    private final AtomicReference<Memory> last = new AtomicReference<>(new Memory(Double.NaN, Double.NaN));

    RedisMemoryGauge(ReactiveRedisConnectionFactory connections, MeterRegistry registry,
            RedisMemoryProperties properties) {
        super(Duration.ZERO, properties.interval(), "Reading Redis's memory use");
        this.connections = connections;
        Gauge.builder(USED, last, memory -> memory.get().used()).baseUnit("bytes")
                .description("memory Redis uses (INFO memory used_memory)").register(registry);
        Gauge.builder(MAX, last, memory -> memory.get().max()).baseUnit("bytes")
                .description("Redis's memory cap (maxmemory; 0: none)").register(registry);
        Gauge.builder(RATIO, last, memory -> memory.get().ratio())
                .description("used / maxmemory of Redis; at 1 Redis refuses new jobs (noeviction)").register(registry);
    }

    /** One read of {@code INFO memory}. */
    Mono<Memory> read() {
        return Mono.usingWhen(Mono.fromSupplier(connections::getReactiveConnection),
                connection -> connection.serverCommands().info("memory").map(Memory::of),
                connection -> connection.closeLater());
    }

    @Override
    protected Mono<Void> round() {
        return read().doOnNext(last::set).then();
    }

    /** Redis's memory figures: bytes used, and the cap (0: none). */
    record Memory(double used, double max) {

        static Memory of(Properties info) {
            return new Memory(number(info, "used_memory"), number(info, "maxmemory"));
        }

        double ratio() {
            return max > 0 ? used / max : Double.NaN;
        }

        private static double number(Properties info, String name) {
            String value = info.getProperty(name);
            return value == null ? Double.NaN : Double.parseDouble(value.trim());
        }
    }
}
