package dev.inferq.client;

/**
 * No usable answer: the gateway could not be reached, the connection broke, no answer came within the request
 * timeout, or the answer did not follow the API (an event stream that ended before the job did, undecodable JSON).
 */
public class InferqTransportException extends InferqException {

    public InferqTransportException(String message, Throwable cause) {
        super(message, cause);
    }
}
