package dev.inferq.gateway.callbacks;

import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Webhooks ({@code inferq.gateway.callbacks.*}): a job submitted with a {@code callback_url} is POSTed there, signed,
 * once it reaches a terminal state.
 *
 * @param secret the signing secret (env {@code INFERQ_WEBHOOK_SECRET}): {@code whsec_<base64>} as Standard Webhooks
 *     writes them, or any other text (its UTF-8 bytes); empty turns webhooks off (a {@code callback_url} is then 422)
 * @param allowlist hosts, IPs or CIDRs callbacks may reach although local or private (env
 *     {@code CALLBACK_URL_ALLOWLIST}, comma-separated); empty by default
 * @param maxAge how long after the job finished a failing delivery is still retried
 * @param initialBackoff the pause after a first failed attempt; each further pause doubles, up to {@code maxBackoff}
 * @param maxBackoff the longest pause between attempts
 * @param timeout connect plus answer time allowed for one attempt
 * @param pollInterval how often each gateway looks for due deliveries
 * @param lease how long a gateway holds a delivery it took before another may take it (it died meanwhile)
 */
@ConfigurationProperties("inferq.gateway.callbacks")
public record CallbackProperties(
        @DefaultValue("") String secret,
        @DefaultValue List<String> allowlist,
        @DefaultValue("24h") Duration maxAge,
        @DefaultValue("1s") Duration initialBackoff,
        @DefaultValue("10m") Duration maxBackoff,
        @DefaultValue("10s") Duration timeout,
        @DefaultValue("500ms") Duration pollInterval,
        @DefaultValue("60s") Duration lease) {

    public CallbackProperties {
        allowlist = allowlist == null ? List.of() : List.copyOf(allowlist);
        if (lease.compareTo(timeout) <= 0) {
            throw new IllegalArgumentException("inferq.gateway.callbacks.lease (" + lease
                    + ") must be longer than its timeout (" + timeout + ")");
        }
    }

    /** The pause before attempt {@code attempt + 1}, after {@code attempt} failed ones. */
    public Duration backoff(int attempt) {
        Duration pause = initialBackoff.multipliedBy(1L << Math.min(30, Math.max(0, attempt - 1)));
        return pause.compareTo(maxBackoff) > 0 ? maxBackoff : pause;
    }
}
