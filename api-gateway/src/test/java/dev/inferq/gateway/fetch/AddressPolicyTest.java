package dev.inferq.gateway.fetch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** The address policy is a pure function: these addresses are values, nothing here connects anywhere. */
class AddressPolicyTest {

    private final AddressPolicy strict = AddressPolicy.strict();

    @ParameterizedTest(name = "{0} is {1}")
    @CsvSource(delimiter = '|', textBlock = """
            0.0.0.0                  | an unspecified address
            0.1.2.3                  | a 'this network' address
            127.0.0.1                | a loopback address
            127.255.255.254          | a loopback address
            10.0.0.1                 | a private address
            10.255.255.255           | a private address
            172.16.0.1               | a private address
            172.31.255.255           | a private address
            192.168.1.1              | a private address
            100.64.0.1               | a shared (carrier-grade NAT) address
            100.127.255.255          | a shared (carrier-grade NAT) address
            169.254.0.1              | a link-local address
            169.254.169.254          | a link-local address (the cloud metadata service)
            192.0.0.170              | an IETF protocol assignment address
            198.18.0.1               | a benchmarking address
            198.19.255.255           | a benchmarking address
            224.0.0.1                | a multicast address
            239.255.255.250          | a multicast address
            240.0.0.1                | a reserved address
            255.255.255.255          | the broadcast address
            ::                       | an unspecified address
            ::1                      | a loopback address
            ::ffff:127.0.0.1         | a loopback address
            ::ffff:10.1.2.3          | a private address
            ::ffff:169.254.169.254   | a link-local address (the cloud metadata service)
            ::ffff:0.0.0.0           | an unspecified address
            64:ff9b::7f00:1          | a loopback address behind the NAT64 prefix
            64:ff9b::a9fe:a9fe       | a link-local address (the cloud metadata service) behind the NAT64 prefix
            64:ff9b:1::1             | a local-use NAT64 address
            100::1                   | a discard-only address
            2001::1                  | a Teredo tunnel address
            2002:7f00:1::1           | a loopback address behind the 6to4 prefix
            2002:c0a8:101::1         | a private address behind the 6to4 prefix
            fc00::1                  | a unique local address
            fd12:3456:789a::1        | a unique local address
            fe80::1                  | a link-local address
            febf:ffff::1             | a link-local address
            fec0::1                  | a site-local address
            ff02::1                  | a multicast address
            ff05::1:3                | a multicast address
            """)
    void refusesEveryLocalClassInIpv4AndIpv6(String address, String kind) {
        InetAddress ip = ip(address);
        assertThat(AddressPolicy.blockedClass(ip)).hasValueSatisfying(k -> assertThat(k).startsWith(kind));
        assertThat(strict.refusal(address, ip)).hasValueSatisfying(reason -> assertThat(reason)
                .startsWith(AddressPolicy.toText(ip) + " is " + kind)
                .endsWith("which image URLs may not reach"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"203.0.113.7", "198.51.100.1", "192.0.2.1", "8.8.8.8", "1.1.1.1", "172.15.255.255",
            "172.32.0.1", "100.63.255.255", "100.128.0.1", "169.253.255.255", "192.169.0.1", "198.17.255.255",
            "198.20.0.1", "223.255.255.255", "11.0.0.1", "126.255.255.255", "128.0.0.1", "192.0.1.1",
            "2001:db8::1", "2606:4700::1111", "2a00:1450::1", "::ffff:203.0.113.7", "64:ff9b::cb00:7107",
            "2002:cb00:7107::1", "fbff::1", "fe7f::1"})
    void allowsPublicUnicastAddresses(String address) {
        InetAddress ip = ip(address);
        assertThat(AddressPolicy.blockedClass(ip)).isEmpty();
        assertThat(strict.refusal("example.org", ip)).isEmpty();
    }

    @Test
    void ipv4CompatibleIpv6AddressesAreRefusedWhenTheyArriveAsIpv6() {
        // Netty's literal parser turns [::127.0.0.1] into 127.0.0.1 (and the policy judges that); a resolver may
        // still hand over the IPv6 form, e.g. from an AAAA record.
        for (int[] v4 : new int[][] {{127, 0, 0, 1}, {8, 8, 8, 8}, {0, 0, 0, 2}}) {
            byte[] bytes = new byte[16];
            for (int i = 0; i < 4; i++) {
                bytes[12 + i] = (byte) v4[i];
            }
            InetAddress compatible = ip6(bytes);
            assertThat(AddressPolicy.blockedClass(compatible)).hasValue("an IPv4-compatible address (::/96, deprecated)");
        }
        assertThat(AddressPolicy.blockedClass(ip("::127.0.0.1"))).hasValue("a loopback address");
    }

    @Test
    void namesTheHostWhenAHostNameResolvesToALocalAddress() {
        assertThat(strict.refusal("localhost", ip("127.0.0.1"))).hasValue(
                "host 'localhost' resolves to 127.0.0.1, a loopback address, which image URLs may not reach");
        assertThat(strict.refusal("[::1]", ip("::1"))).hasValue("::1 is a loopback address, which image URLs may not reach");
        assertThat(strict.refusal(null, ip("10.0.0.1"))).hasValue(
                "10.0.0.1 is a private address, which image URLs may not reach");
    }

    @Test
    void allowlistedHostNamesMayReachLocalAddressesCaseInsensitively() {
        AddressPolicy policy = AddressPolicy.of(List.of(" LocalHost ", "images.internal."));
        assertThat(policy.refusal("localhost", ip("127.0.0.1"))).isEmpty();
        assertThat(policy.refusal("LOCALHOST.", ip("::1"))).isEmpty();
        assertThat(policy.refusal("Images.Internal", ip("10.1.2.3"))).isEmpty();
        // a name is not its address: the literal is still refused, and so are other names
        assertThat(policy.refusal("127.0.0.1", ip("127.0.0.1"))).isPresent();
        assertThat(policy.refusal("localhost.evil.example", ip("127.0.0.1"))).isPresent();
        assertThat(policy.refusal("sub.localhost", ip("127.0.0.1"))).isPresent();
    }

    @Test
    void allowlistedAddressesMatchExactlyWhateverTheHostAndInMappedForm() {
        AddressPolicy policy = AddressPolicy.of(List.of("127.0.0.1", "[::1]", "fd00::5"));
        assertThat(policy.refusal("127.0.0.1", ip("127.0.0.1"))).isEmpty();
        assertThat(policy.refusal("localhost", ip("127.0.0.1"))).isEmpty();
        assertThat(policy.refusal("::ffff:127.0.0.1", ip6Mapped(127, 0, 0, 1))).isEmpty();
        assertThat(policy.refusal("::1", ip("::1"))).isEmpty();
        assertThat(policy.refusal("x", ip("fd00::5"))).isEmpty();
        assertThat(policy.refusal("127.0.0.2", ip("127.0.0.2"))).isPresent();
        assertThat(policy.refusal("x", ip("fd00::6"))).isPresent();
        assertThat(policy.refusal("0.0.0.0", ip("0.0.0.0"))).isPresent();
    }

    @Test
    void allowlistedCidrBlocksHoldTheirAddressesOnly() {
        AddressPolicy policy = AddressPolicy.of(List.of("10.0.0.0/8", "172.16.5.0/24", "192.168.7.8/31",
                "fd00:1::/32", "169.254.169.254/32", "127.0.0.0/9"));
        for (String inside : List.of("10.0.0.0", "10.255.255.255", "172.16.5.77", "192.168.7.8", "192.168.7.9",
                "fd00:1:ffff::1", "169.254.169.254", "127.0.0.1", "127.127.255.255", "::ffff:10.9.9.9")) {
            assertThat(policy.refusal("h", ip(inside))).as(inside).isEmpty();
        }
        for (String outside : List.of("172.16.6.1", "192.168.7.10", "fd00:2::1", "169.254.169.253",
                "127.128.0.1", "::1", "0.0.0.0")) {
            assertThat(policy.refusal("h", ip(outside))).as(outside).isPresent();
        }
        assertThat(AddressPolicy.of(List.of("0.0.0.0/0")).refusal("h", ip("127.0.0.1"))).isEmpty();
        assertThat(AddressPolicy.of(List.of("0.0.0.0/0")).refusal("h", ip("::1"))).isPresent();
        assertThat(AddressPolicy.of(List.of("::/0")).refusal("h", ip("fe80::1"))).isEmpty();
        assertThat(AddressPolicy.of(List.of("::ffff:127.0.0.0/104")).refusal("h", ip("127.9.9.9"))).isEmpty();
    }

    @Test
    void blankEntriesAreIgnoredAndEntriesAreKeptAsGiven() {
        assertThat(AddressPolicy.of(Arrays.asList("", " ", null)).allowlist()).isEmpty();
        assertThat(AddressPolicy.of(null).allowlist()).isEmpty();
        assertThat(AddressPolicy.of(List.of(" 127.0.0.1", "localhost ")).allowlist())
                .containsExactly("127.0.0.1", "localhost");
    }

    @ParameterizedTest
    @ValueSource(strings = {"127.0.0.1:8080", "http://localhost", "10.0.0.0/33", "::/129", "10.0.0.0/-1",
            "10.0.0.0/x", "localhost/8", "*.example.com", "127.1", "2130706433", "0x7f.0.0.1", "exa mple.com",
            "[::1", "fe80::1%eth0"})
    void refusesMalformedAllowlistEntriesNamingThem(String entry) {
        assertThatThrownBy(() -> AddressPolicy.of(List.of("localhost", entry)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'" + entry + "'");
    }

    private static InetAddress ip(String literal) {
        byte[] bytes = NetUtil.createByteArrayFromIpAddressString(literal);
        assertThat(bytes).as(literal).isNotNull();
        return AddressPolicy.literalAddress(bytes);
    }

    /** An IPv4-mapped address kept as an Inet6Address, as Reactor Netty makes them for [::ffff:a.b.c.d] URLs. */
    private static InetAddress ip6Mapped(int a, int b, int c, int d) {
        return ip6(new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xFF, (byte) 0xFF, (byte) a, (byte) b, (byte) c,
                (byte) d});
    }

    /** An Inet6Address of exactly these bytes (InetAddress.getByAddress would turn IPv4-mapped ones into IPv4). */
    private static InetAddress ip6(byte[] bytes) {
        try {
            return java.net.Inet6Address.getByAddress(null, bytes, -1);
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e);
        }
    }
}
