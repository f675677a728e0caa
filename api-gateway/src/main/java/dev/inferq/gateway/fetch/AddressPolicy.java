package dev.inferq.gateway.fetch;

import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Decides which addresses an image URL may reach: every public unicast address, and none of the loopback, private,
 * link-local, shared (CGNAT), multicast, unspecified, reserved or IPv6 local ones, unless the allowlist names the
 * host, the address or a block that holds it. IPv4 addresses written in IPv6 form (IPv4-mapped, IPv4-compatible,
 * NAT64 {@code 64:ff9b::/96}, 6to4 {@code 2002::/16}) are judged by the IPv4 address inside.
 *
 * <p>A pure function of its allowlist: it never resolves names, and parses allowlist entries without DNS.
 */
public final class AddressPolicy {

    private static final Pattern HOST_NAME = Pattern.compile(
            "(?i)[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?(?:\\.[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)*\\.?");

    private final List<String> entries;
    private final Set<String> hosts;
    private final List<Block> blocks;

    private AddressPolicy(List<String> entries, Set<String> hosts, List<Block> blocks) {
        this.entries = entries;
        this.hosts = hosts;
        this.blocks = blocks;
    }

    /** The default policy: nothing allowlisted. */
    public static AddressPolicy strict() {
        return of(List.of());
    }

    /**
     * A policy with these allowlist entries: host names ({@code localhost}), IP addresses ({@code 127.0.0.1},
     * {@code ::1}, {@code [::1]}) and CIDR blocks ({@code 10.0.0.0/8}, {@code fd00::/8}). Blank entries are ignored.
     *
     * @throws IllegalArgumentException naming the entry when one is none of these
     */
    public static AddressPolicy of(Collection<String> allowlist) {
        List<String> entries = new ArrayList<>();
        Set<String> hosts = new LinkedHashSet<>();
        List<Block> blocks = new ArrayList<>();
        for (String raw : allowlist == null ? List.<String>of() : allowlist) {
            String entry = raw == null ? "" : raw.strip();
            if (entry.isEmpty()) {
                continue;
            }
            entries.add(entry);
            Block block = Block.parse(entry);
            if (block != null) {
                blocks.add(block);
            } else if (!entry.contains("/") && ImageUrl.endsInNumber(entry)) {
                throw new IllegalArgumentException("image URL allowlist entry '" + entry
                        + "' looks like an IP address but is not one in standard form (e.g. 127.0.0.1 or ::1)");
            } else if (HOST_NAME.matcher(entry).matches()) {
                hosts.add(normalizeHost(entry));
            } else {
                throw new IllegalArgumentException("image URL allowlist entry '" + entry
                        + "' is not a host name, an IP address or a CIDR block (e.g. localhost, 127.0.0.1, 10.0.0.0/8)");
            }
        }
        return new AddressPolicy(List.copyOf(entries), Set.copyOf(hosts), List.copyOf(blocks));
    }

    /** The allowlist entries, as given (trimmed). */
    public List<String> allowlist() {
        return entries;
    }

    /**
     * Why {@code address}, reached through the host name or literal {@code host}, may not be contacted; empty when it
     * may. The reason is a sentence for the client, e.g. "host 'localhost' resolves to 127.0.0.1, a loopback address,
     * which image URLs may not reach".
     *
     * @param host the host of the URL (a name or an IP literal, brackets optional); may be null
     */
    public Optional<String> refusal(String host, InetAddress address) {
        if (isAllowlisted(host, address)) {
            return Optional.empty();
        }
        return blockedClass(address).map(kind -> describe(host, address, kind));
    }

