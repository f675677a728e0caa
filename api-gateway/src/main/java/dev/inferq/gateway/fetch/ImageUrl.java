package dev.inferq.gateway.fetch;

import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/**
 * The checks on an image URL that need no network: an absolute http or https URL with a host, no user name or
 * password, a port in range, and, when the host is an IP literal, an address the {@link AddressPolicy} allows.
 *
 * <p>Hosts that end in a number are IPv4 addresses to browsers (WHATWG URL) and to {@code inet_aton}:
 * {@code 2130706433}, {@code 127.1}, {@code 0x7f.1} and {@code 0177.0.0.1} all mean 127.0.0.1. Only the four-part
 * decimal form is accepted, so that no resolver gets to guess; the others are refused, naming the address they spell.
 */
final class ImageUrl {

    static final int MAX_LENGTH = 4096;

    private ImageUrl() {
    }

    /** A checked URL and its host (without brackets for IPv6 literals). */
    record Target(URI uri, String host) {

        /** What the HTTP client is given: the URL without its fragment. */
        String requestUri() {
            String text = uri.toASCIIString();
            int hash = text.indexOf('#');
            return hash < 0 ? text : text.substring(0, hash);
        }
    }

    /** Why a URL is not fetched; the message completes "image URL '...' was refused: ". */
    static final class RefusedException extends RuntimeException {

        RefusedException(String reason) {
            super(reason, null, false, false);
        }
    }

    static Target check(String url, AddressPolicy policy) {
        if (url == null || url.isBlank()) {
            throw new RefusedException("it is empty");
        }
        if (url.length() > MAX_LENGTH) {
            throw new RefusedException("it is longer than " + MAX_LENGTH + " characters");
        }
        URI uri;
        try {
            uri = new URI(url.strip());
        } catch (URISyntaxException e) {
            String reason = e.getReason() + (e.getIndex() >= 0 ? " at index " + e.getIndex() : "");
            throw new RefusedException(url.contains("://")
                    ? "it is not a valid URL (" + reason + ")"
                    : "it is not an absolute http or https URL (" + reason + ")");
        }
        String scheme = uri.getScheme();
        if (scheme == null) {
            throw new RefusedException("it has no scheme; only http and https URLs are fetched");
        }
        String lowerScheme = scheme.toLowerCase(Locale.ROOT);
        if (!lowerScheme.equals("http") && !lowerScheme.equals("https")) {
            throw new RefusedException("its scheme is '" + scheme + "'; only http and https URLs are fetched");
        }
        if (uri.isOpaque() || uri.getRawAuthority() == null) {
            throw new RefusedException("it has no host");
        }
        if (uri.getRawUserInfo() != null || uri.getRawAuthority().contains("@")) {
            throw new RefusedException("it contains a user name or password, which image URLs may not carry");
        }
        String host = uri.getHost();
        if (host == null) {
            throw new RefusedException(invalidHost(hostOfAuthority(uri.getRawAuthority())));
        }
        int port = uri.getPort();
        if (port == 0 || port > 65535) {
            throw new RefusedException("its port " + port + " is not between 1 and 65535");
        }
        InetAddress literal = null;
        if (host.startsWith("[")) {
            byte[] bytes = AddressPolicy.literalBytes(host);
            if (bytes == null) {
                throw new RefusedException("its host " + host + " is not a valid IPv6 address (zone ids are not accepted)");
            }
            literal = AddressPolicy.literalAddress(bytes);
            host = host.substring(1, host.length() - 1);
        } else if (endsInNumber(host)) {
            byte[] bytes = parseIpv4(host);
            if (bytes == null) {
                throw new RefusedException(invalidHost(host));
            }
            literal = AddressPolicy.literalAddress(bytes);
            if (!host.equals(AddressPolicy.toText(literal))) {
                throw new RefusedException(nonStandard(host, literal));
            }
        }
        if (literal != null) {
            String refusal = policy.refusal(host, literal).orElse(null);
            if (refusal != null) {
                throw new RefusedException(refusal);
            }
        }
        return new Target(uri, host);
    }

