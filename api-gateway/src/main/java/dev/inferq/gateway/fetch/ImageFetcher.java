package dev.inferq.gateway.fetch;

import dev.inferq.common.image.ImagePolicy;
import dev.inferq.common.image.ImageRejectedException;
import dev.inferq.gateway.fetch.AddressGuard.AddressRefusedException;
import dev.inferq.gateway.fetch.ImageUrl.RefusedException;
import dev.inferq.gateway.fetch.ImageUrl.Target;
import dev.inferq.gateway.problems.ApiException;
import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.ssl.NotSslRecordException;
import java.io.ByteArrayOutputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.netty.ByteBufFlux;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.client.HttpClientResponse;
import reactor.netty.http.client.PrematureCloseException;

/**
 * Downloads an image by URL without becoming a server-side request forgery tool. A URL must be http or https, carry
 * no credentials, and, when its host is an IP literal, name an address the {@link AddressPolicy} allows; every
 * connection, for the first request and for each redirect, is checked once more on the address actually dialled
 * ({@link AddressGuard}), so names that resolve to local addresses are refused after DNS resolution. Redirects are
 * followed here, at most {@link UrlFetchProperties#maxRedirects()}, each one checked like the first URL. The body is
 * read up to the {@link ImagePolicy}'s byte limit and must pass that policy, like an upload: an accepted format whose
 * header gives at most its pixel limit. Pixels are decoded by the worker, once.
 *
 * <p>Failures are {@link ApiException}s whose detail names the URL and the reason: 422 "Unusable image URL" for a
 * refused URL or address, one that cannot be reached, does not answer in time, answers an error status or redirects
 * too often; 413 for an image over the size or pixel limits; 415 for bytes that are not an image.
 */
@Component
public class ImageFetcher {

    private static final Logger log = LoggerFactory.getLogger(ImageFetcher.class);

    static final String TITLE = "Unusable image URL";
    private static final int MAX_URL_IN_DETAIL = 200;

    private final UrlFetchProperties properties;
    private final ImagePolicy images;
    private final AddressPolicy policy;
    private final HttpClient client;

    public ImageFetcher(UrlFetchProperties properties, ImagePolicy images) {
        this.properties = properties;
        this.images = images;
        this.policy = AddressPolicy.of(properties.allowlist());
        if (!policy.allowlist().isEmpty()) {
            log.info("Image URLs may reach these local hosts and addresses too: {}", policy.allowlist());
        }
        this.client = GuardedHttp.client(policy, properties.connectTimeout())
                .compress(false)
                .headers(headers -> headers
                        .set(HttpHeaderNames.USER_AGENT, "inferq-gateway (image fetcher)")
                        .set(HttpHeaderNames.ACCEPT, "image/*")
                        .set(HttpHeaderNames.ACCEPT_ENCODING, HttpHeaderValues.IDENTITY));
    }

    /**
     * Downloads the image at {@code imageUrl}: non-blocking, on Reactor Netty (the header check runs on the
     * bounded-elastic scheduler). Emits its bytes, exactly as served, or fails with an {@link ApiException} (422, 413
     * or 415) whose detail names the URL and the reason. Nothing is sent before the URL passes its checks.
     */
    public Mono<byte[]> fetch(String imageUrl) {
        String url = imageUrl == null ? "" : imageUrl;
        return Mono.defer(() -> hop(url, checked(url, url, null), 0))
                .timeout(properties.readTimeout(), Mono.error(() -> unusable(url, null,
                        "did not answer within " + format(properties.readTimeout()), null)))
                .flatMap(bytes -> Mono.fromCallable(() -> decodable(url, bytes))
                        .subscribeOn(Schedulers.boundedElastic()))
                .doOnError(ApiException.class, e -> log.debug("Image URL not fetched: {}", e.getMessage()));
    }

    /** The HTTP client with the address guard; package-private so that tests can prove the guard on its own. */
    HttpClient httpClient() {
        return client;
    }

    AddressPolicy policy() {
        return policy;
    }

