package dev.inferq.gateway.callbacks;

import dev.inferq.gateway.fetch.AddressPolicy;
import dev.inferq.gateway.fetch.GuardedHttp;
import dev.inferq.gateway.problems.ApiException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * The SSRF guard for webhook URLs: the same checks as image URLs (http(s) only, no credentials, no loopback, private,
 * link-local or metadata address, on the URL and again on every connection), with an allowlist of its own,
 * {@code CALLBACK_URL_ALLOWLIST}.
 */
@Component
public class CallbackUrls {

    private static final Logger log = LoggerFactory.getLogger(CallbackUrls.class);

    private final AddressPolicy policy;
    private final boolean enabled;

    public CallbackUrls(CallbackProperties properties) {
        this.policy = AddressPolicy.of(properties.allowlist());
        this.enabled = !properties.secret().isEmpty();
        if (!policy.allowlist().isEmpty()) {
            log.info("Webhook callbacks may reach these local hosts and addresses too: {}", policy.allowlist());
        }
    }

    AddressPolicy policy() {
        return policy;
    }

    /**
     * {@code url} when a callback may be sent there; null stays null. Refused with 422 when webhooks are not
     * configured or the URL fails the guard.
     */
    public String check(String url) {
        if (url == null) {
            return null;
        }
        if (!enabled) {
            throw ApiException.invalidField("callback_url", "cannot be honoured: webhooks are off on this gateway"
                    + " (no signing secret; set INFERQ_WEBHOOK_SECRET)");
        }
        try {
            return GuardedHttp.check(url, policy).toString();
        } catch (IllegalArgumentException e) {
            throw ApiException.invalidField("callback_url", "was refused: " + e.getMessage());
        }
    }
}
