package dev.inferq.common.model.versions;

import dev.inferq.common.job.JobNames;
import dev.inferq.contract.JobCodec;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.springframework.data.redis.connection.ReactiveRedisConnectionFactory;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;
import reactor.core.publisher.Mono;

/**
 * The one place the versions of every model live: a {@link ModelVersions} document per model in Redis, under
 * {@link JobNames#modelVersionsKey}, without a time to live (it is configuration, not a job). Gateways route by it and
 * workers load and unload versions by it, each re-reading it every {@code inferq.versions.refresh}.
 *
 * <p>Changes are compare-and-set: a change is worked out on the document read, and written only if the document is
 * still the one read, else worked out again on the newer one, so two administrators' concurrent changes cannot undo
 * each other.
 */
public class ModelVersionStore {

    /** Writes ARGV[2] where the key still holds ARGV[1] (the empty string: where it holds nothing). */
    private static final RedisScript<Long> COMPARE_AND_SET = RedisScript.of("""
            local current = redis.call('GET', KEYS[1])
            if (current == false and ARGV[1] == '') or current == ARGV[1] then
              redis.call('SET', KEYS[1], ARGV[2])
              return 1
            end
            return 0""", Long.class);
    private static final int ATTEMPTS = 10;

    private final ReactiveStringRedisTemplate redis;

    public ModelVersionStore(ReactiveRedisConnectionFactory connectionFactory) {
        this.redis = new ReactiveStringRedisTemplate(connectionFactory);
    }

    /** The versions of {@code model}; the {@link ModelVersions#initial} ones where none were ever written. */
    public Mono<ModelVersions> read(String model) {
        return redis.opsForValue().get(JobNames.modelVersionsKey(model)).map(ModelVersionStore::decode)
                .defaultIfEmpty(ModelVersions.initial(model));
    }

    /** The versions of each of {@code models}, read with one MGET, by model in the order given. */
    public Mono<Map<String, ModelVersions>> readAll(Collection<String> models) {
        List<String> names = List.copyOf(models);
        if (names.isEmpty()) {
            return Mono.just(Map.of());
        }
        return redis.opsForValue().multiGet(names.stream().map(JobNames::modelVersionsKey).toList())
                .map(values -> {
                    Map<String, ModelVersions> all = new LinkedHashMap<>();
                    for (int i = 0; i < names.size(); i++) {
                        String json = values.get(i);
                        all.put(names.get(i), json == null || json.isEmpty() ? ModelVersions.initial(names.get(i))
                                : decode(json));
                    }
                    return all;
                });
    }

    /**
     * Applies {@code change} to the current versions of {@code model} and stores the result, unless another change
     * came in between (then again, on that one's result); answers what was stored. A {@link VersionChangeException}
     * from {@code change} is passed on and nothing is stored.
     */
    public Mono<ModelVersions> update(String model, UnaryOperator<ModelVersions> change) {
        return attempt(model, change, ATTEMPTS);
    }

    private Mono<ModelVersions> attempt(String model, UnaryOperator<ModelVersions> change, int left) {
        String key = JobNames.modelVersionsKey(model);
        return redis.opsForValue().get(key).defaultIfEmpty("").flatMap(current -> {
            ModelVersions next = change.apply(current.isEmpty() ? ModelVersions.initial(model) : decode(current));
            return redis.execute(COMPARE_AND_SET, List.of(key), List.of(current, JobCodec.encode(next))).next()
                    .flatMap(stored -> {
                        if (stored == 1L) {
                            return Mono.just(next);
                        }
                        return left > 1 ? attempt(model, change, left - 1) : Mono.error(new VersionChangeException(
                                VersionChangeException.Kind.CONFLICT, "the versions of model '" + model
                                        + "' kept changing under this change; retry"));
                    });
        });
    }

    private static ModelVersions decode(String json) {
        return JobCodec.decode(json, ModelVersions.class);
    }
}
