package dev.inferq.gateway.jobs;

import dev.inferq.common.image.ImageHeader;
import dev.inferq.contract.JobInput;

/** Image bytes that passed the {@link dev.inferq.common.image.ImagePolicy}, with what their header said. */
public record CheckedImage(byte[] bytes, ImageHeader header) {

    /** The job input that refers to these bytes. */
    public JobInput.Image input() {
        return new JobInput.Image(header.format().mediaType(), bytes.length);
    }
}
