package dev.inferq.worker.inference;

import ai.djl.modality.cv.Image;
import dev.inferq.common.image.ImagePolicy;
import dev.inferq.common.job.JobInput;
import dev.inferq.common.job.JobRequest;
import java.util.List;

/** Reads an image job: its bytes were stored beside the job and are decoded here. */
public final class ImageInputReader implements InputReader<Image> {

    /** The reason a job fails with when its image bytes are gone from the store. */
    public static final String INPUT_EXPIRED = "input bytes expired";

    private final ImagePolicy policy;

    public ImageInputReader(ImagePolicy policy) {
        this.policy = policy;
    }

    @Override
    public List<Image> read(JobRequest request, StoredInputs stored) {
        return List.of(ImageDecoder.decode(content(request, stored), policy));
    }

    /** The image's bytes as stored beside the job: the gateway's download of a URL, or the upload. */
    @Override
    public byte[] content(JobRequest request, StoredInputs stored) {
        if (!(request.input() instanceof JobInput.Image)) {
            throw new InvalidInputException("model '" + request.model() + "' classifies images, but the job's input "
                    + "is not an image");
        }
        return stored.load(request.id()).orElseThrow(() -> new InvalidInputException(INPUT_EXPIRED));
    }
}
