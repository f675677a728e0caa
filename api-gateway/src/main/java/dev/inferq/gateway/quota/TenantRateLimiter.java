package dev.inferq.gateway.quota;

import dev.inferq.common.job.JobNames;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.distributed.proxy.AsyncProxyManager;
import io.github.bucket4j.redis.lettuce.Bucket4jLettuce;
import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Each tenant's token bucket, kept in Redis by Bucket4j so that every gateway replica takes from the same one. Bucket4j
 * updates a bucket by compare-and-swap (read the state, write it back by script only if unchanged, retry otherwise)
 * over a Lettuce connection; its asynchronous proxy manager answers with futures that Lettuce completes, so no
 * event-loop thread waits on Redis. The clock that refills buckets is each gateway's own: replicas are assumed to
 * keep their clocks in step (NTP), as the job records' timestamps already do.
 *
 * <p>The connection is a second one of the gateway's own Lettuce client ({@code spring.data.redis.*}: the same
 * server, credentials and TLS), made on first use, off the event loop, so that a gateway without rate limits never
 * opens it and one that starts while Redis is away still starts; a failed attempt is retried by the next submit.
 * Buckets expire from Redis {@value #IDLE_SECONDS} s after they would have been full again: a full bucket and no
 * bucket are the same.
 */
@Component
public class TenantRateLimiter implements DisposableBean {

    private static final long IDLE_SECONDS = 10;
    private static final Duration FOREVER = Duration.ofMillis(Long.MAX_VALUE);

    private final LettuceConnectionFactory redis;
    private final Mono<AsyncProxyManager<String>> buckets;
    private StatefulConnection<String, byte[]> connection;

    public TenantRateLimiter(LettuceConnectionFactory redis) {
        this.redis = redis;
        this.buckets = Mono.fromCallable(this::connect)
                .subscribeOn(Schedulers.boundedElastic())
                .cache(manager -> FOREVER, error -> Duration.ZERO, () -> Duration.ZERO);
    }

    /** Takes one token from {@code tenant}'s bucket under {@code quota}; the probe says whether there was one. */
    public Mono<ConsumptionProbe> tryTake(String tenant, TenantQuota quota) {
        String key = JobNames.tenantRateKey(tenant, quota.bucketName());
        return buckets.flatMap(manager -> Mono.fromFuture(() -> manager.builder()
                .build(key, () -> CompletableFuture.completedFuture(quota.bucket()))
                .tryConsumeAndReturnRemaining(1)));
    }

    private synchronized AsyncProxyManager<String> connect() {
        AbstractRedisClient client = redis.getRequiredNativeClient();
        RedisCodec<String, byte[]> codec = RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE);
        ExpirationAfterWriteStrategy expiry = ExpirationAfterWriteStrategy
                .basedOnTimeForRefillingBucketUpToMax(Duration.ofSeconds(IDLE_SECONDS));
        if (client instanceof RedisClient standalone) {
            StatefulRedisConnection<String, byte[]> standaloneConnection = standalone.connect(codec);
            connection = standaloneConnection;
            return Bucket4jLettuce.casBasedBuilder(standaloneConnection).expirationAfterWrite(expiry).build().asAsync();
        }
        if (client instanceof RedisClusterClient cluster) {
            StatefulRedisClusterConnection<String, byte[]> clusterConnection = cluster.connect(codec);
            connection = clusterConnection;
            return Bucket4jLettuce.casBasedBuilder(clusterConnection).expirationAfterWrite(expiry).build().asAsync();
        }
        throw new IllegalStateException("per-tenant rate limits need a standalone or cluster Lettuce client, but"
                + " spring.data.redis made a " + client.getClass().getName());
    }

    @Override
    public synchronized void destroy() {
        if (connection != null) {
            connection.close();
        }
    }
}
