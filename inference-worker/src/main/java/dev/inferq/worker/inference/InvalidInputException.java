package dev.inferq.worker.inference;

/**
 * One job's input that the model cannot take. The job fails with the message as its reason; the other jobs of the
 * batch are unaffected. Messages are written for the client who submitted the job.
 */
public class InvalidInputException extends RuntimeException {

    public InvalidInputException(String message) {
        super(message);
    }

    public InvalidInputException(String message, Throwable cause) {
        super(message, cause);
    }
}
