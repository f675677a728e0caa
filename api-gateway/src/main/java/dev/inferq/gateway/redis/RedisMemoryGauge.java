package dev.inferq.gateway.redis;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.data.redis.connection.ReactiveRedisConnectionFactory;
import org.springframework.stereotype.Component;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Redis's memory use, read from {@code INFO memory} every {@code inferq.gateway.redis-memory.interval} (15 s) and
 * exported as {@value #USED} and {@value #MAX} (bytes; max is 0 when Redis has no cap) and {@value #RATIO}
 * (used / max; NaN without a cap or before the first read), so that an alert fires well before Redis, at its cap,
 * refuses new jobs (deploy/prometheus/alerts.yml). Read by every gateway: Redis is one, so any of them tells.
 */
@Component
public class RedisMemoryGauge implements SmartLifecycle {

    static final String USED = "inferq.redis.memory.used";
    static final String MAX = "inferq.redis.memory.max";
    static final String RATIO = "inferq.redis.memory.used.ratio";

    private static final Logger log = LoggerFactory.getLogger(RedisMemoryGauge.class);

    private final ReactiveRedisConnectionFactory connections;
    private final Duration interval;
    private final AtomicReference<Memory> last = new AtomicReference<>(new Memory(Double.NaN, Double.NaN));
    private volatile Disposable loop;

    RedisMemoryGauge(ReactiveRedisConnectionFactory connections, MeterRegistry registry,
            RedisMemoryProperties properties) {
        this.connections = connections;
        this.interval = properties.interval();
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
    public void start() {
        loop = Flux.interval(Duration.ZERO, interval)
                .onBackpressureDrop()
                .concatMap(tick -> read().doOnNext(last::set).onErrorResume(e -> {
                    log.debug("Could not read Redis's memory use: {}", e.toString());
                    return Mono.empty();
                }))
                .subscribe();
    }

    @Override
    public void stop() {
        Disposable running = loop;
        if (running != null) {
            running.dispose();
        }
    }

    @Override
    public boolean isRunning() {
        Disposable running = loop;
        return running != null && !running.isDisposed();
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
