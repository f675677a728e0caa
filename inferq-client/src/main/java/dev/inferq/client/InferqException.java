package dev.inferq.client;

/** Anything the client could not do: the gateway refused ({@link InferqProblemException}), or no usable answer came. */
public class InferqException extends RuntimeException {

    public InferqException(String message, Throwable cause) {
        super(message, cause);
    }
}
