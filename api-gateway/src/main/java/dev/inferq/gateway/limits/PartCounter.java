package dev.inferq.gateway.limits;

import java.nio.charset.StandardCharsets;
import org.springframework.core.io.buffer.DataBuffer;

/**
 * Counts the parts of a multipart body as it streams in, by its delimiters ({@code --<boundary>}), so that a body of
 * thousands of parts is refused before Spring's multipart parser holds them: that parser's own cap on parts fails
 * halfway through its buffers (and releases some twice). A streaming match (Knuth-Morris-Pratt), so a delimiter split
 * across two buffers counts too. One per request.
 */
final class PartCounter {

    private final byte[] delimiter;
    private final int[] fallback;
    private int matched;
    private long delimiters;

    PartCounter(String boundary) {
        this.delimiter = ("--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
        this.fallback = new int[delimiter.length];
        for (int i = 1, k = 0; i < delimiter.length; i++) {
            while (k > 0 && delimiter[i] != delimiter[k]) {
                k = fallback[k - 1];
            }
            if (delimiter[i] == delimiter[k]) {
                k++;
            }
            fallback[i] = k;
        }
    }

    /** Scans {@code buffer} (without moving its read position) and answers the parts begun so far. */
    long parts(DataBuffer buffer) {
        for (int i = buffer.readPosition(); i < buffer.writePosition(); i++) {
            byte b = buffer.getByte(i);
            while (matched > 0 && b != delimiter[matched]) {
                matched = fallback[matched - 1];
            }
            if (b == delimiter[matched]) {
                matched++;
            }
            if (matched == delimiter.length) {
                delimiters++;
                matched = fallback[matched - 1];
            }
        }
        // Every part begins with a delimiter; the last one closes the body.
        return delimiters;
    }
}
