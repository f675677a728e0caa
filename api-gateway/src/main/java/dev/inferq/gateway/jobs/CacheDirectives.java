package dev.inferq.gateway.jobs;

import java.util.Locale;

/**
 * What a submit's {@code Cache-Control} request header (RFC 9111, section 5.2.1) asks of the response cache:
 * {@code no-cache} (do not answer from a stored response), {@code no-store} (keep nothing of this request) and
 * {@code max-age=0} (no stored response is fresh enough) each make the job bypass it: it is computed, and it neither
 * reads, shares nor writes a cache entry. Directive names are case-insensitive; other directives are ignored.
 */
public final class CacheDirectives {

    public static final String HEADER = "Cache-Control";

    private CacheDirectives() {
    }

    /** Whether {@code cacheControl} (the header's value, several lines joined by commas; null: none) bypasses. */
    public static boolean bypassesCache(String cacheControl) {
        if (cacheControl == null) {
            return false;
        }
        for (String directive : cacheControl.split(",")) {
            String[] parts = directive.split("=", 2);
            String name = parts[0].strip().toLowerCase(Locale.ROOT);
            String value = parts.length == 2 ? parts[1].strip().replace("\"", "") : null;
            if (name.equals("no-cache") || name.equals("no-store") || name.equals("max-age") && "0".equals(value)) {
                return true;
            }
        }
        return false;
    }
}
