package dev.inferq.gateway.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisCommandExecutionException;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.springframework.data.redis.RedisSystemException;
import org.springframework.http.HttpStatus;

class RedisFullTest {

    @Test
    void redisRefusingAWriteAtItsCapIsToldApartFromOtherFailures() {
        RedisSystemException inScript = new RedisSystemException("Error in execution",
                new RedisCommandExecutionException("ERR Error running script (call to f_1): @user_script:1:"
                        + " @user_script: 1: -OOM command not allowed when used memory > 'maxmemory'."));
        RedisSystemException plain = new RedisSystemException("Error in execution",
                new RedisCommandExecutionException("OOM command not allowed when used memory > 'maxmemory'."));

        assertThat(RedisFull.is(inScript)).isTrue();
        assertThat(RedisFull.is(plain)).isTrue();
        assertThat(RedisFull.is(new RedisSystemException("Error in execution",
                new RedisCommandExecutionException("NOAUTH Authentication required.")))).isFalse();
        assertThat(RedisFull.is(new IllegalStateException((String) null))).isFalse();
    }

    @Test
    void itsProblemIsA503WithALongerRetryAfterThatNamesTheCause() {
        var problem = RedisFull.problem(new IllegalStateException("OOM command not allowed"));

        assertThat(problem.status()).isEqualTo(HttpStatus.SERVICE_UNAVAILABLE);
        assertThat(problem.retryAfter()).isEqualTo(RedisFull.RETRY_AFTER);
        assertThat(problem.getMessage()).contains("Redis", "full", "maxmemory");
    }

    @Test
    void memoryFiguresComeFromInfoMemoryAndTheRatioNeedsACap() {
        Properties capped = new Properties();
        capped.setProperty("used_memory", "250");
        capped.setProperty("maxmemory", "1000");
        Properties uncapped = new Properties();
        uncapped.setProperty("used_memory", "250");
        uncapped.setProperty("maxmemory", "0");

        assertThat(RedisMemoryGauge.Memory.of(capped).ratio()).isEqualTo(0.25);
        assertThat(RedisMemoryGauge.Memory.of(uncapped).ratio()).isNaN();
        assertThat(RedisMemoryGauge.Memory.of(new Properties()).used()).isNaN();
    }
}
