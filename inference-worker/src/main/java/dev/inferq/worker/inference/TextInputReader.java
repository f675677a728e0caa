package dev.inferq.worker.inference;

import dev.inferq.contract.ErrorCodes;
import dev.inferq.contract.JobInput;
import dev.inferq.contract.JobRequest;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
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

    /** The texts in order, each as its UTF-8 length and bytes, so that no two lists of texts encode alike. */
    @Override
    public byte[] content(JobRequest request, StoredInputs stored) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (String text : read(request, stored)) {
            byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
            out.writeBytes(ByteBuffer.allocate(Integer.BYTES).putInt(utf8.length).array());
            out.writeBytes(utf8);
        }
        return out.toByteArray();
    }
}
