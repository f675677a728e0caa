package dev.inferq.gateway.fetch;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;

/**
 * The last word on every connection the image fetcher opens: placed at the head of the channel pipeline, it sees
 * the address the socket is about to connect to, after DNS resolution and for every hop of a redirect chain, and
 * fails the connect when the {@link AddressPolicy} refuses that address. Because it judges the address actually
 * dialled, it holds for IP literals (which Reactor Netty never hands to the resolver), for names that resolve to
 * local addresses, and against DNS rebinding (a second lookup that answers differently from the first).
 */
final class AddressGuard extends ChannelOutboundHandlerAdapter {

    static final String NAME = "inferq.imageUrlAddressGuard";

    private final AddressPolicy policy;
    private final String requestedHost;

    /**
     * @param requested the address the client was asked to reach, before resolution: its host string is the host
     *        name of the URL (or its IP literal), which the allowlist may name
     */
    AddressGuard(AddressPolicy policy, SocketAddress requested) {
        this.policy = policy;
        this.requestedHost = requested instanceof InetSocketAddress inet ? inet.getHostString() : null;
    }

    @Override
    public void connect(ChannelHandlerContext ctx, SocketAddress remote, SocketAddress local, ChannelPromise promise)
            throws Exception {
        String refusal;
        if (!(remote instanceof InetSocketAddress inet) || inet.isUnresolved() || inet.getAddress() == null) {
            refusal = "the address " + remote + " of host '" + requestedHost + "' is not a resolved IP address";
        } else {
            refusal = policy.refusal(requestedHost, inet.getAddress()).orElse(null);
        }
        if (refusal != null) {
            promise.tryFailure(new AddressRefusedException(refusal));
            return;
        }
        ctx.connect(remote, local, promise);
    }

    /** A connection the address policy did not let through; its message is a sentence for the client. */
    static final class AddressRefusedException extends ConnectException {

        AddressRefusedException(String reason) {
            super(reason);
        }
    }
}
