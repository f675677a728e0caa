package dev.inferq.gateway.jobs;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;

/**
 * Recognises the image formats the worker can decode from their leading bytes, so that a wrong upload is refused at
 * the door with a 415 instead of failing later in the queue. The worker still decodes fully; this is only a sniff.
 */
enum ImageFormat {
    JPEG("image/jpeg", new byte[] {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF}),
    PNG("image/png", new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'}),
    GIF("image/gif", "GIF8".getBytes(StandardCharsets.US_ASCII)),
    BMP("image/bmp", "BM".getBytes(StandardCharsets.US_ASCII));

    private final String mediaType;
    private final byte[] magic;

    ImageFormat(String mediaType, byte[] magic) {
        this.mediaType = mediaType;
        this.magic = magic;
    }

    String mediaType() {
        return mediaType;
    }

    static Optional<ImageFormat> sniff(byte[] bytes) {
        return Arrays.stream(values())
                .filter(format -> bytes.length >= format.magic.length
                        && Arrays.equals(bytes, 0, format.magic.length, format.magic, 0, format.magic.length))
                .findFirst();
    }
}
