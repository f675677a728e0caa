package dev.inferq.gateway.jobs;

import dev.inferq.common.image.ImagePolicy;
import dev.inferq.common.image.ImageRejectedException;
import dev.inferq.contract.JobInput;
import dev.inferq.gateway.GatewayProperties;
import dev.inferq.gateway.problems.ApiException;
import java.time.Duration;
import java.util.List;
import org.springframework.stereotype.Component;

/** Checks job inputs against the contract and the configured limits, with a detail that says what to fix. */
@Component
public class InputValidator {

    private final GatewayProperties limits;
    private final ImagePolicy images;

    public InputValidator(GatewayProperties limits, ImagePolicy images) {
        this.limits = limits;
        this.images = images;
    }

    /** Checks the texts of a job, sent in the request field named {@code field}. */
    public JobInput.Texts texts(List<String> inputs, String field) {
        if (inputs == null || inputs.isEmpty()) {
            throw ApiException.badRequest("'" + field + "' must be a non-empty list of strings, e.g. {\"" + field
                    + "\": [\"I loved it\"]}");
        }
        if (inputs.size() > limits.maxInputs()) {
            throw ApiException.tooLarge("'" + field + "' has " + inputs.size() + " texts; at most "
                    + limits.maxInputs() + " are accepted in one job");
        }
        for (int i = 0; i < inputs.size(); i++) {
            String text = inputs.get(i);
            if (text == null || text.isBlank()) {
                throw ApiException.badRequest("'" + field + "[" + i + "]' is empty; every input must be a non-blank"
                        + " string");
            }
            if (text.length() > limits.maxTextChars()) {
                throw ApiException.tooLarge("'" + field + "[" + i + "]' has " + text.length()
                        + " characters; at most " + limits.maxTextChars() + " are accepted");
            }
        }
        return new JobInput.Texts(inputs);
    }

    /**
     * The job's timeout from {@code timeout_s}, given in the JSON body ({@code fromBody}) or as a query parameter
     * ({@code fromQuery}); null when neither is given. It must be a whole number of seconds from 1 to
     * {@code max-timeout}.
     */
    public Duration timeout(Integer fromBody, String fromQuery) {
        if (fromBody != null && fromQuery != null) {
            throw ApiException.badRequest("'timeout_s' is given both in the body and as a query parameter; give it"
                    + " once");
        }
        if (fromQuery != null) {
            long seconds;
            try {
                seconds = Long.parseLong(fromQuery.strip());
            } catch (NumberFormatException e) {
                throw ApiException.badRequest("'timeout_s' must be a whole number of seconds from 1 to "
                        + limits.maxTimeout().toSeconds() + ", was '" + fromQuery + "'");
            }
            return timeout(seconds);
        }
        return fromBody == null ? null : timeout(fromBody.longValue());
    }

    private Duration timeout(long seconds) {
        long max = limits.maxTimeout().toSeconds();
        if (seconds < 1 || seconds > max) {
            throw ApiException.badRequest("'timeout_s' must be a whole number of seconds from 1 to " + max
                    + ", was " + seconds);
        }
        return Duration.ofSeconds(seconds);
    }

    /**
     * Checks an uploaded image against the {@link ImagePolicy}: its size, its format and its pixel count, read from
     * its header before any pixel is decoded. Too large (bytes or pixels) answers 413, not an accepted image 415.
     */
    public CheckedImage image(byte[] bytes) {
        try {
            return new CheckedImage(bytes, images.check(bytes));
        } catch (ImageRejectedException e) {
            throw switch (e.reason()) {
                case EMPTY -> ApiException.badRequest("the uploaded file is empty");
                case TOO_MANY_BYTES, TOO_MANY_PIXELS -> ApiException.tooLarge(e.getMessage());
                case NOT_AN_IMAGE -> ApiException.unsupportedMediaType(e.getMessage());
            };
        }
    }

    /** The most bytes an image body may have; larger bodies are refused while they are read. */
    public int maxImageBytes() {
        return Math.toIntExact(images.maxBytes());
    }
}
