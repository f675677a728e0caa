package dev.inferq.worker.inference;

import dev.inferq.common.job.JobInput;
import dev.inferq.common.job.JobRequest;
import java.util.List;

/** Reads a text job: its texts travel inside the message. */
public final class TextInputReader implements InputReader<String> {

    @Override
    public List<String> read(JobRequest request, StoredInputs stored) {
        if (request.input() instanceof JobInput.Texts texts) {
            return texts.texts();
        }
        throw new InvalidInputException("model '" + request.model() + "' classifies texts, but the job's input is "
                + "not text");
    }
}
