package dev.inferq.worker.inference;

import dev.inferq.common.cache.CacheKeys;
import dev.inferq.contract.ErrorCodes;
import dev.inferq.contract.JobInput;
import dev.inferq.contract.JobRequest;
import java.util.List;

/** Reads a text job: its texts travel inside the message. */
public final class TextInputReader implements InputReader<String> {

    @Override
    public List<String> read(JobRequest request, StoredInputs stored) {
        if (request.input() instanceof JobInput.Texts texts) {
            return texts.texts();
        }
        throw new InvalidInputException(ErrorCodes.INVALID_INPUT, "model '" + request.model()
                + "' classifies texts, but the job's input is not text");
    }

    @Override
    public byte[] content(JobRequest request, StoredInputs stored) {
        return CacheKeys.texts(read(request, stored));
    }
}
