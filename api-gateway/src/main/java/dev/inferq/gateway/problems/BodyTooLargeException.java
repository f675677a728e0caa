package dev.inferq.gateway.problems;

import org.springframework.core.io.buffer.DataBufferLimitException;

/**
 * A request body over its route's limit, found while it streams in: a {@link DataBufferLimitException}, so that every
 * decoder passes it on as its own limit failures, and it names the setting the limit follows from.
 */
public class BodyTooLargeException extends DataBufferLimitException {

    private final String setting;

    public BodyTooLargeException(String detail, String setting) {
        super(detail);
        this.setting = setting;
    }

    public String setting() {
        return setting;
    }
}
