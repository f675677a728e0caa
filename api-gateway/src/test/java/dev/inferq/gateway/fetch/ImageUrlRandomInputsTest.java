package dev.inferq.gateway.fetch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.inferq.testsupport.RandomInputs;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Property tests of the image URL check: any text is either a checked target or a {@link ImageUrl.RefusedException};
 * and a loopback, private, link-local or otherwise local address is refused however its URL spells it (decimal,
 * octal, hex, short forms, IPv6-mapped, NAT64 and 6to4 embeddings, user-info and fragment tricks). Seeded tries
 * ({@link RandomInputs#cases}); nothing connects anywhere.
 */
class ImageUrlRandomInputsTest {

    private static final AddressPolicy STRICT = AddressPolicy.strict();

    /** Networks a URL must never reach, as (first address, prefix length). */
    private static final List<long[]> LOCAL_IPV4 = List.of(net(127, 0, 0, 0, 8), net(10, 0, 0, 0, 8),
            net(172, 16, 0, 0, 12), net(192, 168, 0, 0, 16), net(169, 254, 0, 0, 16), net(0, 0, 0, 0, 8),
            net(100, 64, 0, 0, 10), net(224, 0, 0, 0, 4), net(240, 0, 0, 0, 4));

    static Stream<?> anyText() {
        List<String> prefixes = List.of("", "http://", "https://", "HTTP://", "http:", "http:///", "//", "file://",
                "http://[", "http://user@");
        return RandomInputs.cases(1000, random -> prefixes.get(random.nextInt(prefixes.size()))
                + RandomInputs.awkwardText(random, random.nextInt(40)));
    }

    static Stream<?> localAddressesInAnySpelling() {
        return RandomInputs.cases(1000, ImageUrlRandomInputsTest::localUrl);
    }

    @ParameterizedTest
    @MethodSource("anyText")
    void anyTextIsATargetOrARefusal(String url) {
        try {
            ImageUrl.Target target = ImageUrl.check(url, STRICT);
            String scheme = target.uri().getScheme().toLowerCase(Locale.ROOT);
            assertThat(scheme).isIn("http", "https");
            assertThat(target.host()).isNotEmpty();
        } catch (ImageUrl.RefusedException refused) {
            assertThat(refused.getMessage()).isNotBlank();
        }
    }

    @ParameterizedTest
    @MethodSource("localAddressesInAnySpelling")
    void aLocalAddressIsRefusedHoweverItIsSpelled(String url) {
        assertThatThrownBy(() -> ImageUrl.check(url, STRICT)).isInstanceOf(ImageUrl.RefusedException.class);
    }

    private static String localUrl(Random random) {
        long[] network = LOCAL_IPV4.get(random.nextInt(LOCAL_IPV4.size()));
        long address = network[0] | (random.nextLong() & ((1L << (32 - network[1])) - 1));
        String host = spell(random, address);
        String scheme = List.of("http", "https", "HTTP", "hTTps").get(random.nextInt(4));
        String port = random.nextBoolean() ? "" : ":" + (1 + random.nextInt(65535));
        String path = List.of("/x.png", "", "/?a=b", "/#frag", "/%2e%2e/").get(random.nextInt(5));
        return switch (random.nextInt(6)) {
            case 0 -> scheme + "://example.org@" + host + port + path;
            case 1 -> scheme + "://" + host + port + "#@example.org" + path;
            case 2 -> scheme + "://" + host + port + "\\@example.org" + path;
            default -> scheme + "://" + host + port + path;
        };
    }

    /** {@code address} (an IPv4 address as a number) written in one of the many forms that parsers accept. */
    private static String spell(Random random, long address) {
        int[] b = {(int) (address >>> 24) & 255, (int) (address >>> 16) & 255, (int) (address >>> 8) & 255,
                (int) address & 255};
        return switch (random.nextInt(11)) {
            case 0 -> b[0] + "." + b[1] + "." + b[2] + "." + b[3];
            case 1 -> Long.toString(address);
            case 2 -> "0x" + Long.toHexString(address);
            case 3 -> "0" + Long.toOctalString(address);
            case 4 -> part(random, b[0]) + "." + part(random, b[1]) + "." + part(random, b[2]) + "."
                    + part(random, b[3]);
            case 5 -> part(random, b[0]) + "." + part(random, b[1]) + "." + part(random, (b[2] << 8) | b[3]);
            case 6 -> part(random, b[0]) + "." + part(random, (b[1] << 16) | (b[2] << 8) | b[3]);
            case 7 -> b[0] + "." + b[1] + "." + b[2] + "." + b[3] + ".";
            case 8 -> "[" + List.of("::ffff:", "0:0:0:0:0:ffff:", "::FFFF:", "0000::ffff:").get(random.nextInt(4))
                    + (random.nextBoolean() ? b[0] + "." + b[1] + "." + b[2] + "." + b[3]
                    : hex16(b[0], b[1]) + ":" + hex16(b[2], b[3])) + "]";
            case 9 -> "[64:ff9b::" + hex16(b[0], b[1]) + ":" + hex16(b[2], b[3]) + "]";
            default -> "[2002:" + hex16(b[0], b[1]) + ":" + hex16(b[2], b[3]) + "::" + Integer.toHexString(
                    random.nextInt(65536)) + "]";
        };
    }

    /** One part of a dotted address in decimal, octal or hex, sometimes with leading zeros. */
    private static String part(Random random, long value) {
        return switch (random.nextInt(5)) {
            case 0 -> "0" + Long.toOctalString(value);
            case 1 -> "0x" + Long.toHexString(value);
            case 2 -> "0X" + Long.toHexString(value).toUpperCase(Locale.ROOT);
            case 3 -> "0x00" + Long.toHexString(value);
            default -> Long.toString(value);
        };
    }

    private static String hex16(int high, int low) {
        return Integer.toHexString((high << 8) | low);
    }

    private static long[] net(int a, int b, int c, int d, int prefix) {
        return new long[] {((long) a << 24) | (b << 16) | (c << 8) | d, prefix};
    }

    @ParameterizedTest
    @MethodSource("localAddressesInAnySpelling")
    void theSpellingsReallyNameTheLocalAddress(String url) throws UnknownHostException {
        // Guards the generator: the spellings above must be what they claim, or the refusal test proves nothing.
        String host = url.replaceFirst("^[A-Za-z]+://(example\\.org@)?", "").split("[:/#\\\\?]", 2)[0];
        if (host.startsWith("[")) {
            host = url.substring(url.indexOf('[') + 1, url.indexOf(']'));
            assertThat(AddressPolicy.blockedClass(InetAddress.getByName(host))).isPresent();
        } else {
            byte[] bytes = ImageUrl.parseIpv4(host);
            assertThat(bytes).as(host).isNotNull();
            assertThat(AddressPolicy.blockedClass(InetAddress.getByAddress(bytes))).isPresent();
        }
    }
}
