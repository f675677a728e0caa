package dev.inferq.gateway.fetch;

import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Bounds of image downloads by URL ({@code inferq.gateway.url-fetch.*}). How large a downloaded image may be, in bytes
 * and in pixels, is the {@link dev.inferq.common.image.ImagePolicy}'s business, as for every other route.
 *
 * @param allowlist hosts (exact names, case-insensitive), IP addresses and CIDR blocks that image URLs may reach
 *        although their addresses are loopback, private or otherwise local; empty by default. Environment variable
 *        {@code IMAGE_URL_ALLOWLIST}, comma-separated, e.g. {@code 127.0.0.1} for demos and tests
 * @param connectTimeout longest wait for the TCP connection of one hop
 * @param readTimeout longest time one download may take in all, redirects included
 * @param maxRedirects redirects followed, each one checked again; one more is refused
 */
@ConfigurationProperties("inferq.gateway.url-fetch")
public record UrlFetchProperties(
        @DefaultValue List<String> allowlist,
        @DefaultValue("5s") Duration connectTimeout,
        @DefaultValue("10s") Duration readTimeout,
        @DefaultValue("3") int maxRedirects) {

    public UrlFetchProperties {
        allowlist = allowlist == null ? List.of() : List.copyOf(allowlist);
        require(connectTimeout != null && connectTimeout.toMillis() > 0 && connectTimeout.toMillis() <= Integer.MAX_VALUE,
                "connect-timeout must be positive, not " + connectTimeout);
        require(readTimeout != null && readTimeout.toMillis() > 0, "read-timeout must be positive, not " + readTimeout);
        require(maxRedirects >= 0, "max-redirects must not be negative, not " + maxRedirects);
    }

    /** The defaults: nothing allowlisted, 5s to connect, 10s in all, 3 redirects. */
    public static UrlFetchProperties defaults() {
        return new UrlFetchProperties(List.of(), Duration.ofSeconds(5), Duration.ofSeconds(10), 3);
    }

    /** These settings with another allowlist. */
    public UrlFetchProperties withAllowlist(List<String> entries) {
        return new UrlFetchProperties(entries, connectTimeout, readTimeout, maxRedirects);
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException("inferq.gateway.url-fetch." + message);
        }
    }
}
