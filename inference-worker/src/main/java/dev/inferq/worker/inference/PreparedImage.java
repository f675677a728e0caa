package dev.inferq.worker.inference;

/**
 * An image ready for its model's forward pass: decoded, resized to the model's input size and normalised, as a
 * {@code [3, height, width]} tensor of floats in channel-major order ({@link ImagePreparer}). About 600 KB for a
 * 224 x 224 model.
 *
 * @param pixels the normalised RGB values, all of channel 0 (red) first, each channel row by row
 * @param width the model's input width
 * @param height the model's input height
 */
public record PreparedImage(float[] pixels, int width, int height) {

    public PreparedImage {
        if (width < 1 || height < 1 || pixels.length != 3 * width * height) {
            throw new IllegalArgumentException("a prepared image of " + width + " x " + height + " has 3 x "
                    + width + " x " + height + " values, not " + pixels.length);
        }
    }
}
