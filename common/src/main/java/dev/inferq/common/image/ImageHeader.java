package dev.inferq.common.image;

/** What an image's header says about it, read before any pixel is decoded. */
public record ImageHeader(ImageFormat format, int width, int height) {

    public long pixels() {
        return (long) width * height;
    }
}
