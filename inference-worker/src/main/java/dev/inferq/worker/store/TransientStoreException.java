package dev.inferq.worker.store;

import io.lettuce.core.RedisException;
import java.time.Duration;
import java.util.concurrent.TimeoutException;
import org.springframework.dao.DataAccessException;
import reactor.core.Exceptions;
import reactor.core.publisher.Mono;

/**
 * A store that a batch's outcomes go to did not answer: Redis (the job store, the response cache) could not be reached,
 * timed out or refused the write (at its memory cap, {@code noeviction}: "OOM command not allowed"), or Kafka did not
 * acknowledge a dead letter. Like Kafka's {@code RetriableException}, it says that the same call may succeed later, so
 * the consumer retries the batch, its offsets uncommitted, until it does. Any other exception is a fault that retrying
 * cannot mend (a bug, a model that misbehaves), and it fails the batch's jobs instead of looping.
 */
public class TransientStoreException extends RuntimeException {

    public TransientStoreException(String message, Throwable cause) {
        super(message, cause);
    }

    /**
     * Waits at most {@code timeout} for {@code result}, for a consumer thread. A timeout, a connection failure or an
     * error Redis answered becomes this exception; anything else thrown on the way (a record that cannot be decoded,
     * say) is left as it is.
     *
     * @param what the command, for the message
     */
    public static <T> T await(Mono<T> result, Duration timeout, String what) {
        try {
            return result.timeout(timeout).block();
        } catch (DataAccessException e) {
            // Spring's message is generic ("Error in execution"); Redis's own says why, e.g. that it is full (OOM).
            throw new TransientStoreException("Redis failed on " + what + ": " + e.getMostSpecificCause().getMessage(),
                    e);
        } catch (RedisException e) {
            throw new TransientStoreException("Redis failed on " + what + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            if (Exceptions.unwrap(e) instanceof TimeoutException) {
                throw new TransientStoreException("Redis did not answer " + what + " within " + timeout, e);
            }
            throw e;
        }
    }
}