    private static String invalidHost(String host) {
        if (host == null || host.isEmpty()) {
            return "it has no host";
        }
        if (host.startsWith("[")) {
            return "its host " + host + " is not a valid IPv6 address (zone ids are not accepted)";
        }
        if (endsInNumber(host)) {
            byte[] bytes = parseIpv4(host);
            return bytes == null
                    ? "its host '" + host + "' ends in a number but is not a valid IPv4 address"
                    : nonStandard(host, AddressPolicy.literalAddress(bytes));
        }
        return "its host '" + host + "' is not a valid host name";
    }

    private static String nonStandard(String host, InetAddress address) {
        String kind = AddressPolicy.blockedClass(address).map(k -> ", " + k).orElse("");
        return "its host '" + host + "' is another way of writing the IPv4 address " + AddressPolicy.toText(address)
                + kind + "; only the four-part decimal form (like " + AddressPolicy.toText(address)
                + ") is accepted";
    }

    /** The host part of a raw authority that java.net.URI could not read as a server: no user info, no port. */
    private static String hostOfAuthority(String authority) {
        String host = authority;
        if (host.startsWith("[")) {
            int close = host.indexOf(']');
            return close < 0 ? host : host.substring(0, close + 1);
        }
        int colon = host.lastIndexOf(':');
        if (colon >= 0 && host.substring(colon + 1).chars().allMatch(Character::isDigit)) {
            host = host.substring(0, colon);
        }
        return host;
    }

    /**
     * Whether the last label of a host is a number (decimal, or hex with {@code 0x}), which makes the whole host an
     * IPv4 address in the WHATWG URL standard's reading.
     */
    static boolean endsInNumber(String host) {
        String[] labels = host.split("\\.", -1);
        int last = labels.length - 1;
        if (labels[last].isEmpty() && last > 0) {
            last--;
        }
        String label = labels[last];
        if (!label.isEmpty() && label.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return true;
        }
        return label.length() >= 2 && (label.startsWith("0x") || label.startsWith("0X"))
                && label.substring(2).chars().allMatch(c -> digit(c, 16) >= 0);
    }

    /**
     * The WHATWG URL standard's IPv4 parser: 1 to 4 parts, each decimal, octal (leading 0) or hex (0x), the last one
     * filling the remaining bytes. Returns null when the host is not a valid IPv4 address in that reading.
     */
    static byte[] parseIpv4(String host) {
        String[] parts = host.split("\\.", -1);
        int count = parts.length;
        if (count > 1 && parts[count - 1].isEmpty()) {
            count--;
        }
        if (count > 4) {
            return null;
        }
        long[] numbers = new long[count];
        for (int i = 0; i < count; i++) {
            numbers[i] = parseNumber(parts[i]);
            if (numbers[i] < 0 || (i < count - 1 && numbers[i] > 255)) {
                return null;
            }
        }
        long last = numbers[count - 1];
        if (last >= 1L << (8 * (5 - count))) {
            return null;
        }
        long value = last;
        for (int i = 0; i < count - 1; i++) {
            value += numbers[i] << (8 * (3 - i));
        }
        return new byte[] {(byte) (value >>> 24), (byte) (value >>> 16), (byte) (value >>> 8), (byte) value};
    }

    /** A part of an IPv4 address as a number, or -1 when it is not one (or is absurdly long). */
    private static long parseNumber(String part) {
        if (part.isEmpty() || part.length() > 16) {
            return -1;
        }
        int radix = 10;
        String digits = part;
        if (part.length() >= 2 && (part.startsWith("0x") || part.startsWith("0X"))) {
            radix = 16;
            digits = part.substring(2);
        } else if (part.length() >= 2 && part.startsWith("0")) {
            radix = 8;
            digits = part.substring(1);
        }
        if (digits.isEmpty()) {
            return 0;
        }
        for (int i = 0; i < digits.length(); i++) {
            if (digit(digits.charAt(i), radix) < 0) {
                return -1;
            }
        }
        return Long.parseLong(digits, radix);
    }

    /** The value of an ASCII digit in this radix (up to 16), or -1; unlike Character.digit, no other scripts. */
    private static int digit(int c, int radix) {
        int value = c >= '0' && c <= '9' ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        return value < radix ? value : -1;
    }
}
