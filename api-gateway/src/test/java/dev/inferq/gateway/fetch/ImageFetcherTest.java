package dev.inferq.gateway.fetch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import static dev.inferq.testsupport.TestImages.encode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import dev.inferq.common.image.ImagePolicy;
import dev.inferq.gateway.problems.ApiException;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.imageio.ImageIO;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.http.HttpStatus;
import org.springframework.util.unit.DataSize;
import reactor.core.publisher.Mono;

/**
 * The image fetcher against real servers on loopback (JDK HttpServer on 127.0.0.1, ephemeral ports). Refusals are
 * proven by "trap" listeners on 127.0.0.1 and ::1 that count every TCP connection they accept: a refused URL must
 * leave them at zero. Nothing here sends traffic anywhere but loopback: every host is an IP literal, a numeric
 * spelling refused before any lookup, or {@code localhost} (answered from /etc/hosts).
 */
@Timeout(60)
class ImageFetcherTest {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final ImagePolicy DEFAULT_IMAGES = new ImagePolicy(10_000_000, 50_000_000);
    private static byte[] png;
    private static byte[] jpeg;
    private static byte[] gif;
    private static byte[] bmp;

    private final List<AutoCloseable> closeables = new ArrayList<>();
    private ExecutorService serverThreads;
    private HttpServer server;
    private final AtomicInteger served = new AtomicInteger();
    private Trap trap;
    private Trap trap6;

    @BeforeAll
    static void images() {
        BufferedImage image = new BufferedImage(32, 24, BufferedImage.TYPE_INT_RGB);
        for (int x = 0; x < 32; x++) {
            for (int y = 0; y < 24; y++) {
                image.setRGB(x, y, new Color(x * 8, y * 10, 128).getRGB());
            }
        }
        png = encode(image, "png");
        jpeg = encode(image, "jpeg");
        gif = encode(image, "gif");
        bmp = encode(image, "bmp");
    }

