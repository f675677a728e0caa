package dev.inferq.gateway.limits;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.boot.context.properties.bind.Name;
import org.springframework.util.unit.DataSize;

/**
 * What one client, or one tenant, may hold of the gateway at once ({@code inferq.gateway.limits.*}). Every limit is on
 * by default; a refusal names the setting that refused it (the problem body's {@code setting}). The sizes of request
 * bodies are not settings of their own: they follow from the input limits ({@link BodyLimits}).
 *
 * @param connections the limits of client connections
 * @param json limits of the JSON parser beyond a body's size
 * @param multipart limits of multipart uploads beyond their size
 * @param otherBodyMaxBytes the largest body of a route that takes no job input (admin keys, cancel, GETs)
 * @param bufferedBodyBytes most bytes of request bodies over {@code other-body-max-bytes} held at once (each is read
 *        whole before it is checked); 0: an eighth of the heap
 * @param streams event streams ({@code /v1/jobs/{id}/events}) open on this gateway
 * @param downloads image downloads by URL running on this gateway
 * @param webhooks webhook deliveries running on this gateway
 * @param tenantInputBytes most bytes of job inputs (images) one tenant may hold in Redis at once
 */
@ConfigurationProperties("inferq.gateway.limits")
public record LimitsProperties(
        @DefaultValue Connections connections,
        @DefaultValue Json json,
        @DefaultValue Multipart multipart,
        @DefaultValue("64KB") DataSize otherBodyMaxBytes,
        @DefaultValue("0") DataSize bufferedBodyBytes,
        @DefaultValue Streams streams,
        @DefaultValue Downloads downloads,
        @DefaultValue Webhooks webhooks,
        @DefaultValue("256MB") DataSize tenantInputBytes) {

    public static final String PREFIX = "inferq.gateway.limits.";

    public LimitsProperties {
        require(otherBodyMaxBytes.toBytes() > 0, "other-body-max-bytes must be positive");
        require(bufferedBodyBytes.toBytes() >= 0, "buffered-body-bytes must not be negative");
        require(tenantInputBytes.toBytes() > 0, "tenant-input-bytes must be positive");
    }

    /**
     * @param idleTimeout how long a connection may wait for its next request; clients' pools must close theirs first
     * @param headerTimeout how long a request's line and headers may take to arrive, from their first byte
     * @param bodyReadTimeout longest pause between two reads of a request body
     * @param bodyTimeout longest time a whole request body may take to arrive
     * @param maxOpen most client connections open at once; one more is answered 503 and closed
     */
    public record Connections(
            @DefaultValue("60s") Duration idleTimeout,
            @DefaultValue("10s") Duration headerTimeout,
            @DefaultValue("10s") Duration bodyReadTimeout,
            @DefaultValue("60s") Duration bodyTimeout,
            @DefaultValue("8192") int maxOpen) {

        public Connections {
            require(positive(idleTimeout) && positive(headerTimeout) && positive(bodyReadTimeout)
                    && positive(bodyTimeout), "connections timeouts must be positive");
            require(maxOpen > 0, "connections.max-open must be positive");
        }
    }

    /**
     * @param maxNestingDepth deepest nesting of arrays and objects in a JSON body
     * @param maxTokens most JSON tokens (values, field names, brackets) in one body, beyond those 64 texts need
     */
    public record Json(@DefaultValue("16") int maxNestingDepth, @DefaultValue("1024") int maxTokens) {

        public Json {
            require(maxNestingDepth > 0 && maxTokens > 0, "json limits must be positive");
        }
    }

    /**
     * @param maxParts most parts of one multipart body (the upload takes one, {@code file})
     * @param maxHeaderBytes largest header block of one part
     */
    public record Multipart(@DefaultValue("4") int maxParts, @DefaultValue("8KB") DataSize maxHeaderBytes) {

        public Multipart {
            require(maxParts > 0 && maxHeaderBytes.toBytes() > 0, "multipart limits must be positive");
        }
    }

    /**
     * @param total streams open on this gateway, all tenants together (each polls Redis while its job waits)
     * @param perTenant streams open on this gateway for one tenant
     */
    public record Streams(@DefaultValue("2000") int total, @DefaultValue("50") int perTenant) {

        public Streams {
            require(total > 0 && perTenant > 0, "streams limits must be positive");
            require(perTenant <= total, "streams.per-tenant must not exceed streams.total");
        }
    }

    /**
     * @param total downloads running on this gateway (each buffers up to {@code inferq.image.max-bytes})
     * @param perTenant downloads running on this gateway for one tenant
     * @param waitTime longest a download beyond either cap waits for a place, in order of arrival, before it is
     *        refused; it holds its request meanwhile, no image; 0: refused at once
     * @param queuedTotal downloads that may wait for a place at once on this gateway; one more is refused at once. A
     *        waiter holds only its small request: under the seed's load test with the response cache on (about 60
     *        image requests a second from one tenant) as many waiters as places refused 8% of them
     * @param queuedPerTenant downloads of one tenant that may wait for a place at once; one more is refused at once
     */
    public record Downloads(@DefaultValue("16") int total, @DefaultValue("4") int perTenant,
            // bound as "wait": a record component may not be named after Object.wait()
            @Name("wait") @DefaultValue("2s") Duration waitTime,
            @DefaultValue("256") int queuedTotal, @DefaultValue("64") int queuedPerTenant) {

        public Downloads {
            require(total > 0 && perTenant > 0, "downloads limits must be positive");
            require(perTenant <= total, "downloads.per-tenant must not exceed downloads.total");
            require(waitTime != null && !waitTime.isNegative(), "downloads.wait must not be negative");
            require(queuedTotal >= 0 && queuedPerTenant >= 0 && queuedPerTenant <= queuedTotal,
                    "downloads.queued-per-tenant and downloads.queued-total must not be negative, nor the first "
                            + "exceed the second");
        }
    }

    /**
     * @param total deliveries in flight on this gateway
     * @param perTenant deliveries in flight for one tenant's jobs
     * @param perHost deliveries in flight to one receiving host
     */
    public record Webhooks(@DefaultValue("64") int total, @DefaultValue("8") int perTenant,
            @DefaultValue("4") int perHost) {

        public Webhooks {
            require(total > 0 && perTenant > 0 && perHost > 0, "webhooks limits must be positive");
        }
    }

    /** {@code buffered-body-bytes} in bytes, its default resolved against this JVM's heap. */
    public long bufferedBodyBudget() {
        long configured = bufferedBodyBytes.toBytes();
        return configured > 0 ? configured : Runtime.getRuntime().maxMemory() / 8;
    }

    private static boolean positive(Duration duration) {
        return duration != null && !duration.isNegative() && !duration.isZero();
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(PREFIX + message);
        }
    }
}
