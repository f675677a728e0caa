package dev.inferq.gateway.fetch;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Iterator;
import java.util.Locale;
import java.util.Set;
import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * Decodes downloaded bytes with javax.imageio to prove they are a JPEG, PNG, GIF or BMP image (and WebP where an
 * ImageIO plugin for it is on the class path; the JDK has none). Other formats the JDK reads (TIFF, WBMP) are not
 * accepted, since the workers take only these. Memory stays bounded whatever the file claims: the picture's size is
 * read from its header first and refused beyond {@code maxPixels}, and the pixels are decoded with subsampling into a
 * picture of at most about a megapixel, which still reads every byte of the image data.
 */
final class ImageCheck {

    private static final Set<String> FORMATS = Set.of("jpeg", "jpg", "png", "gif", "bmp", "webp");
    private static final long DECODED_PIXELS = 1_000_000L;

    private ImageCheck() {
    }

    /** Why bytes are not accepted as an image. */
    static final class RejectedException extends RuntimeException {

        private final boolean tooLarge;

        RejectedException(String reason, boolean tooLarge, Throwable cause) {
            super(reason, cause, false, false);
            this.tooLarge = tooLarge;
        }

        /** True when the image decodes but has more pixels than allowed (413), false when it does not decode (415). */
        boolean tooLarge() {
            return tooLarge;
        }
    }

    /** The formats accepted, as a phrase: "JPEG, PNG, GIF or BMP" (", WebP" when a WebP reader is installed). */
    static String acceptedFormats() {
        return webpSupported() ? "JPEG, PNG, GIF, BMP or WebP" : "JPEG, PNG, GIF or BMP";
    }

    static boolean webpSupported() {
        return ImageIO.getImageReadersByFormatName("webp").hasNext();
    }

    /**
     * Decodes the first picture of {@code bytes}.
     *
     * @return the format name, lower case ("png", "jpeg" ...)
     * @throws RejectedException when no accepted reader decodes it, or it has more than {@code maxPixels} pixels
     */
    static String requireDecodable(byte[] bytes, long maxPixels) {
        if (bytes.length == 0) {
            throw new RejectedException("the response body is empty", false, null);
        }
        RejectedException failure = null;
        try (ImageInputStream probe = stream(bytes)) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(probe);
            while (readers.hasNext()) {
                ImageReader reader = readers.next();
                String format = reader.getFormatName().toLowerCase(Locale.ROOT);
                if (!FORMATS.contains(format)) {
                    reader.dispose();
                    continue;
                }
                try {
                    decode(reader, format.toUpperCase(Locale.ROOT), bytes, maxPixels);
                    return format;
                } catch (RejectedException e) {
                    if (e.tooLarge()) {
                        throw e;
                    }
                    failure = e;
                } finally {
                    reader.dispose();
                }
            }
        } catch (IOException e) {
            throw new RejectedException("it could not be read (" + e.getMessage() + ")", false, e);
        }
        if (failure != null) {
            throw failure;
        }
        throw new RejectedException("it is not a " + acceptedFormats() + " image", false, null);
    }

    private static void decode(ImageReader reader, String format, byte[] bytes, long maxPixels) {
        try (ImageInputStream in = stream(bytes)) {
            reader.setInput(in, true, true);
            long width = reader.getWidth(0);
            long height = reader.getHeight(0);
            if (width <= 0 || height <= 0) {
                throw new RejectedException("its " + format + " header gives no size", false, null);
            }
            if (width * height > maxPixels) {
                throw new RejectedException("it is " + width + " x " + height + " pixels; at most " + maxPixels
                        + " pixels are accepted", true, null);
            }
            ImageReadParam param = reader.getDefaultReadParam();
            int step = (int) Math.max(1, Math.ceil(Math.sqrt((double) width * height / DECODED_PIXELS)));
            if (step > 1) {
                param.setSourceSubsampling(step, step, 0, 0);
            }
            BufferedImage image = reader.read(0, param);
            if (image == null) {
                throw new RejectedException("its " + format + " data decodes to nothing", false, null);
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof RejectedException rejected) {
                throw rejected;
            }
            throw new RejectedException("its " + format + " data could not be decoded (" + e.getMessage() + ")",
                    false, e);
        }
    }

    private static ImageInputStream stream(byte[] bytes) {
        // In memory: ImageIO.createImageInputStream would spool to a temporary file when ImageIO's cache is on.
        return new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes));
    }
}
