package dev.inferq.gateway.auth;

import dev.inferq.common.job.JobNames;
import dev.inferq.common.job.Sha256;
import dev.inferq.gateway.problems.ApiException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.Base64;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.data.redis.connection.ReactiveRedisConnectionFactory;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

/**
 * The API keys and the tenants they belong to: those configured at start ({@code inferq.auth.api-keys}), held in
 * memory, and those created at run time through {@code /v1/admin/keys}, held in Redis ({@link JobNames#apiKeysKey()}),
 * so that every gateway replica knows them.
 *
 * <p>Only the SHA-256 of a key is kept. The keys this store makes are 256 random bits, so no table or search finds
 * one from its hash, however fast the hash; a slow password hash (bcrypt, ~50-100 ms of CPU by design) would add
 * that cost to every request, and being salted could not serve as the lookup key. Every request looks its key up in
 * Redis again (one {@code HGET}): a revoked key fails on the very next request on every replica.
 */
@Component
public class ApiKeyStore {

    private static final Logger log = LoggerFactory.getLogger(ApiKeyStore.class);
    private static final String CONFIGURED = "config";
    private static final String CREATED = "admin";

    private final ReactiveStringRedisTemplate redis;
    private final JsonMapper json;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();
    private final Map<String, Caller> configured = new LinkedHashMap<>();
    private final byte[] adminHash;

    public ApiKeyStore(ReactiveRedisConnectionFactory connections, JsonMapper json, Clock clock,
            AuthProperties properties) {
        this.redis = new ReactiveStringRedisTemplate(connections);
        this.json = json;
        this.clock = clock;
        Map<String, Integer> perTenant = new LinkedHashMap<>();
        properties.tenantsByKey().forEach((key, tenant) -> {
            int n = perTenant.merge(tenant, 1, Integer::sum);
            configured.put(hash(key), new Caller(tenant, CONFIGURED + "-" + tenant + "-" + n));
        });
        this.adminHash = properties.adminKey().isEmpty() ? null : Sha256.of(properties.adminKey());
        log.info("Authentication {}: {} configured API keys for tenants {}, admin key {}",
                properties.mode().name().toLowerCase(Locale.ROOT), configured.size(), perTenant.keySet(),
                adminHash == null ? "not set (admin routes answer 401)" : "set");
    }

    /** A key the store made: the key itself is in this answer only. */
    public record IssuedKey(String id, String tenant, Instant createdAt, String key) {
    }

    /** What the admin routes show of a key: never the key or its hash. */
    public record KeyInfo(String id, String tenant, Instant createdAt, String source) {
    }

    /** What Redis holds per key, under the key's hash. */
    record StoredKey(String id, String tenant, Instant createdAt) {
    }

    /** The caller {@code key} belongs to; empty when it is no key of ours (or was revoked). */
    public Mono<Caller> find(String key) {
        byte[] digest = Sha256.of(key);
        if (adminHash != null && MessageDigest.isEqual(digest, adminHash)) {
            return Mono.just(Caller.administrator());
        }
        String hash = HexFormat.of().formatHex(digest);
        Caller known = configured.get(hash);
        if (known != null) {
            return Mono.just(known);
        }
        return redis.<String, String>opsForHash().get(JobNames.apiKeysKey(), hash)
                .map(value -> json.readValue(value, StoredKey.class))
                .map(stored -> new Caller(stored.tenant(), stored.id()));
    }

    /** A new random key for {@code tenant}. */
    public Mono<IssuedKey> create(String tenant) {
        if (tenant == null || !AuthProperties.TENANT.matcher(tenant).matches()) {
            return Mono.error(ApiException.invalidField("tenant", "must be 1 to 64 letters, digits, '.', '_' or '-',"
                    + " starting with a letter or digit"));
        }
        String key = "iq_" + randomText(32);
        StoredKey stored = new StoredKey("key_" + randomText(9), tenant, clock.instant());
        return redis.<String, String>opsForHash()
                .putIfAbsent(JobNames.apiKeysKey(), hash(key), json.writeValueAsString(stored))
                .flatMap(put -> put ? Mono.just(new IssuedKey(stored.id(), tenant, stored.createdAt(), key))
                        : Mono.error(new IllegalStateException("a fresh random key collided with a stored one")))
                .doOnNext(issued -> log.info("API key {} created for tenant '{}'", issued.id(), tenant));
    }

    /** Every key, configured ones first, then the created ones oldest first. */
    public Flux<KeyInfo> list() {
        List<KeyInfo> fixed = configured.values().stream()
                .map(caller -> new KeyInfo(caller.keyId(), caller.tenant(), null, CONFIGURED)).toList();
        return Flux.fromIterable(fixed).concatWith(stored()
                .map(stored -> new KeyInfo(stored.getValue().id(), stored.getValue().tenant(),
                        stored.getValue().createdAt(), CREATED))
                .collectSortedList(Comparator.comparing(KeyInfo::createdAt).thenComparing(KeyInfo::id))
                .flatMapIterable(keys -> keys));
    }

    /**
     * Revokes the created key {@code id}: the next request with it is a 401, on every replica. A configured key is a
     * 409 (it comes back with the next start), an unknown id a 404.
     */
    public Mono<Void> revoke(String id) {
        boolean isConfigured = configured.values().stream().anyMatch(caller -> caller.keyId().equals(id));
        if (isConfigured) {
            return Mono.error(ApiException.conflict("key '" + id + "' is configured (INFERQ_API_KEYS,"
                    + " inferq.auth.api-keys); remove it there and restart the gateways"));
        }
        return stored().filter(stored -> stored.getValue().id().equals(id)).next()
                .switchIfEmpty(Mono.error(() -> new ApiException(HttpStatus.NOT_FOUND, "Key not found",
                        "API key '" + id + "' does not exist or was revoked")))
                .flatMap(stored -> redis.opsForHash().remove(JobNames.apiKeysKey(), stored.getKey()))
                .doOnNext(removed -> log.info("API key {} revoked", id))
                .then();
    }

    private Flux<Map.Entry<String, StoredKey>> stored() {
        return redis.<String, String>opsForHash().entries(JobNames.apiKeysKey())
                .map(entry -> Map.entry(entry.getKey(), json.readValue(entry.getValue(), StoredKey.class)));
    }

    private String randomText(int bytes) {
        byte[] value = new byte[bytes];
        random.nextBytes(value);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(value);
    }

    static String hash(String key) {
        return HexFormat.of().formatHex(Sha256.of(key));
    }
}