    @BeforeEach
    void startServers() throws IOException {
        serverThreads = Executors.newCachedThreadPool();
        server = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 50);
        server.setExecutor(serverThreads);
        server.start();
        trap = new Trap(InetAddress.getByName("127.0.0.1"));
        trap6 = Trap.ipv6();
    }

    @AfterEach
    void stopServers() throws Exception {
        server.stop(0);
        serverThreads.shutdownNow();
        assertThat(serverThreads.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        trap.close();
        if (trap6 != null) {
            trap6.close();
        }
        for (AutoCloseable closeable : closeables) {
            closeable.close();
        }
    }

    // ---------------------------------------------------------------- fetching

    @Test
    void fetchesImagesByteExactFromAnAllowlistedAddress() {
        serve("/a.png", png, "image/png");
        serve("/a.jpg", jpeg, "image/jpeg");
        serve("/a.gif", gif, "application/octet-stream"); // the type the server claims does not matter
        serve("/a.bmp", bmp, "image/bmp");
        ImageFetcher fetcher = fetcher(List.of("127.0.0.1"));

        assertThat(fetch(fetcher, local("/a.png"))).isEqualTo(png);
        assertThat(fetch(fetcher, local("/a.jpg"))).isEqualTo(jpeg);
        assertThat(fetch(fetcher, local("/a.gif") + "?size=large#fragment")).isEqualTo(gif);
        assertThat(fetch(fetcher, "  " + local("/a.bmp") + " ")).isEqualTo(bmp);
        assertThat(served).hasValue(4);
    }

    @Test
    void fetchesThroughAnAllowlistedHostNameOrCidr() {
        serve("/a.png", png, "image/png");
        assertThat(fetch(fetcher(List.of("LOCALHOST")), "http://localhost:" + port() + "/a.png")).isEqualTo(png);
        assertThat(fetch(fetcher(List.of("127.0.0.0/8")), "http://localhost:" + port() + "/a.png")).isEqualTo(png);
        assertThat(fetch(fetcher(List.of("127.0.0.0/8")), local("/a.png"))).isEqualTo(png);
    }

    @Test
    void streamsLargeChunkedImagesWithinTheLimit() {
        byte[] big = bigPng();
        serveChunked("/big.png", big, 8192);
        ImageFetcher fetcher = loopbackFetcher(DataSize.ofBytes(big.length), Duration.ofSeconds(10), 3);
        assertThat(fetch(fetcher, local("/big.png"))).isEqualTo(big);
    }

    @Test
    void anErrorStatusIsUnprocessableNamingTheStatusAndTheUrl() {
        server.createContext("/missing", exchange -> respond(exchange, 404, "nope".getBytes(StandardCharsets.UTF_8)));
        server.createContext("/broken", exchange -> respond(exchange, 500, new byte[0]));
        ImageFetcher fetcher = fetcher(List.of("127.0.0.1"));

        expectProblem(() -> fetch(fetcher, local("/missing")), HttpStatus.UNPROCESSABLE_CONTENT,
                "image URL '" + local("/missing") + "' answered 404 Not Found");
        expectProblem(() -> fetch(fetcher, local("/broken")), HttpStatus.UNPROCESSABLE_CONTENT,
                "answered 500 Internal Server Error");
    }

    @Test
    void bytesThatAreNotAnImageAreUnsupportedMediaType() {
        serve("/page", "<html>not an image</html>".getBytes(StandardCharsets.UTF_8), "image/png");
        serve("/empty", new byte[0], "image/png");
        byte[] truncated = java.util.Arrays.copyOf(png, png.length / 2);
        serve("/truncated.png", truncated, "image/png");
        byte[] tiff = encode(new BufferedImage(4, 4, BufferedImage.TYPE_INT_RGB), "tiff");
        serve("/a.tiff", tiff, "image/tiff");
        ImageFetcher fetcher = fetcher(List.of("127.0.0.1"));

        expectProblem(() -> fetch(fetcher, local("/page")), HttpStatus.UNSUPPORTED_MEDIA_TYPE,
                "image URL '" + local("/page") + "' is not a decodable image: the input is not a JPEG, PNG, GIF or BMP"
                        + " image (25 bytes received)");
        expectProblem(() -> fetch(fetcher, local("/empty")), HttpStatus.UNSUPPORTED_MEDIA_TYPE,
                "image URL '" + local("/empty") + "' is not a decodable image: the image is empty");
        // The policy reads headers only, as for uploads: pixel data is decoded once, by the worker, which fails
        // such a job with the reason.
        assertThat(fetch(fetcher, local("/truncated.png"))).isEqualTo(truncated);
        expectProblem(() -> fetch(fetcher, local("/a.tiff")), HttpStatus.UNSUPPORTED_MEDIA_TYPE,
                "not a JPEG, PNG, GIF or BMP image");
    }

    @Test
    void webpIsRefusedNamingTheAcceptedFormats() {
        // RIFF container, WEBP form type, a VP8L chunk: recognisable as WebP, which the worker cannot decode.
        byte[] webp = {'R', 'I', 'F', 'F', 26, 0, 0, 0, 'W', 'E', 'B', 'P', 'V', 'P', '8', 'L', 13, 0, 0, 0, 0x2F,
                0, 0, 0, 0x10, 0x07, 0x10, 0x11, 0x11, (byte) 0x88, (byte) 0x88, (byte) 0xFE, 0x07, 0};
        serve("/a.webp", webp, "image/webp");

        expectProblem(() -> fetch(fetcher(List.of("127.0.0.1")), local("/a.webp")), HttpStatus.UNSUPPORTED_MEDIA_TYPE,
                "image URL '" + local("/a.webp") + "' is not a decodable image: the input is not a JPEG, PNG, GIF or"
                        + " BMP image");
    }

    @Test
    void anImageWithTooManyPixelsIsTooLargeWhateverItsFileSize() {
        byte[] wide = encode(new BufferedImage(2000, 1000, BufferedImage.TYPE_BYTE_GRAY), "png"); // a few KB
        serve("/wide.png", wide, "image/png");
        UrlFetchProperties properties = UrlFetchProperties.defaults().withAllowlist(List.of("127.0.0.1"));
        ImageFetcher fetcher = new ImageFetcher(properties, new ImagePolicy(1_000_000, 1_000_000));
        expectProblem(() -> fetch(fetcher, local("/wide.png")), HttpStatus.CONTENT_TOO_LARGE,
                "image URL '" + local("/wide.png") + "' gave an image that is too large: the PNG image is 2000 x 1000"
                        + " pixels (2000000); at most 1000000 pixels are accepted");
    }

    @Test
    void aBodyOverTheSizeLimitIsTooLargeWithOrWithoutContentLength() {
        byte[] big = bigPng();
        serve("/announced.png", big, "image/png");
        AtomicInteger chunksWritten = new AtomicInteger();
        server.createContext("/endless.png", exchange -> {
            served.incrementAndGet();
            exchange.getResponseHeaders().set("Content-Type", "image/png");
            exchange.sendResponseHeaders(200, 0); // chunked, no length announced
            try (OutputStream out = exchange.getResponseBody()) {
                byte[] chunk = new byte[16 * 1024];
                for (int i = 0; i < 64 * 1024; i++) { // up to 1 GB, unless the client hangs up first
                    out.write(chunk);
                    out.flush();
                    chunksWritten.incrementAndGet();
                }
            } catch (IOException hungUp) {
                // expected: the fetcher stops reading at the limit
            }
        });
        ImageFetcher fetcher = loopbackFetcher(DataSize.ofKilobytes(1), Duration.ofSeconds(10), 3);

        expectProblem(() -> fetch(fetcher, local("/announced.png")), HttpStatus.CONTENT_TOO_LARGE,
                "image URL '" + local("/announced.png") + "' announces " + big.length
                        + " bytes; images of at most 1024 bytes are fetched");
        long start = System.nanoTime();
        expectProblem(() -> fetch(fetcher, local("/endless.png")), HttpStatus.CONTENT_TOO_LARGE,
                "image URL '" + local("/endless.png") + "' sent more than 1024 bytes; images of at most 1024 bytes");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
        assertThat(chunksWritten.get()).isLessThan(64 * 1024);
    }

    @Test
    void aServerSlowerThanTheReadTimeoutIsUnprocessable() {
        server.createContext("/silent.png", exchange -> {
            served.incrementAndGet();
            sleep(Duration.ofSeconds(30)); // never answers in time; interrupted when the test stops the server
        });
        server.createContext("/dripping.png", exchange -> {
            served.incrementAndGet();
            exchange.sendResponseHeaders(200, 0);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(png, 0, 16);
                out.flush();
                for (int i = 16; i < png.length; i++) {
                    sleep(Duration.ofMillis(100));
                    out.write(png[i]);
                    out.flush();
                }
            } catch (IOException hungUp) {
                // expected
            }
        });
        ImageFetcher fetcher = loopbackFetcher(DataSize.ofMegabytes(1), Duration.ofMillis(700), 3);

        long start = System.nanoTime();
        expectProblem(() -> fetch(fetcher, local("/silent.png")), HttpStatus.UNPROCESSABLE_CONTENT,
                "image URL '" + local("/silent.png") + "' did not answer within 700ms");
        // headers come at once, the body trickles: the limit is on the whole download
        expectProblem(() -> fetch(fetcher, local("/dripping.png")), HttpStatus.UNPROCESSABLE_CONTENT,
                "did not answer within 700ms");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
    }

    @Test
    void aClosedPortIsUnprocessable() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            closedPort = socket.getLocalPort();
        }
        expectProblem(() -> fetch(fetcher(List.of("127.0.0.1")), "http://127.0.0.1:" + closedPort + "/a.png"),
                HttpStatus.UNPROCESSABLE_CONTENT, "could not be connected to (connection refused)");
    }

    @Test
    void aFailedTlsHandshakeIsUnprocessable() throws Exception {
        // a server that answers the TLS client hello in plain HTTP
        ServerSocket plain = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
        closeables.add(plain);
        serverThreads.submit(() -> {
            try (Socket connection = plain.accept()) {
                connection.getInputStream().read(new byte[1024]);
                connection.getOutputStream().write(
                        "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            }
            return null;
        });
        String url = "https://127.0.0.1:" + plain.getLocalPort() + "/a.png";
        expectProblem(() -> fetch(fetcher(List.of("127.0.0.1")), url), HttpStatus.UNPROCESSABLE_CONTENT,
                "image URL '" + url + "' failed its TLS handshake");
    }

    // ---------------------------------------------------------------- redirects

    @Test
    void followsRedirectsUpToTheLimitAndRefusesOneMore() {
        serve("/a.png", png, "image/png");
        // /hops/N redirects N times before the image: relative and absolute locations, every redirect status
        int[] statuses = {301, 302, 303, 307, 308};
        server.createContext("/hops/", exchange -> {
            served.incrementAndGet();
            int left = Integer.parseInt(exchange.getRequestURI().getPath().substring("/hops/".length()));
            String next = left == 1 ? "/a.png" : left % 2 == 0 ? "../hops/" + (left - 1) : local("/hops/" + (left - 1));
            exchange.getResponseHeaders().set("Location", next);
            respond(exchange, statuses[left % statuses.length], new byte[0]);
        });
        ImageFetcher fetcher = fetcher(List.of("127.0.0.1"));

        assertThat(fetch(fetcher, local("/hops/1"))).isEqualTo(png);
        assertThat(fetch(fetcher, local("/hops/3"))).isEqualTo(png);
        served.set(0);
        expectProblem(() -> fetch(fetcher, local("/hops/4")), HttpStatus.UNPROCESSABLE_CONTENT,
                "image URL '" + local("/hops/4") + "' redirected more than 3 times (the last time to '/a.png')");
        assertThat(served).as("the fourth redirect is not followed").hasValue(4);

        ImageFetcher noRedirects = loopbackFetcher(DataSize.ofMegabytes(1), Duration.ofSeconds(10), 0);
        assertThat(fetch(noRedirects, local("/a.png"))).isEqualTo(png);
        expectProblem(() -> fetch(noRedirects, local("/hops/1")), HttpStatus.UNPROCESSABLE_CONTENT,
                "image URL '" + local("/hops/1") + "' redirected to '/a.png'; redirects are not followed");
    }

    @Test
    void redirectsAreCheckedLikeTheFirstUrl() {
        server.createContext("/to-file", redirectTo("file:///etc/passwd"));
        server.createContext("/to-ftp", redirectTo("ftp://127.0.0.1:" + trap.port() + "/a.png"));
        server.createContext("/to-credentials", redirectTo("http://user:secret@127.0.0.1:" + trap.port() + "/"));
        server.createContext("/to-nothing", exchange -> respond(exchange, 302, new byte[0]));
        server.createContext("/to-garbage", redirectTo("http://exa mple/"));
        ImageFetcher fetcher = fetcher(List.of("127.0.0.1"));

        expectProblem(() -> fetch(fetcher, local("/to-file")), HttpStatus.UNPROCESSABLE_CONTENT,
                "image URL '" + local("/to-file") + "' redirected to 'file:///etc/passwd', which was refused: "
                        + "its scheme is 'file'; only http and https URLs are fetched");
        expectProblem(() -> fetch(fetcher, local("/to-ftp")), HttpStatus.UNPROCESSABLE_CONTENT,
                "its scheme is 'ftp'");
        expectProblem(() -> fetch(fetcher, local("/to-credentials")), HttpStatus.UNPROCESSABLE_CONTENT,
                "contains a user name or password");
        expectProblem(() -> fetch(fetcher, local("/to-nothing")), HttpStatus.UNPROCESSABLE_CONTENT,
                "answered 302 Found without a Location header");
        expectProblem(() -> fetch(fetcher, local("/to-garbage")), HttpStatus.UNPROCESSABLE_CONTENT,
                "redirected to 'http://exa mple/', which is not a valid URL");
        assertThat(trap.accepted()).isZero();
    }

    @Test
    void aRedirectFromAnAllowlistedHostToLoopbackIsRefusedBeforeConnecting() {
        // localhost is allowlisted by name; the addresses it redirects to are not
        List<String> targets = new ArrayList<>(List.of(
                "http://127.0.0.1:" + trap.port() + "/",
                "http://127.1:" + trap.port() + "/",
                "http://2130706433:" + trap.port() + "/",
                "http://0.0.0.0:" + trap.port() + "/",
                "http://[::ffff:127.0.0.1]:" + trap.port() + "/"));
        if (trap6 != null) {
            targets.add("http://[::1]:" + trap6.port() + "/");
        }
        ImageFetcher fetcher = fetcher(List.of("localhost"));
        for (int i = 0; i < targets.size(); i++) {
            server.createContext("/jump" + i, redirectTo(targets.get(i)));
            String url = "http://localhost:" + port() + "/jump" + i;
            expectProblem(() -> fetch(fetcher, url), HttpStatus.UNPROCESSABLE_CONTENT,
                    "image URL '" + url + "' redirected to '" + targets.get(i) + "', which was refused: ");
        }
        assertThat(served).as("the allowlisted first hops were served").hasValue(targets.size());
        assertTrapsUntouched();
    }

    @Test
    void aRedirectToAHostNameThatResolvesToLoopbackIsRefusedAtTheConnection() throws IOException {
        // The first hop, on ::1, is allowlisted by address; the second names a host, so only the address it resolves
        // to (127.0.0.1, which is not allowlisted) can tell, and the connection is refused.
        Assumptions.assumeTrue(trap6 != null, "this machine has no IPv6 loopback");
        HttpServer v6 = HttpServer.create(new InetSocketAddress(InetAddress.getByName("::1"), 0), 50);
        v6.setExecutor(serverThreads);
        v6.start();
        closeables.add(() -> v6.stop(0));
        v6.createContext("/jump", redirectTo("http://localhost:" + trap.port() + "/"));
        String url = "http://[::1]:" + v6.getAddress().getPort() + "/jump";

        expectProblem(() -> fetch(fetcher(List.of("::1")), url), HttpStatus.UNPROCESSABLE_CONTENT,
                "image URL '" + url + "' redirected to 'http://localhost:" + trap.port() + "/', which was refused: "
                        + "host 'localhost' resolves to 127.0.0.1, a loopback address, which image URLs may not reach");
        assertThat(served).as("the allowlisted first hop was served").hasValue(1);
        assertTrapsUntouched();
    }

    // ---------------------------------------------------------------- the address guard, default policy

    @Test
    void loopbackInAllItsSpellingsIsRefusedWithoutConnecting() {
        ImageFetcher fetcher = fetcher(List.of());
        int port = trap.port();
        expectProblem(() -> fetch(fetcher, "http://127.0.0.1:" + port + "/a.png"), HttpStatus.UNPROCESSABLE_CONTENT,
                "image URL 'http://127.0.0.1:" + port + "/a.png' was refused: 127.0.0.1 is a loopback address, "
                        + "which image URLs may not reach");
        expectProblem(() -> fetch(fetcher, "http://localhost:" + port + "/a.png"), HttpStatus.UNPROCESSABLE_CONTENT,
                "image URL 'http://localhost:" + port + "/a.png' was refused: host 'localhost' resolves to 127.0.0.1, "
                        + "a loopback address, which image URLs may not reach");
        expectProblem(() -> fetch(fetcher, "https://localhost:" + port + "/a.png"), HttpStatus.UNPROCESSABLE_CONTENT,
                "image URL 'https://localhost:" + port + "/a.png' was refused: host 'localhost' resolves to 127.0.0.1");
        expectProblem(() -> fetch(fetcher, "HTTPS://127.0.0.1:" + port + "/"), HttpStatus.UNPROCESSABLE_CONTENT,
                "127.0.0.1 is a loopback address");
        expectProblem(() -> fetch(fetcher, "http://LocalHost:" + port + "/"), HttpStatus.UNPROCESSABLE_CONTENT,
                "host 'LocalHost' resolves to 127.0.0.1, a loopback address");
        expectProblem(() -> fetch(fetcher, "http://[::1]:" + port6() + "/"), HttpStatus.UNPROCESSABLE_CONTENT,
                "was refused: ::1 is a loopback address");
        expectProblem(() -> fetch(fetcher, "http://[0:0:0:0:0:0:0:1]:" + port6() + "/"),
                HttpStatus.UNPROCESSABLE_CONTENT, "::1 is a loopback address");
        expectProblem(() -> fetch(fetcher, "http://[::ffff:127.0.0.1]:" + port + "/"), HttpStatus.UNPROCESSABLE_CONTENT,
                "127.0.0.1 is a loopback address");
        expectProblem(() -> fetch(fetcher, "http://[::ffff:7f00:1]:" + port + "/"), HttpStatus.UNPROCESSABLE_CONTENT,
                "127.0.0.1 is a loopback address");
        expectProblem(() -> fetch(fetcher, "http://[::127.0.0.1]:" + port + "/"), HttpStatus.UNPROCESSABLE_CONTENT,
                "127.0.0.1 is a loopback address"); // Netty reads the IPv4-compatible form as IPv4
        expectProblem(() -> fetch(fetcher, "http://0.0.0.0:" + port + "/"), HttpStatus.UNPROCESSABLE_CONTENT,
                "was refused: 0.0.0.0 is an unspecified address");
        expectProblem(() -> fetch(fetcher, "http://[::]:" + port6() + "/"), HttpStatus.UNPROCESSABLE_CONTENT,
                "was refused: :: is an unspecified address");
        expectProblem(() -> fetch(fetcher, "http://2130706433:" + port + "/"), HttpStatus.UNPROCESSABLE_CONTENT,
                "was refused: its host '2130706433' is another way of writing the IPv4 address 127.0.0.1, "
                        + "a loopback address; only the four-part decimal form (like 127.0.0.1) is accepted");
        expectProblem(() -> fetch(fetcher, "http://127.1:" + port + "/"), HttpStatus.UNPROCESSABLE_CONTENT,
                "its host '127.1' is another way of writing the IPv4 address 127.0.0.1, a loopback address");
        for (String spelling : List.of("0x7f.1", "0x7f000001", "0177.0.0.1", "017700000001", "127.0.1",
                "127.000.000.001", "127.0.0.1.", "0x7F.0.0.0x1")) {
            expectProblem(() -> fetch(fetcher, "http://" + spelling + ":" + port + "/"),
                    HttpStatus.UNPROCESSABLE_CONTENT,
                    "its host '" + spelling + "' is another way of writing the IPv4 address 127.0.0.1, a loopback");
        }
        expectProblem(() -> fetch(fetcher, "http://0:" + port + "/"), HttpStatus.UNPROCESSABLE_CONTENT,
                "its host '0' is another way of writing the IPv4 address 0.0.0.0, an unspecified address");
        assertTrapsUntouched();
    }

    @Test
    void allowlistingOneLoopbackAddressDoesNotOpenTheOthers() {
        ImageFetcher fetcher = fetcher(List.of("127.0.0.2", "10.0.0.0/8"));
        expectProblem(() -> fetch(fetcher, "http://127.0.0.1:" + trap.port() + "/"), HttpStatus.UNPROCESSABLE_CONTENT,
                "127.0.0.1 is a loopback address");
        expectProblem(() -> fetch(fetcher, "http://localhost:" + trap.port() + "/"), HttpStatus.UNPROCESSABLE_CONTENT,
                "host 'localhost' resolves to 127.0.0.1");
        // a non-standard spelling is refused even of an allowlisted address: no resolver gets to read it
        expectProblem(() -> fetch(fetcher, "http://127.2:" + trap.port() + "/"), HttpStatus.UNPROCESSABLE_CONTENT,
                "another way of writing the IPv4 address 127.0.0.2");
        assertTrapsUntouched();
    }

    @Test
    void privateLinkLocalMetadataAndMulticastLiteralsAreRefusedBeforeAnyConnection() {
        ImageFetcher fetcher = fetcher(List.of());
        expectProblem(() -> fetch(fetcher, "http://169.254.169.254/latest/meta-data/"),
                HttpStatus.UNPROCESSABLE_CONTENT,
                "169.254.169.254 is a link-local address (the cloud metadata service), which image URLs may not reach");
        expectProblem(() -> fetch(fetcher, "http://10.0.0.1/a.png"), HttpStatus.UNPROCESSABLE_CONTENT,
                "10.0.0.1 is a private address");
        expectProblem(() -> fetch(fetcher, "https://192.168.0.1/a.png"), HttpStatus.UNPROCESSABLE_CONTENT,
                "192.168.0.1 is a private address");
        expectProblem(() -> fetch(fetcher, "http://100.64.0.1/"), HttpStatus.UNPROCESSABLE_CONTENT,
                "carrier-grade NAT");
        expectProblem(() -> fetch(fetcher, "http://[fe80::1]/"), HttpStatus.UNPROCESSABLE_CONTENT,
                "fe80::1 is a link-local address");
        expectProblem(() -> fetch(fetcher, "http://[fe80::1%25eth0]/"), HttpStatus.UNPROCESSABLE_CONTENT,
                "zone ids are not accepted");
        expectProblem(() -> fetch(fetcher, "http://[fd00::1]/"), HttpStatus.UNPROCESSABLE_CONTENT,
                "fd00::1 is a unique local address");
        expectProblem(() -> fetch(fetcher, "http://224.0.0.1/"), HttpStatus.UNPROCESSABLE_CONTENT,
                "224.0.0.1 is a multicast address");
        expectProblem(() -> fetch(fetcher, "http://[ff02::1]/"), HttpStatus.UNPROCESSABLE_CONTENT,
                "ff02::1 is a multicast address");
        expectProblem(() -> fetch(fetcher, "http://255.255.255.255/"), HttpStatus.UNPROCESSABLE_CONTENT,
                "the broadcast address");
        expectProblem(() -> fetch(fetcher, "http://[64:ff9b::a9fe:a9fe]/"), HttpStatus.UNPROCESSABLE_CONTENT,
                "behind the NAT64 prefix");
        expectProblem(() -> fetch(fetcher, "http://0xa9fea9fe/"), HttpStatus.UNPROCESSABLE_CONTENT,
                "another way of writing the IPv4 address 169.254.169.254, a link-local address");
    }

    @Test
    void theConnectionLayerHoldsOnItsOwnForLiteralsAndNames() {
        // Straight through the fetcher's HTTP client, past the URL checks: the guard on the connection refuses.
        ImageFetcher fetcher = fetcher(List.of());
        List<String> urls = new ArrayList<>(List.of("http://127.0.0.1:" + trap.port() + "/",
                "http://localhost:" + trap.port() + "/", "http://0.0.0.0:" + trap.port() + "/",
                "http://[::ffff:127.0.0.1]:" + trap.port() + "/"));
        if (trap6 != null) {
            urls.add("http://[::1]:" + trap6.port() + "/");
        }
        for (String url : urls) {
            Mono<Integer> status = fetcher.httpClient().get().uri(url).response().map(r -> r.status().code());
            assertThatThrownBy(() -> status.block(WAIT)).as(url)
                    .hasRootCauseInstanceOf(AddressGuard.AddressRefusedException.class)
                    .rootCause().hasMessageEndingWith("which image URLs may not reach");
        }
        assertTrapsUntouched();

        // and the same client does connect where the policy allows it
        serve("/a.png", png, "image/png");
        ImageFetcher allowing = fetcher(List.of("127.0.0.1"));
        assertThat(allowing.httpClient().get().uri(local("/a.png")).response().map(r -> r.status().code()).block(WAIT))
                .isEqualTo(200);
    }

    // ---------------------------------------------------------------- URLs refused as written

    @Test
    void onlyHttpAndHttpsUrlsWithoutCredentialsAreFetched() {
        ImageFetcher fetcher = fetcher(List.of("127.0.0.1"));
        int port = trap.port();
        expectProblem(() -> fetch(fetcher, "file:///etc/passwd"), HttpStatus.UNPROCESSABLE_CONTENT,
                "image URL 'file:///etc/passwd' was refused: its scheme is 'file'; only http and https URLs are fetched");
        expectProblem(() -> fetch(fetcher, "ftp://127.0.0.1:" + port + "/a.png"), HttpStatus.UNPROCESSABLE_CONTENT,
                "its scheme is 'ftp'");
        expectProblem(() -> fetch(fetcher, "gopher://127.0.0.1:" + port + "/_GET"), HttpStatus.UNPROCESSABLE_CONTENT,
                "its scheme is 'gopher'");
        expectProblem(() -> fetch(fetcher, "jar:file:/tmp/x.jar!/a.png"), HttpStatus.UNPROCESSABLE_CONTENT,
                "its scheme is 'jar'");
        expectProblem(() -> fetch(fetcher, "data:image/png;base64,iVBORw0KGgo="), HttpStatus.UNPROCESSABLE_CONTENT,
                "its scheme is 'data'");
        expectProblem(() -> fetch(fetcher, "127.0.0.1:" + port + "/a.png"), HttpStatus.UNPROCESSABLE_CONTENT,
                "it is not an absolute http or https URL");
        expectProblem(() -> fetch(fetcher, "//127.0.0.1:" + port + "/a.png"), HttpStatus.UNPROCESSABLE_CONTENT,
                "it has no scheme");
        expectProblem(() -> fetch(fetcher, "http://user:secret@127.0.0.1:" + port + "/"),
                HttpStatus.UNPROCESSABLE_CONTENT,
                "image URL 'http://***@127.0.0.1:" + port + "/' was refused: it contains a user name or password");
        expectProblem(() -> fetch(fetcher, "http://user@127.1:" + port + "/"), HttpStatus.UNPROCESSABLE_CONTENT,
                "it contains a user name or password");
        expectProblem(() -> fetch(fetcher, "http:///a.png"), HttpStatus.UNPROCESSABLE_CONTENT, "it has no host");
        expectProblem(() -> fetch(fetcher, "http:a.png"), HttpStatus.UNPROCESSABLE_CONTENT, "it has no host");
        expectProblem(() -> fetch(fetcher, "http://exa mple.com/"), HttpStatus.UNPROCESSABLE_CONTENT,
                "it is not a valid URL (Illegal character in authority at index 7)");
        expectProblem(() -> fetch(fetcher, "http://a_b.example/"), HttpStatus.UNPROCESSABLE_CONTENT,
                "its host 'a_b.example' is not a valid host name");
        expectProblem(() -> fetch(fetcher, "http://1.2.3.4.5/"), HttpStatus.UNPROCESSABLE_CONTENT,
                "its host '1.2.3.4.5' ends in a number but is not a valid IPv4 address");
        expectProblem(() -> fetch(fetcher, "http://127.0.0.1:0/"), HttpStatus.UNPROCESSABLE_CONTENT,
                "its port 0 is not between 1 and 65535");
        expectProblem(() -> fetch(fetcher, "http://127.0.0.1:70000/"), HttpStatus.UNPROCESSABLE_CONTENT,
                "its port 70000 is not between 1 and 65535");
        expectProblem(() -> fetch(fetcher, ""), HttpStatus.UNPROCESSABLE_CONTENT, "image URL '' was refused: it is empty");
        expectProblem(() -> fetch(fetcher, null), HttpStatus.UNPROCESSABLE_CONTENT, "it is empty");
        String longUrl = "http://127.0.0.1:" + port + "/" + "a".repeat(5000);
        expectProblem(() -> fetch(fetcher, longUrl), HttpStatus.UNPROCESSABLE_CONTENT,
                "it is longer than 4096 characters");
        assertThatThrownBy(() -> fetch(fetcher, longUrl)).satisfies(e -> assertThat(e.getMessage()).hasSizeLessThan(400));
        assertTrapsUntouched();
    }

    @Test
    void everyProblemIsAnApiExceptionWithTheGatewaysTitle() {
        assertThatThrownBy(() -> fetch(fetcher(List.of()), "http://127.0.0.1:" + trap.port() + "/"))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.status()).isEqualTo(HttpStatus.UNPROCESSABLE_CONTENT);
                    assertThat(e.title()).isEqualTo("Unusable image URL");
                });
        assertTrapsUntouched();
    }

    // ---------------------------------------------------------------- helpers

    private ImageFetcher fetcher(List<String> allowlist) {
        return new ImageFetcher(UrlFetchProperties.defaults().withAllowlist(allowlist), DEFAULT_IMAGES);
    }

    private static ImageFetcher loopbackFetcher(DataSize maxSize, Duration readTimeout, int maxRedirects) {
        return new ImageFetcher(new UrlFetchProperties(List.of("127.0.0.1"), Duration.ofSeconds(5), readTimeout,
                maxRedirects), new ImagePolicy(maxSize.toBytes(), 50_000_000L));
    }

    private ImageFetcher fetcher(UrlFetchProperties properties) {
        return new ImageFetcher(properties, DEFAULT_IMAGES);
    }

    private static byte[] fetch(ImageFetcher fetcher, String url) {
        return fetcher.fetch(url).block(WAIT);
    }

    private static void expectProblem(ThrowingCallable call, HttpStatus status, String... fragments) {
        assertThatThrownBy(call).isInstanceOfSatisfying(ApiException.class, e -> {
            assertThat(e.status()).as(e.getMessage()).isEqualTo(status);
            for (String fragment : fragments) {
                assertThat(e.getMessage()).contains(fragment);
            }
        });
    }

    private void assertTrapsUntouched() {
        assertThat(trap.accepted()).as("connections to the loopback trap on 127.0.0.1").isZero();
        if (trap6 != null) {
            assertThat(trap6.accepted()).as("connections to the loopback trap on ::1").isZero();
        }
    }

    private int port() {
        return server.getAddress().getPort();
    }

    private int port6() {
        return trap6 != null ? trap6.port() : trap.port();
    }

    private String local(String path) {
        return "http://127.0.0.1:" + port() + path;
    }

    private void serve(String path, byte[] body, String contentType) {
        server.createContext(path, exchange -> {
            served.incrementAndGet();
            exchange.getResponseHeaders().set("Content-Type", contentType);
            respond(exchange, 200, body);
        });
    }

    private void serveChunked(String path, byte[] body, int chunkSize) {
        server.createContext(path, exchange -> {
            served.incrementAndGet();
            exchange.sendResponseHeaders(200, 0);
            try (OutputStream out = exchange.getResponseBody()) {
                for (int i = 0; i < body.length; i += chunkSize) {
                    out.write(body, i, Math.min(chunkSize, body.length - i));
                    out.flush();
                }
            }
        });
    }

    private HttpHandler redirectTo(String location) {
        return exchange -> {
            served.incrementAndGet();
            exchange.getResponseHeaders().set("Location", location);
            respond(exchange, 302, new byte[0]);
        };
    }

    private static void respond(HttpExchange exchange, int status, byte[] body) throws IOException {
        exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A PNG of some hundreds of KB: noise does not compress. */
    private static byte[] bigPng() {
        BufferedImage image = new BufferedImage(400, 300, BufferedImage.TYPE_INT_RGB);
        java.util.Random random = new java.util.Random(7);
        for (int x = 0; x < 400; x++) {
            for (int y = 0; y < 300; y++) {
                image.setRGB(x, y, random.nextInt());
            }
        }
        return encode(image, "png");
    }

    /** A loopback listener that counts the TCP connections it accepts, and closes them. */
    private static final class Trap implements AutoCloseable {

        private final ServerSocket socket;
        private final AtomicInteger accepted = new AtomicInteger();
        private final Thread acceptor;

        Trap(InetAddress address) throws IOException {
            socket = new ServerSocket(0, 50, address);
            acceptor = new Thread(() -> {
                while (!socket.isClosed()) {
                    try (Socket connection = socket.accept()) {
                        accepted.incrementAndGet();
                    } catch (IOException closed) {
                        return;
                    }
                }
            }, "trap-" + address.getHostAddress());
            acceptor.setDaemon(true);
            acceptor.start();
        }

        /** A trap on ::1, or null where this machine has no IPv6 loopback. */
        static Trap ipv6() {
            try {
                return new Trap(InetAddress.getByName("::1"));
            } catch (IOException noIpv6) {
                return null;
            }
        }

        int port() {
            return socket.getLocalPort();
        }

        int accepted() {
            return accepted.get();
        }

        @Override
        public void close() throws Exception {
            socket.close();
            acceptor.join(5000);
        }
    }
}
