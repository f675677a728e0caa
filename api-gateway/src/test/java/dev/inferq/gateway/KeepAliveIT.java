package dev.inferq.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.inferq.testsupport.RealInfrastructureProperties;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.ContextConfiguration;

/**
 * Many requests on one kept-alive connection, each sent the moment the previous answer has arrived, all answered:
 * the case in which Reactor Netty's server stopped reading a connection after a redirect or another answer given at
 * once (KeepAliveReadsConfiguration). Before the workaround about one in a hundred of these requests hung, so 500 of
 * them, mixing answers from Redis, redirects, static answers and 404s, miss it with a chance of under 1%.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
    "inferq.models-dir=../models/tiny",
    "inferq.auth.mode=open"
})
@ContextConfiguration(initializers = RealInfrastructureProperties.class)
class KeepAliveIT {

    private static final List<String> PATHS = List.of("/v1/models", "/docs", "/", "/v1/jobs/AAAAAAAAAAAAAAAAAAAAAA",
            "/actuator/health");
    private static final int REQUESTS = 500;

    @LocalServerPort
    int port;

    @Test
    void everyRequestOnOneKeptAliveConnectionIsAnswered() throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            // Far above any answer here (milliseconds); a lost read shows as this timeout.
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            InputStream in = new BufferedInputStream(socket.getInputStream());
            for (int i = 0; i < REQUESTS; i++) {
                String path = PATHS.get(i % PATHS.size());
                out.write(("GET " + path + " HTTP/1.1\r\nHost: localhost\r\nAccept: application/json\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                out.flush();
                String status = readAnswer(in, "request " + i + " (" + path + ")");
                assertThat(status).as("request %d (%s)", i, path).matches("HTTP/1\\.1 [234]\\d\\d .*");
            }
        }
    }

    /** Reads one whole answer (headers, then a Content-Length or chunked body); returns its status line. */
    private static String readAnswer(InputStream in, String request) throws IOException {
        String status = line(in, request);
        long length = 0;
        boolean chunked = false;
        for (String header = line(in, request); !header.isEmpty(); header = line(in, request)) {
            String lower = header.toLowerCase(Locale.ROOT);
            if (lower.startsWith("content-length:")) {
                length = Long.parseLong(lower.substring("content-length:".length()).trim());
            } else if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
                chunked = true;
            }
        }
        if (!chunked) {
            in.readNBytes((int) length);
            return status;
        }
        for (long size = chunkSize(in, request); size > 0; size = chunkSize(in, request)) {
            in.readNBytes((int) size + 2);
        }
        line(in, request);
        return status;
    }

    private static long chunkSize(InputStream in, String request) throws IOException {
        return Long.parseLong(line(in, request).split(";")[0].trim(), 16);
    }

    private static String line(InputStream in, String request) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        try {
            for (int b = in.read(); b != '\n'; b = in.read()) {
                if (b < 0) {
                    throw new IOException("the gateway closed the connection during " + request);
                }
                line.write(b);
            }
        } catch (SocketTimeoutException lost) {
            throw new AssertionError("no answer within 10 s to " + request + " on the kept-alive connection", lost);
        }
        return line.toString(StandardCharsets.ISO_8859_1).stripTrailing();
    }
}
