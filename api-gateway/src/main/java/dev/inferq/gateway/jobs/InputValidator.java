package dev.inferq.gateway.jobs;

import dev.inferq.common.job.JobInput;
import dev.inferq.gateway.GatewayProperties;
import dev.inferq.gateway.problems.ApiException;
import java.util.List;
import org.springframework.stereotype.Component;

/** Checks job inputs against the contract and the configured limits, with a detail that says what to fix. */
@Component
public class InputValidator {

    private final GatewayProperties limits;

    public InputValidator(GatewayProperties limits) {
        this.limits = limits;
    }

    JobInput.Texts texts(TextJobBody body) {
        List<String> inputs = body == null ? null : body.inputs();
        if (inputs == null || inputs.isEmpty()) {
            throw ApiException.badRequest("'inputs' must be a non-empty list of strings, e.g. {\"inputs\": [\"I loved it\"]}");
        }
        if (inputs.size() > limits.maxInputs()) {
            throw ApiException.tooLarge("'inputs' has " + inputs.size() + " texts; at most " + limits.maxInputs()
                    + " are accepted in one job");
        }
        for (int i = 0; i < inputs.size(); i++) {
            String text = inputs.get(i);
            if (text == null || text.isBlank()) {
                throw ApiException.badRequest("'inputs[" + i + "]' is empty; every input must be a non-blank string");
            }
            if (text.length() > limits.maxTextChars()) {
                throw ApiException.tooLarge("'inputs[" + i + "]' has " + text.length() + " characters; at most "
                        + limits.maxTextChars() + " are accepted");
            }
        }
        return new JobInput.Texts(inputs);
    }

    JobInput.Image image(byte[] bytes) {
        if (bytes.length == 0) {
            throw ApiException.badRequest("the uploaded file is empty");
        }
        if (bytes.length > limits.maxImageSize().toBytes()) {
            throw ApiException.tooLarge("the image has " + bytes.length + " bytes; at most "
                    + limits.maxImageSize().toBytes() + " are accepted");
        }
        ImageFormat format = ImageFormat.sniff(bytes).orElseThrow(() -> ApiException.unsupportedMediaType(
                "the uploaded file is not a JPEG, PNG, GIF or BMP image"));
        return new JobInput.Image(format.mediaType(), bytes.length);
    }
}
