package dev.inferq.worker.inference;

import dev.inferq.common.image.ImagePolicy;
import dev.inferq.contract.ErrorCodes;
import dev.inferq.contract.JobInput;
import dev.inferq.contract.JobRequest;
import java.util.List;

/**
 * Reads an image job: its bytes were stored beside the job, and are decoded, resized and normalised here, once
 * ({@link ImagePreparer}). Worth doing while the forward pass before runs ({@link #readsAhead()}).
 */
public final class ImageInputReader implements InputReader<PreparedImage> {

    /** The reason a job fails with when its image bytes are gone from the store. */
    public static final String INPUT_EXPIRED = "input bytes expired";

    private final ImagePolicy policy;
    private final ImagePreparer preparer;

    public ImageInputReader(ImagePolicy policy, ImagePreparer preparer) {
        this.policy = policy;
        this.preparer = preparer;
    }

    @Override
    public List<PreparedImage> read(JobRequest request, StoredInputs stored) {
        return List.of(preparer.prepare(ImageDecoder.decode(content(request, stored), policy)));
    }

    @Override
    public boolean readsAhead() {
        return true;
    }

    /** The image's bytes as stored beside the job: the gateway's download of a URL, or the upload. */
    @Override
    public byte[] content(JobRequest request, StoredInputs stored) {
        if (!(request.input() instanceof JobInput.Image)) {
            throw new InvalidInputException(ErrorCodes.INVALID_INPUT, "model '" + request.model()
                    + "' classifies images, but the job's input is not an image");
        }
        return stored.load(request.id())
                .orElseThrow(() -> new InvalidInputException(ErrorCodes.INPUT_MISSING, INPUT_EXPIRED));
    }
}