    private Mono<byte[]> hop(String original, Target target, int redirects) {
        return client.get()
                .uri(target.requestUri())
                .response((response, body) -> read(original, target, response, body))
                .next()
                .onErrorMap(e -> !(e instanceof ApiException), e -> unreachable(original, target, e))
                .flatMap(outcome -> {
                    if (outcome instanceof Outcome.Body done) {
                        return Mono.just(done.bytes());
                    }
                    String location = ((Outcome.Redirect) outcome).location();
                    int max = properties.maxRedirects();
                    if (redirects >= max) {
                        return Mono.error(unusable(original, null, max == 0
                                ? "redirected to '" + shorten(location) + "'; redirects are not followed"
                                : "redirected more than " + max + (max == 1 ? " time" : " times")
                                        + " (the last time to '" + shorten(location) + "')", null));
                    }
                    return Mono.defer(() -> hop(original, checked(original, resolve(original, target, location),
                            target), redirects + 1));
                });
    }

    private Mono<Outcome> read(String original, Target target, HttpClientResponse response, ByteBufFlux body) {
        int status = response.status().code();
        if (isRedirect(status)) {
            String location = response.responseHeaders().get(HttpHeaderNames.LOCATION);
            if (location == null || location.isBlank()) {
                return Mono.error(unusable(original, target, "answered " + statusText(status)
                        + " without a Location header", null));
            }
            return Mono.just(new Outcome.Redirect(location.strip()));
        }
        if (status < 200 || status >= 300) {
            return Mono.error(unusable(original, target, "answered " + statusText(status), null));
        }
        long max = images.maxBytes();
        long announced = contentLength(response);
        if (announced > max) {
            return Mono.error(ApiException.tooLarge(subject(original, target) + " announces " + announced
                    + " bytes; images of at most " + max + " bytes are fetched"));
        }
        int initial = (int) Math.min(announced > 0 ? announced : 64 * 1024, max);
        return body.asByteArray()
                .reduceWith(() -> new ByteArrayOutputStream(initial), (out, chunk) -> {
                    if (out.size() + (long) chunk.length > max) {
                        throw ApiException.tooLarge(subject(original, target) + " sent more than " + max
                                + " bytes; images of at most " + max + " bytes are fetched");
                    }
                    out.write(chunk, 0, chunk.length);
                    return out;
                })
                .map(out -> (Outcome) new Outcome.Body(out.toByteArray()))
                .defaultIfEmpty(new Outcome.Body(new byte[0]));
    }

    private byte[] decodable(String url, byte[] bytes) {
        try {
            images.check(bytes);
            return bytes;
        } catch (ImageRejectedException e) {
            if (e.isTooLarge()) {
                throw ApiException.tooLarge("image URL '" + shorten(url) + "' gave an image that is too large: "
                        + e.getMessage());
            }
            throw ApiException.unsupportedMediaType("image URL '" + shorten(url) + "' is not a decodable image: "
                    + e.getMessage() + (bytes.length == 0 ? "" : " (" + bytes.length + " bytes received)"));
        }
    }

    /** Checks a URL (the first one, or where a redirect points) before anything is sent. */
    private Target checked(String original, String url, Target from) {
        try {
            return ImageUrl.check(url, policy);
        } catch (RefusedException e) {
            String what = from == null ? "image URL '" + shorten(original) + "' was refused"
                    : "image URL '" + shorten(original) + "' redirected to '" + shorten(url) + "', which was refused";
            throw new ApiException(HttpStatus.UNPROCESSABLE_CONTENT, TITLE, what + ": " + e.getMessage());
        }
    }

    private String resolve(String original, Target from, String location) {
        try {
            return from.uri().resolve(new URI(location)).toString();
        } catch (URISyntaxException | IllegalArgumentException e) {
            throw unusable(original, from, "redirected to '" + shorten(location) + "', which is not a valid URL", null);
        }
    }

