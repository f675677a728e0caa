package dev.inferq.worker.inference;

import ai.djl.modality.cv.Image;
import ai.djl.modality.cv.ImageFactory;
import java.io.ByteArrayInputStream;
import java.io.IOException;

/** Turns uploaded bytes into a DJL {@link Image}, or into a reason the client can act on. */
public final class ImageDecoder {

    /** The reason a job fails with when its bytes are not an image this worker can read. */
    public static final String NOT_AN_IMAGE = "input is not a decodable image (JPEG, PNG, GIF or BMP expected)";

    private ImageDecoder() {
    }

    /** Decodes JPEG, PNG, GIF or BMP bytes (whatever Java's ImageIO reads). */
    public static Image decode(byte[] bytes) {
        Image image;
        try {
            image = ImageFactory.getInstance().fromInputStream(new ByteArrayInputStream(bytes));
        } catch (IOException | RuntimeException e) {
            // ImageIO reports truncated or corrupt files with unchecked exceptions as well as IOException.
            throw new InvalidInputException(NOT_AN_IMAGE, e);
        }
        if (image == null) {
            throw new InvalidInputException(NOT_AN_IMAGE);
        }
        return image;
    }
}