    /** Whether the allowlist names this host or holds this address. */
    public boolean isAllowlisted(String host, InetAddress address) {
        if (host != null && !hosts.isEmpty() && hosts.contains(normalizeHost(host))) {
            return true;
        }
        if (address != null) {
            byte[] bytes = canonical(address.getAddress());
            for (Block block : blocks) {
                if (block.contains(bytes)) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * The kind of address that image URLs may not reach ("a loopback address", "a private address" ...), or empty for
     * a public unicast address. Ignores the allowlist.
     */
    public static Optional<String> blockedClass(InetAddress address) {
        byte[] bytes = canonical(address.getAddress());
        Optional<String> kind = bytes.length == 4 ? ipv4Class(bytes) : ipv6Class(bytes);
        if (kind.isPresent()) {
            return kind;
        }
        // Belt and braces: whatever the JDK itself considers local is refused too.
        if (address.isAnyLocalAddress()) {
            return Optional.of("an unspecified address");
        }
        if (address.isLoopbackAddress()) {
            return Optional.of("a loopback address");
        }
        if (address.isLinkLocalAddress()) {
            return Optional.of("a link-local address");
        }
        if (address.isSiteLocalAddress()) {
            return Optional.of("a private address");
        }
        if (address.isMulticastAddress()) {
            return Optional.of("a multicast address");
        }
        return Optional.empty();
    }

    static String describe(String host, InetAddress address, String kind) {
        String ip = toText(address);
        String bare = host == null ? null : stripBrackets(host);
        if (bare == null || bare.isEmpty() || NetUtil.createByteArrayFromIpAddressString(bare) != null) {
            return ip + " is " + kind + ", which image URLs may not reach";
        }
        return "host '" + bare + "' resolves to " + ip + ", " + kind + ", which image URLs may not reach";
    }

    /** The address in its usual text form: dotted quad, or compressed IPv6 ({@code ::1}). */
    static String toText(InetAddress address) {
        return NetUtil.toAddressString(address);
    }

    private static Optional<String> ipv4Class(byte[] b) {
        int a0 = b[0] & 0xFF;
        int a1 = b[1] & 0xFF;
        int a2 = b[2] & 0xFF;
        int a3 = b[3] & 0xFF;
        if (a0 == 0) {
            return Optional.of(a1 == 0 && a2 == 0 && a3 == 0
                    ? "an unspecified address" : "a 'this network' address (0.0.0.0/8)");
        }
        if (a0 == 127) {
            return Optional.of("a loopback address");
        }
        if (a0 == 10 || (a0 == 172 && (a1 & 0xF0) == 16) || (a0 == 192 && a1 == 168)) {
            return Optional.of("a private address");
        }
        if (a0 == 100 && (a1 & 0xC0) == 64) {
            return Optional.of("a shared (carrier-grade NAT) address");
        }
        if (a0 == 169 && a1 == 254) {
            return Optional.of(a2 == 169 && a3 == 254
                    ? "a link-local address (the cloud metadata service)" : "a link-local address");
        }
        if (a0 == 192 && a1 == 0 && a2 == 0) {
            return Optional.of("an IETF protocol assignment address (192.0.0.0/24)");
        }
        if (a0 == 198 && (a1 & 0xFE) == 18) {
            return Optional.of("a benchmarking address (198.18.0.0/15)");
        }
        if ((a0 & 0xF0) == 224) {
            return Optional.of("a multicast address");
        }
        if (a0 == 255 && a1 == 255 && a2 == 255 && a3 == 255) {
            return Optional.of("the broadcast address");
        }
        if ((a0 & 0xF0) == 240) {
            return Optional.of("a reserved address (240.0.0.0/4)");
        }
        return Optional.empty();
    }

    private static Optional<String> ipv6Class(byte[] b) {
        if (allZero(b, 0, 16)) {
            return Optional.of("an unspecified address");
        }
        if (allZero(b, 0, 15) && b[15] == 1) {
            return Optional.of("a loopback address");
        }
        if (allZero(b, 0, 12)) {
            return Optional.of("an IPv4-compatible address (::/96, deprecated)");
        }
        int first = b[0] & 0xFF;
        int second = b[1] & 0xFF;
        if (first == 0x00 && second == 0x64 && (b[2] & 0xFF) == 0xFF && (b[3] & 0xFF) == 0x9B) {
            if (allZero(b, 4, 12)) { // 64:ff9b::/96, NAT64 of a public IPv4 address
                return ipv4Class(Arrays.copyOfRange(b, 12, 16)).map(kind -> kind + " behind the NAT64 prefix 64:ff9b::/96");
            }
            if (b[4] == 0 && b[5] == 1) {
                return Optional.of("a local-use NAT64 address (64:ff9b:1::/48)");
            }
        }
        if (first == 0x01 && second == 0x00 && allZero(b, 2, 8)) {
            return Optional.of("a discard-only address (100::/64)");
        }
        if (first == 0x20 && second == 0x01 && b[2] == 0 && b[3] == 0) {
            return Optional.of("a Teredo tunnel address (2001::/32)");
        }
        if (first == 0x20 && second == 0x02) {
            return ipv4Class(Arrays.copyOfRange(b, 2, 6)).map(kind -> kind + " behind the 6to4 prefix 2002::/16");
        }
        if ((first & 0xFE) == 0xFC) {
            return Optional.of("a unique local address (fc00::/7)");
        }
        if (first == 0xFE && (second & 0xC0) == 0x80) {
            return Optional.of("a link-local address");
        }
        if (first == 0xFE && (second & 0xC0) == 0xC0) {
            return Optional.of("a site-local address (fec0::/10, deprecated)");
        }
        if (first == 0xFF) {
            return Optional.of("a multicast address");
        }
        return Optional.empty();
    }

    /** IPv4-mapped IPv6 addresses ({@code ::ffff:a.b.c.d}) as the 4 bytes of their IPv4 address; others unchanged. */
    static byte[] canonical(byte[] bytes) {
        if (bytes.length == 16 && allZero(bytes, 0, 10) && (bytes[10] & 0xFF) == 0xFF && (bytes[11] & 0xFF) == 0xFF) {
            return Arrays.copyOfRange(bytes, 12, 16);
        }
        return bytes;
    }

    private static boolean allZero(byte[] bytes, int from, int to) {
        for (int i = from; i < to; i++) {
            if (bytes[i] != 0) {
                return false;
            }
        }
        return true;
    }

    private static String normalizeHost(String host) {
        String lower = stripBrackets(host).toLowerCase(Locale.ROOT);
        return lower.endsWith(".") ? lower.substring(0, lower.length() - 1) : lower;
    }

    private static String stripBrackets(String host) {
        return host.length() > 1 && host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1)
                : host;
    }

    /** The bytes of an IP literal (IPv4 dotted quad or IPv6, brackets allowed), or null; never resolves a name. */
    static byte[] literalBytes(String text) {
        String bare = stripBrackets(text);
        if (bare.indexOf('%') >= 0) {
            return null; // zone ids are not accepted
        }
        return NetUtil.createByteArrayFromIpAddressString(bare);
    }

    static InetAddress literalAddress(byte[] bytes) {
        try {
            return InetAddress.getByAddress(bytes); // no lookup: bytes given
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("an IP address has 4 or 16 bytes, not " + bytes.length, e);
        }
    }

    /** An address block of the allowlist; a single address is a block of 32 or 128 bits. */
    private record Block(byte[] network, int prefix) {

        static Block parse(String entry) {
            int slash = entry.indexOf('/');
            String address = slash < 0 ? entry : entry.substring(0, slash);
            byte[] bytes = literalBytes(address);
            if (bytes == null) {
                if (slash >= 0) {
                    throw new IllegalArgumentException("image URL allowlist entry '" + entry
                            + "' is not a CIDR block: '" + address + "' is not an IP address");
                }
                return null;
            }
            int bits = bytes.length * 8;
            int prefix = bits;
            if (slash >= 0) {
                String length = entry.substring(slash + 1);
                if (!length.matches("\\d{1,3}") || Integer.parseInt(length) > bits) {
                    throw new IllegalArgumentException("image URL allowlist entry '" + entry
                            + "' has a prefix length that is not between 0 and " + bits);
                }
                prefix = Integer.parseInt(length);
            }
            byte[] canonical = canonical(bytes);
            if (canonical.length == 4 && bytes.length == 16) { // ::ffff:a.b.c.d/n
                prefix = Math.max(0, prefix - 96);
            }
            return new Block(canonical, prefix);
        }

        boolean contains(byte[] address) {
            if (address.length != network.length) {
                return false;
            }
            int full = prefix / 8;
            for (int i = 0; i < full; i++) {
                if (address[i] != network[i]) {
                    return false;
                }
            }
            int rest = prefix % 8;
            if (rest == 0) {
                return true;
            }
            int mask = (0xFF << (8 - rest)) & 0xFF;
            return (address[full] & mask) == (network[full] & mask);
        }
    }
}
