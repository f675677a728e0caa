package dev.inferq.worker.jobs;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.listener.ConsumerRecordRecoverer;
import org.springframework.kafka.listener.ListenerExecutionFailedException;

/**
 * What becomes of each message of a batch that still failed after every retry: an ERROR naming its job, after which
 * the offset is committed and the job stays QUEUED or RUNNING until its record expires. Publishing such messages to
 * a dead-letter topic instead means replacing this recoverer.
 */
final class UnfinishedJobLogger implements ConsumerRecordRecoverer {

    private static final Logger log = LoggerFactory.getLogger(UnfinishedJobLogger.class);

    @Override
    public void accept(ConsumerRecord<?, ?> record, Exception failure) {
        // The container wraps what the listener threw; its own message ("Listener failed") says nothing.
        Throwable cause = failure instanceof ListenerExecutionFailedException && failure.getCause() != null
                ? failure.getCause()
                : failure;
        // One line per job: a batch can hold many, and they share the stack trace (at debug).
        log.error("Giving up on job {} ({}-{}@{}) after all retries: {}", record.key(), record.topic(),
                record.partition(), record.offset(), cause.toString());
        log.debug("Failure behind giving up on job {}", record.key(), failure);
    }
}
