package dev.inferq.common.model.versions;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code inferq.versions.*}: how gateways and workers follow the model versions in Redis ({@link ModelVersionStore}).
 *
 * @param refresh how often each gateway and worker re-reads the versions: the longest a change made through another
 *     gateway takes to reach a gateway's routing, and a worker's loading and unloading (the gateway that takes a change
 *     routes by it at once; a worker loads a version a job names the moment it meets the job)
 */
@ConfigurationProperties("inferq.versions")
public record VersionsProperties(@DefaultValue("1s") Duration refresh) {

    public VersionsProperties {
        if (refresh.isNegative() || refresh.isZero()) {
            throw new IllegalArgumentException("inferq.versions.refresh must be positive, was " + refresh);
        }
    }
}
