package dev.inferq.gateway.auth;

import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Cross-origin access ({@code inferq.cors.*}). Browsers on other origins may call the API only from the origins
 * listed; empty (the default) allows none, and the console, served by the gateway itself, needs none.
 *
 * @param allowedOrigins origins such as {@code https://app.example.org} (env {@code INFERQ_CORS_ALLOWED_ORIGINS},
 *     comma-separated); patterns such as {@code https://*.example.org} are taken too
 * @param maxAge how long a browser may reuse a preflight's answer, in seconds
 */
@ConfigurationProperties("inferq.cors")
public record CorsProperties(@DefaultValue List<String> allowedOrigins, @DefaultValue("3600") long maxAge) {

    public CorsProperties {
        allowedOrigins = allowedOrigins == null ? List.of() : List.copyOf(allowedOrigins);
        if (allowedOrigins.contains("*")) {
            throw new IllegalArgumentException("inferq.cors.allowed-origins may not be '*': list the origins that may"
                    + " call the API with their keys");
        }
        if (maxAge < 0) {
            throw new IllegalArgumentException("inferq.cors.max-age must not be negative, was " + maxAge);
        }
    }
}
