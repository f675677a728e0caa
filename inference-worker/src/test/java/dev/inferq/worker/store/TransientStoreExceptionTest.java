package dev.inferq.worker.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.data.redis.RedisConnectionFailureException;
import reactor.core.publisher.Mono;

/** Which failures of a Redis call a batch retries: the store's, and no others. */
class TransientStoreExceptionTest {

    private static final Duration TIMEOUT = Duration.ofMillis(50);

    @Test
    void aTimeoutAndAConnectionFailureAreTransient() {
        assertThatThrownBy(() -> TransientStoreException.await(Mono.never(), TIMEOUT, "a read"))
                .isInstanceOf(TransientStoreException.class)
                .hasMessage("Redis did not answer a read within PT0.05S");
        assertThatThrownBy(() -> TransientStoreException.await(
                Mono.error(new RedisConnectionFailureException("connection refused")), TIMEOUT, "a read"))
                .isInstanceOf(TransientStoreException.class)
                .hasMessage("Redis failed on a read: connection refused");
    }

    @Test
    void anythingElseIsLeftAsItIsAndAnAnswerIsReturned() {
        IllegalArgumentException bug = new IllegalArgumentException("cannot decode the record");

        assertThatThrownBy(() -> TransientStoreException.await(Mono.error(bug), TIMEOUT, "a read")).isSameAs(bug);
        assertThat(TransientStoreException.await(Mono.just("answer"), TIMEOUT, "a read")).isEqualTo("answer");
    }
}
