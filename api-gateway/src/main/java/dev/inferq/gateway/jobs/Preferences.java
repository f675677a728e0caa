package dev.inferq.gateway.jobs;

import java.time.Duration;
import java.util.Locale;
import java.util.Optional;

/**
 * The preferences of a request's {@code Prefer} header (RFC 7240) that the gateway honours: {@code respond-async}
 * (answer 202 at once) and {@code wait=N} (wait up to N seconds for the job to finish). Unknown or malformed
 * preferences are ignored, as the RFC asks.
 */
public record Preferences(boolean respondAsync, Optional<Duration> waitFor) {

    public static final String HEADER = "Prefer";
    public static final String APPLIED = "Preference-Applied";
    public static final String RESPOND_ASYNC = "respond-async";

    private static final Preferences NONE = new Preferences(false, Optional.empty());

    public static Preferences parse(String header) {
        if (header == null || header.isBlank()) {
            return NONE;
        }
        boolean async = false;
        Optional<Duration> wait = Optional.empty();
        for (String preference : header.split(",")) {
            String token = preference.split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
            if (token.equals(RESPOND_ASYNC)) {
                async = true;
            } else if (token.startsWith("wait=")) {
                try {
                    long seconds = Long.parseLong(token.substring("wait=".length()).strip());
                    if (seconds >= 0) {
                        wait = Optional.of(Duration.ofSeconds(seconds));
                    }
                } catch (NumberFormatException e) {
                    // RFC 7240: a preference that cannot be understood is ignored.
                }
            }
        }
        return new Preferences(async, wait);
    }
}
