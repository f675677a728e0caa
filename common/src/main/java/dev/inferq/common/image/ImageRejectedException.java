package dev.inferq.common.image;

/** Why bytes are not accepted as an image; the message is written for the client who sent them. */
public final class ImageRejectedException extends RuntimeException {

    /** The kind of refusal, which decides the HTTP status at the gateway. */
    public enum Reason {
        /** No bytes at all. */
        EMPTY,
        /** More bytes than {@link ImagePolicy#maxBytes()}. */
        TOO_MANY_BYTES,
        /** Not one of the {@link ImageFormat}s, or a header that cannot be read. */
        NOT_AN_IMAGE,
        /** A header announcing more than {@link ImagePolicy#maxPixels()} pixels: a decompression bomb, or just huge. */
        TOO_MANY_PIXELS
    }

    private final Reason reason;

    ImageRejectedException(Reason reason, String message, Throwable cause) {
        super(message, cause, false, false);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }

    /** True for refusals about size (bytes or pixels), which the gateway answers with 413. */
    public boolean isTooLarge() {
        return reason == Reason.TOO_MANY_BYTES || reason == Reason.TOO_MANY_PIXELS;
    }
}
