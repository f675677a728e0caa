package dev.inferq.gateway.auth;

import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Says at start, as WARN lines, what would otherwise only show as a 401 on every call: API keys are required and
 * none can ever be presented, or the published development keys (docker-compose.yml, {@code .env.example}, the
 * {@code deploy/k8s} local overlays) are in use. Each line names the settings that fix it.
 */
@Component
public class AuthStartupWarnings {

    /** The development keys that the repository publishes: fine on a laptop, never elsewhere. */
    static final String DEV_KEY = "dev-key";
    static final String DEV_ADMIN_KEY = "dev-admin-key";

    private static final Logger log = LoggerFactory.getLogger(AuthStartupWarnings.class);

    public AuthStartupWarnings(AuthProperties auth) {
        for (String warning : of(auth)) {
            log.warn(warning);
        }
    }

    /** The warnings for these settings; none when they are sound. */
    static List<String> of(AuthProperties auth) {
        List<String> warnings = new ArrayList<>();
        boolean required = auth.mode() == AuthProperties.Mode.REQUIRED;
        if (required && auth.apiKeys().isEmpty() && auth.adminKey().isEmpty()) {
            warnings.add("!!! API keys are required (INFERQ_AUTH_MODE=required) but none is configured and no admin "
                    + "key is set: every API call answers 401 (unless keys created earlier are in Redis). Set "
                    + "INFERQ_API_KEYS=tenant:key,... (inferq.auth.api-keys) and/or INFERQ_ADMIN_KEY "
                    + "(inferq.auth.admin-key, to create keys at /v1/admin/keys); with docker compose, copy "
                    + ".env.example to .env; or INFERQ_AUTH_MODE=open for a trusted local setup.");
        }
        if (auth.tenantsByKey().containsKey(DEV_KEY) || auth.adminKey().equals(DEV_ADMIN_KEY)) {
            warnings.add("!!! The published development keys (" + DEV_KEY + " / " + DEV_ADMIN_KEY + " from "
                    + "docker-compose.yml, .env.example or deploy/k8s) are configured: anyone who read the README "
                    + "can call this gateway. Set INFERQ_API_KEYS and INFERQ_ADMIN_KEY to keys of your own "
                    + "(openssl rand -base64 32) before it is reachable by anyone else.");
        }
        return warnings;
    }
}
