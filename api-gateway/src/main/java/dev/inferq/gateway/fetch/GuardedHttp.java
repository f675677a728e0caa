package dev.inferq.gateway.fetch;

import io.netty.channel.ChannelOption;
import java.net.URI;
import java.time.Duration;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

/**
 * Outbound HTTP to addresses a client named (image URLs, webhook callbacks), guarded against server-side request
 * forgery the same way for every use: the URL is checked before anything is sent ({@link ImageUrl}), and every
 * connection, after DNS resolution and for every hop, passes the {@link AddressGuard} of an {@link AddressPolicy}.
 */
public final class GuardedHttp {

    private GuardedHttp() {
    }

    /**
     * A client that opens a fresh connection per request (no socket to an arbitrary host outlives its exchange),
     * follows no redirects and retries nothing; every connection passes {@code policy}'s guard.
     */
    public static HttpClient client(AddressPolicy policy, Duration connectTimeout) {
        return HttpClient.create(ConnectionProvider.newConnection())
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, Math.toIntExact(connectTimeout.toMillis()))
                .followRedirect(false)
                .disableRetry(true)
                .doOnChannelInit((observer, channel, remote) ->
                        channel.pipeline().addFirst(AddressGuard.NAME, new AddressGuard(policy, remote)));
    }

    /**
     * {@code url} checked as an http(s) URL without credentials whose IP literal, if it has one, {@code policy}
     * allows; names are checked on connection.
     *
     * @throws IllegalArgumentException with a sentence that completes "... was refused: "
     */
    public static URI check(String url, AddressPolicy policy) {
        try {
            return ImageUrl.check(url, policy).uri();
        } catch (ImageUrl.RefusedException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    /** True when {@code error} (or a cause) is a connection the address guard refused. */
    public static boolean isRefusedAddress(Throwable error) {
        for (Throwable cause = error; cause != null; cause = cause.getCause() == cause ? null : cause.getCause()) {
            if (cause instanceof AddressGuard.AddressRefusedException) {
                return true;
            }
        }
        return false;
    }
}
