package dev.inferq.common.image;

import dev.inferq.common.image.ImageRejectedException.Reason;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Iterator;
import java.util.Locale;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * The one image-input policy: the accepted {@link ImageFormat}s, a size limit in bytes and a limit in pixels read from
 * the header before any pixel is decoded. The gateway applies it to every route (upload, raw body, URL) and the worker
 * applies it again before it decodes, so a decompression bomb that reaches a worker anyway (an older gateway, a
 * replayed message) fails its job instead of the worker's heap.
 *
 * @param maxBytes largest image accepted, in bytes
 * @param maxPixels largest image accepted, in width times height
 */
public record ImagePolicy(long maxBytes, long maxPixels) {

    public ImagePolicy {
        if (maxBytes < 1 || maxBytes > Integer.MAX_VALUE - 64) {
            throw new IllegalArgumentException("inferq.image.max-bytes must be between 1B and 2GB, was " + maxBytes);
        }
        if (maxPixels < 1) {
            throw new IllegalArgumentException("inferq.image.max-pixels must be positive, was " + maxPixels);
        }
    }

    /**
     * Checks {@code bytes} against the policy, reading only the image's header.
     *
     * @throws ImageRejectedException naming the limit or the reason
     */
    public ImageHeader check(byte[] bytes) {
        if (bytes.length == 0) {
            throw new ImageRejectedException(Reason.EMPTY, "the image is empty (0 bytes)", null);
        }
        if (bytes.length > maxBytes) {
            throw new ImageRejectedException(Reason.TOO_MANY_BYTES, "the image has " + bytes.length
                    + " bytes; at most " + maxBytes + " bytes are accepted (inferq.image.max-bytes)", null);
        }
        ImageFormat format = ImageFormat.sniff(bytes).orElseThrow(() -> new ImageRejectedException(
                Reason.NOT_AN_IMAGE, "the input is not a " + ImageFormat.names() + " image", null));
        ImageHeader header = readHeader(format, bytes);
        if (header.pixels() > maxPixels) {
            throw new ImageRejectedException(Reason.TOO_MANY_PIXELS, "the " + format + " image is " + header.width()
                    + " x " + header.height() + " pixels (" + header.pixels() + "); at most " + maxPixels
                    + " pixels are accepted (inferq.image.max-pixels)", null);
        }
        return header;
    }

    /** An ImageIO reader for {@code format}, positioned on {@code bytes}; the caller disposes of it. */
    public static ImageReader reader(ImageFormat format, byte[] bytes) throws IOException {
        Iterator<ImageReader> readers = ImageIO.getImageReadersByFormatName(format.name().toLowerCase(Locale.ROOT));
        if (!readers.hasNext()) {
            throw new IOException("this Java runtime has no ImageIO reader for " + format);
        }
        ImageReader reader = readers.next();
        ImageInputStream in = stream(bytes);
        reader.setInput(in, true, true);
        return reader;
    }

    private static ImageHeader readHeader(ImageFormat format, byte[] bytes) {
        ImageReader reader = null;
        try {
            reader = reader(format, bytes);
            int width = reader.getWidth(0);
            int height = reader.getHeight(0);
            if (width <= 0 || height <= 0) {
                throw new ImageRejectedException(Reason.NOT_AN_IMAGE, "the " + format + " header gives no size", null);
            }
            return new ImageHeader(format, width, height);
        } catch (IOException | RuntimeException e) {
            if (e instanceof ImageRejectedException rejected) {
                throw rejected;
            }
            // ImageIO reports broken headers with unchecked exceptions as well as IOException.
            throw new ImageRejectedException(Reason.NOT_AN_IMAGE, "the " + format + " header cannot be read ("
                    + e.getMessage() + ")", e);
        } finally {
            if (reader != null) {
                dispose(reader);
            }
        }
    }

    /** Releases the reader and the stream it reads. */
    public static void dispose(ImageReader reader) {
        Object input = reader.getInput();
        reader.dispose();
        if (input instanceof ImageInputStream stream) {
            try {
                stream.close();
            } catch (IOException e) {
                // An in-memory stream has nothing to release on close.
            }
        }
    }

    private static ImageInputStream stream(byte[] bytes) {
        // In memory: ImageIO.createImageInputStream would spool to a temporary file when ImageIO's cache is on.
        return new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes));
    }
}
