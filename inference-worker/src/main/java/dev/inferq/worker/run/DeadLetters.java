package dev.inferq.worker.run;

import dev.inferq.common.job.JobNames;
import dev.inferq.worker.WorkerProperties;
import dev.inferq.worker.store.TransientStoreException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.stereotype.Component;

/**
 * Copies messages that can never succeed (a job whose input cannot be decoded, a job the model failed on, a message
 * that is no job at all) to their model's dead-letter topic, {@link JobNames#deadLetterTopic}: the original value
 * bytes and headers, plus headers naming the reason and where the message came from.
 *
 * <p>{@link #publish} returns only once Kafka has acknowledged the copy, so the runner stores the job FAILED, and the
 * consumer commits the source offset, only after the dead letter is durable. A publish that fails throws a
 * {@link TransientStoreException}, whatever Kafka's reason: the dead-letter topic is where failures are kept, and a
 * failure whose copy cannot be written has nowhere else to go (failing its job instead would need that very copy). The
 * batch is then retried, and a copy may be published twice.
 */
@Component
public class DeadLetters {

    /** Why the message is dead: the job's error, or why the message could not be read. */
    public static final String ERROR = "inferq-error";
    public static final String SOURCE_TOPIC = "inferq-source-topic";
    public static final String SOURCE_PARTITION = "inferq-source-partition";
    public static final String SOURCE_OFFSET = "inferq-source-offset";

    private static final Logger log = LoggerFactory.getLogger(DeadLetters.class);

    private final KafkaTemplate<String, byte[]> kafka;
    private final Duration timeout;

    public DeadLetters(KafkaTemplate<String, byte[]> kafka, WorkerProperties properties) {
        this.kafka = kafka;
        this.timeout = properties.deadLetterTimeout();
    }

    /**
     * Publishes a copy of {@code source} to the model's dead-letter topic, keyed {@code key}, and waits for Kafka's
     * acknowledgement.
     *
     * @throws TransientStoreException when Kafka did not acknowledge it within
     *     {@code inferq.worker.dead-letter-timeout}
     */
    public void publish(String model, ConsumerRecord<String, byte[]> source, String key, String reason) {
        ProducerRecord<String, byte[]> letter = new ProducerRecord<>(JobNames.deadLetterTopic(model), key,
                source.value());
        Headers headers = letter.headers();
        for (Header header : source.headers()) {
            headers.add(header);
        }
        headers.add(ERROR, utf8(reason != null ? reason : "unknown"));
        headers.add(SOURCE_TOPIC, utf8(source.topic()));
        headers.add(SOURCE_PARTITION, utf8(Integer.toString(source.partition())));
        headers.add(SOURCE_OFFSET, utf8(Long.toString(source.offset())));
        try {
            kafka.send(letter).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TransientStoreException("interrupted while publishing the dead letter of " + describe(source),
                    e);
        } catch (ExecutionException | TimeoutException e) {
            Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
            throw new TransientStoreException("cannot publish the dead letter of " + describe(source) + " to "
                    + letter.topic() + ": " + cause, cause);
        }
        log.warn("Dead letter: {} (key {}) copied to {}: {}", describe(source), key, letter.topic(), reason);
    }

    private static String describe(ConsumerRecord<?, ?> record) {
        return record.topic() + "-" + record.partition() + "@" + record.offset();
    }

    private static byte[] utf8(String value) {
        return value.getBytes(StandardCharsets.UTF_8);
    }
}
