package dev.inferq.common.image;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The image formats inferq accepts, on every route and in the worker: those the JDK's ImageIO decodes without
 * plugins and that photographs come in. Recognised by their leading bytes, never by a client's Content-Type.
 */
public enum ImageFormat {
    JPEG("image/jpeg", new byte[] {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF}),
    PNG("image/png", new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'}),
    GIF("image/gif", "GIF8".getBytes(StandardCharsets.US_ASCII)),
    BMP("image/bmp", "BM".getBytes(StandardCharsets.US_ASCII));

    private static final String NAMES = Arrays.stream(values()).limit(values().length - 1L).map(Enum::name)
            .collect(Collectors.joining(", ")) + " or " + values()[values().length - 1].name();

    private final String mediaType;
    private final byte[] magic;

    ImageFormat(String mediaType, byte[] magic) {
        this.mediaType = mediaType;
        this.magic = magic;
    }

    public String mediaType() {
        return mediaType;
    }

    /** "JPEG, PNG, GIF or BMP": the accepted formats as a phrase for problem details and job errors. */
    public static String names() {
        return NAMES;
    }

    /** The format whose signature {@code bytes} start with. */
    public static Optional<ImageFormat> sniff(byte[] bytes) {
        return Arrays.stream(values())
                .filter(format -> bytes.length >= format.magic.length
                        && Arrays.equals(bytes, 0, format.magic.length, format.magic, 0, format.magic.length))
                .findFirst();
    }
}