    private ApiException unreachable(String original, Target target, Throwable error) {
        for (Throwable cause = error; cause != null; cause = cause.getCause() == cause ? null : cause.getCause()) {
            if (cause instanceof AddressRefusedException refused) {
                String what = target.uri().toString().equals(original.strip()) ? "image URL '" + shorten(original) + "'"
                        : "image URL '" + shorten(original) + "' redirected to '" + shorten(target.uri().toString())
                        + "', which";
                return new ApiException(HttpStatus.UNPROCESSABLE_CONTENT, TITLE,
                        what + " was refused: " + refused.getMessage(), null, error);
            }
            if (cause instanceof ConnectTimeoutException) {
                return unusable(original, target, "could not be connected to within "
                        + format(properties.connectTimeout()), error);
            }
            if (cause instanceof UnknownHostException) {
                return unusable(original, target, "names a host that could not be resolved ('" + target.host() + "')",
                        error);
            }
            if (cause instanceof ConnectException) {
                return unusable(original, target, "could not be connected to ("
                        + (String.valueOf(cause.getMessage()).toLowerCase(Locale.ROOT).contains("refused")
                                ? "connection refused" : cause.getMessage()) + ")", error);
            }
            if (cause instanceof NotSslRecordException) {
                return unusable(original, target, "failed its TLS handshake (the server does not speak TLS there)",
                        error);
            }
            if (cause instanceof SSLException) {
                return unusable(original, target, "failed its TLS handshake (" + firstLine(cause.getMessage()) + ")",
                        error);
            }
            if (cause instanceof PrematureCloseException) {
                return unusable(original, target, "closed the connection before its answer was complete", error);
            }
            if (cause instanceof TimeoutException) {
                return unusable(original, target, "did not answer within " + format(properties.readTimeout()), error);
            }
        }
        return unusable(original, target, "could not be fetched (" + error.getClass().getSimpleName()
                + (error.getMessage() == null ? "" : ": " + firstLine(error.getMessage())) + ")", error);
    }

    /** The first line of a library's message, cut to a readable length (some carry hex dumps). */
    private static String firstLine(String message) {
        if (message == null) {
            return "no reason given";
        }
        int newline = message.indexOf('\n');
        String line = newline < 0 ? message : message.substring(0, newline);
        return line.length() <= 160 ? line : line.substring(0, 160) + "...";
    }

    private static ApiException unusable(String original, Target target, String reason, Throwable cause) {
        return new ApiException(HttpStatus.UNPROCESSABLE_CONTENT, TITLE, subject(original, target) + " " + reason,
                null, cause);
    }

    /** "image URL 'a'", or "image URL 'a' (redirected to 'b')" when the failing hop is another URL. */
    private static String subject(String original, Target target) {
        String subject = "image URL '" + shorten(original) + "'";
        if (target != null && !target.uri().toString().equals(original.strip())) {
            subject += " (redirected to '" + shorten(target.uri().toString()) + "')";
        }
        return subject;
    }

    private static boolean isRedirect(int status) {
        return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
    }

    private static long contentLength(HttpClientResponse response) {
        String value = response.responseHeaders().get(HttpHeaderNames.CONTENT_LENGTH);
        if (value == null) {
            return -1;
        }
        try {
            return Long.parseLong(value.strip());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** "404 Not Found": the standard reason phrase, never the one the server sent. */
    private static String statusText(int status) {
        HttpStatus known = HttpStatus.resolve(status);
        return known == null ? Integer.toString(status) : status + " " + known.getReasonPhrase();
    }

    static String format(Duration duration) {
        long millis = duration.toMillis();
        return millis % 1000 == 0 ? (millis / 1000) + "s" : millis + "ms";
    }

    /** URLs in details are cut to a readable length; user info never reaches a detail (such URLs are refused). */
    static String shorten(String url) {
        String text = url == null ? "" : url.strip();
        int at = text.indexOf('@');
        int scheme = text.indexOf("://");
        if (at > 0 && scheme > 0 && at > scheme) {
            int pathStart = text.indexOf('/', scheme + 3);
            if (pathStart < 0 || at < pathStart) {
                text = text.substring(0, scheme + 3) + "***" + text.substring(at);
            }
        }
        return text.length() <= MAX_URL_IN_DETAIL ? text : text.substring(0, MAX_URL_IN_DETAIL) + "...";
    }

    /** What one request gave: the body, or where to go next. */
    private sealed interface Outcome {

        record Body(byte[] bytes) implements Outcome {
        }

        record Redirect(String location) implements Outcome {
        }
    }
}
