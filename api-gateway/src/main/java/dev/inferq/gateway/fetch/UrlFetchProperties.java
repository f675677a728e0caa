package dev.inferq.gateway.fetch;

import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * Bounds of image downloads by URL ({@code inferq.gateway.url-fetch.*}).
 *
 * @param allowlist hosts (exact names, case-insensitive), IP addresses and CIDR blocks that image URLs may reach
 *        although their addresses are loopback, private or otherwise local; empty by default. Environment variable
 *        {@code IMAGE_URL_ALLOWLIST}, comma-separated, e.g. {@code 127.0.0.1} for demos and tests
 * @param maxSize largest image downloaded (larger answers 413, refused on the announced length or while reading)
 * @param connectTimeout longest wait for the TCP connection of one hop
 * @param readTimeout longest time one download may take in all, redirects included
 * @param maxRedirects redirects followed, each one checked again; one more is refused
 * @param maxPixels largest image accepted, in width times height, so that a small file cannot unpack into a huge
 *        picture (larger answers 413)
 */
@ConfigurationProperties("inferq.gateway.url-fetch")
public record UrlFetchProperties(
        @DefaultValue List<String> allowlist,
        @DefaultValue("10MB") DataSize maxSize,
        @DefaultValue("5s") Duration connectTimeout,
        @DefaultValue("10s") Duration readTimeout,
        @DefaultValue("3") int maxRedirects,
        @DefaultValue("50000000") long maxPixels) {

    public UrlFetchProperties {
        allowlist = allowlist == null ? List.of() : List.copyOf(allowlist);
        require(maxSize != null && maxSize.toBytes() > 0 && maxSize.toBytes() <= Integer.MAX_VALUE - 64,
                "max-size must be between 1B and 2GB, not " + maxSize);
        require(connectTimeout != null && connectTimeout.toMillis() > 0 && connectTimeout.toMillis() <= Integer.MAX_VALUE,
                "connect-timeout must be positive, not " + connectTimeout);
        require(readTimeout != null && readTimeout.toMillis() > 0, "read-timeout must be positive, not " + readTimeout);
        require(maxRedirects >= 0, "max-redirects must not be negative, not " + maxRedirects);
        require(maxPixels > 0, "max-pixels must be positive, not " + maxPixels);
    }

    /** The defaults: nothing allowlisted, 10MB, 5s to connect, 10s in all, 3 redirects, 50 megapixels. */
    public static UrlFetchProperties defaults() {
        return new UrlFetchProperties(List.of(), DataSize.ofMegabytes(10), Duration.ofSeconds(5),
                Duration.ofSeconds(10), 3, 50_000_000L);
    }

    /** These settings with another allowlist. */
    public UrlFetchProperties withAllowlist(List<String> entries) {
        return new UrlFetchProperties(entries, maxSize, connectTimeout, readTimeout, maxRedirects, maxPixels);
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException("inferq.gateway.url-fetch." + message);
        }
    }
}
