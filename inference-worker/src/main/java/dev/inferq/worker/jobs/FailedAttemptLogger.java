package dev.inferq.worker.jobs;

import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.listener.ListenerExecutionFailedException;
import org.springframework.kafka.listener.RetryListener;

/**
 * One WARN line per failed attempt at a batch (a transient failure: Redis unreachable, Kafka not taking a dead
 * letter, ...), naming its jobs and the cause. The batch is retried until it succeeds, with pauses that grow to
 * {@code inferq.worker.retry-max-backoff}, so an outage costs one line per consumer per that interval; the stack trace
 * is logged at DEBUG only.
 */
final class FailedAttemptLogger implements RetryListener {

    private static final Logger log = LoggerFactory.getLogger(FailedAttemptLogger.class);

    @Override
    public void failedDelivery(ConsumerRecords<?, ?> records, Exception failure, int attempt) {
        List<Object> jobs = new ArrayList<>(records.count());
        records.forEach(record -> jobs.add(record.key()));
        log(attempt, "jobs " + jobs, failure);
    }

    @Override
    public void failedDelivery(ConsumerRecord<?, ?> record, Exception failure, int attempt) {
        log(attempt, "job " + record.key(), failure);
    }

    private static void log(int attempt, String jobs, Exception failure) {
        // The container wraps what the listener threw; its own message ("Listener failed") says nothing.
        Throwable cause = failure instanceof ListenerExecutionFailedException && failure.getCause() != null
                ? failure.getCause()
                : failure;
        log.warn("Attempt {} at a batch failed, retrying it (its offsets stay uncommitted): {}: {}", attempt, jobs,
                cause.toString());
        log.debug("Failure of attempt {} at {}", attempt, jobs, failure);
    }
}
