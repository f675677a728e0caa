package dev.inferq.gateway.auth;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Who may call the gateway ({@code inferq.auth.*}).
 *
 * @param mode {@code required} (env {@code INFERQ_AUTH_MODE}): every API route needs {@code Authorization: Bearer
 *     <key>}; {@code open}: a request without a key is tenant {@code default} (a key that is sent is still checked and
 *     its tenant used)
 * @param apiKeys {@code tenant:key} pairs (env {@code INFERQ_API_KEYS}, comma-separated), held in memory beside the
 *     keys created at run time; the key is everything after the first {@code :}
 * @param adminKey the key of {@code /v1/admin/**} (env {@code INFERQ_ADMIN_KEY}); empty: the admin routes answer 401
 *     to everyone
 */
@ConfigurationProperties("inferq.auth")
public record AuthProperties(
        @DefaultValue("required") Mode mode,
        @DefaultValue List<String> apiKeys,
        @DefaultValue("") String adminKey) {

    /** What a tenant name may be: it becomes a metrics tag and part of Redis keys, so it is short and plain. */
    public static final Pattern TENANT = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    public enum Mode {
        REQUIRED, OPEN
    }

    public AuthProperties {
        apiKeys = apiKeys == null ? List.of() : List.copyOf(apiKeys);
        adminKey = adminKey == null ? "" : adminKey;
        configuredKeys(apiKeys, adminKey);
    }

    /** The configured keys by key, each with its tenant; refuses malformed pairs, naming the offending entry's index. */
    public Map<String, String> tenantsByKey() {
        return configuredKeys(apiKeys, adminKey);
    }

    private static Map<String, String> configuredKeys(List<String> pairs, String adminKey) {
        Map<String, String> byKey = new LinkedHashMap<>();
        for (int i = 0; i < pairs.size(); i++) {
            String pair = pairs.get(i).strip();
            int colon = pair.indexOf(':');
            // The entry is never quoted: it holds a secret.
            String where = "inferq.auth.api-keys[" + i + "] (INFERQ_API_KEYS entry " + (i + 1) + ")";
            if (colon < 0) {
                throw new IllegalArgumentException(where + " must be tenant:key");
            }
            String tenant = pair.substring(0, colon);
            String key = pair.substring(colon + 1);
            if (!TENANT.matcher(tenant).matches()) {
                throw new IllegalArgumentException(where + ": the tenant must match " + TENANT.pattern());
            }
            if (key.isEmpty()) {
                throw new IllegalArgumentException(where + ": the key is empty");
            }
            if (key.equals(adminKey)) {
                throw new IllegalArgumentException(where + ": the key is the admin key; give tenants their own");
            }
            String earlier = byKey.putIfAbsent(key, tenant);
            if (earlier != null) {
                throw new IllegalArgumentException(where + ": the same key is already given to tenant '" + earlier
                        + "'");
            }
        }
        return byKey;
    }
}
