package dev.inferq.worker.inference;

import ai.djl.modality.cv.Image;
import ai.djl.modality.cv.ImageFactory;
import dev.inferq.common.image.ImageHeader;
import dev.inferq.common.image.ImagePolicy;
import dev.inferq.common.image.ImageRejectedException;
import dev.inferq.contract.ErrorCodes;
import java.awt.image.BufferedImage;
import java.io.IOException;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;

/**
 * Turns uploaded bytes into a DJL {@link Image}, or into a reason the client can act on. The bytes pass the
 * {@link ImagePolicy} again first (an older gateway, or a replayed message, may not have checked them), so a
 * decompression bomb fails its job instead of the worker's heap; and a picture larger than the model could use is
 * decoded subsampled, so memory per image stays bounded whatever the policy allows.
 */
public final class ImageDecoder {

    /** The reason a job fails with when its bytes are not an image this worker can read. */
    public static final String NOT_AN_IMAGE = "input is not a decodable image (JPEG, PNG, GIF or BMP expected)";
    /** Pictures with more pixels are decoded with subsampling; far more than any classifier's input needs. */
    static final long MAX_DECODED_PIXELS = 4_000_000L;

    private ImageDecoder() {
    }

    /** Decodes JPEG, PNG, GIF or BMP bytes that {@code policy} accepts. */
    public static Image decode(byte[] bytes, ImagePolicy policy) {
        ImageHeader header;
        try {
            header = policy.check(bytes);
        } catch (ImageRejectedException e) {
            throw new InvalidInputException(ErrorCodes.UNDECODABLE_INPUT, e.getMessage(), e);
        }
        ImageReader reader = null;
        try {
            reader = ImagePolicy.reader(header.format(), bytes);
            ImageReadParam param = reader.getDefaultReadParam();
            int step = (int) Math.ceil(Math.sqrt((double) header.pixels() / MAX_DECODED_PIXELS));
            if (step > 1) {
                param.setSourceSubsampling(step, step, 0, 0);
            }
            BufferedImage picture = reader.read(0, param);
            if (picture == null) {
                throw new InvalidInputException(ErrorCodes.UNDECODABLE_INPUT, NOT_AN_IMAGE);
            }
            return ImageFactory.getInstance().fromImage(picture);
        } catch (IOException | RuntimeException e) {
            if (e instanceof InvalidInputException invalid) {
                throw invalid;
            }
            // ImageIO reports truncated or corrupt files with unchecked exceptions as well as IOException.
            throw new InvalidInputException(ErrorCodes.UNDECODABLE_INPUT, NOT_AN_IMAGE + ": " + e.getMessage(), e);
        } finally {
            if (reader != null) {
                ImagePolicy.dispose(reader);
            }
        }
    }
}
