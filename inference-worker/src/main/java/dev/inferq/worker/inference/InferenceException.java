package dev.inferq.worker.inference;

/** The model failed on a forward pass; retrying the same inputs would fail the same way. */
public class InferenceException extends RuntimeException {

    public InferenceException(String message, Throwable cause) {
        super(message, cause);
    }
}
