package dev.inferq.worker.inference;

import dev.inferq.contract.ErrorCodes;

/**
 * One job's input that the model cannot take. The job fails with the message as its reason and {@link #code()} as its
 * {@code error_code}; the other jobs of the batch are unaffected. Messages are written for the client who submitted
 * the job.
 */
public class InvalidInputException extends RuntimeException {

    private final String code;

    /** @param code the failure's kind, one of {@link ErrorCodes} */
    public InvalidInputException(String code, String message) {
        super(message);
        this.code = code;
    }

    public InvalidInputException(String code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    /** The failure's machine-readable kind ({@link ErrorCodes}). */
    public String code() {
        return code;
    }
}
