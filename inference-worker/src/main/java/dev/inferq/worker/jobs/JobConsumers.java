package dev.inferq.worker.jobs;

import dev.inferq.common.job.JobNames;
import dev.inferq.worker.WorkerProperties;
import dev.inferq.worker.inference.ModelRegistry;
import dev.inferq.worker.inference.ServedModel;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.kafka.core.ConsumerFactory;
import org.springframework.kafka.listener.AbstractMessageListenerContainer;
import org.springframework.kafka.listener.ConcurrentMessageListenerContainer;
import org.springframework.kafka.listener.ContainerProperties;
import org.springframework.kafka.listener.DefaultErrorHandler;
import org.springframework.stereotype.Component;
import org.springframework.util.backoff.BackOff;
import org.springframework.util.backoff.ExponentialBackOff;

/**
 * One Kafka listener container per served model, consuming the model's topic in its consumer group (so replicas
 * share its partitions). Started after the context is ready; stopping lets each consumer finish and commit its
 * in-flight batch before it leaves the group.
 */
@Component
public class JobConsumers implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(JobConsumers.class);

    private final List<ConcurrentMessageListenerContainer<String, byte[]>> containers;

    public JobConsumers(ModelRegistry registry, ConsumerFactory<String, byte[]> consumerFactory,
            BlockingJobStore store, DeadLetters deadLetters, WorkerProperties properties) {
        this.containers = registry.models().stream()
                .map(model -> container(model, consumerFactory, store, deadLetters, properties))
                .toList();
    }

    private static <I> ConcurrentMessageListenerContainer<String, byte[]> container(ServedModel<I> model,
            ConsumerFactory<String, byte[]> consumerFactory, BlockingJobStore store, DeadLetters deadLetters,
            WorkerProperties properties) {
        ContainerProperties settings = new ContainerProperties(JobNames.topic(model.name()));
        settings.setGroupId(JobNames.consumerGroup(model.name()));
        settings.setClientId("inferq-worker-" + model.name());
        // Commit once per poll, after the listener returned, i.e. after every job of the batch has its outcome stored.
        settings.setAckMode(ContainerProperties.AckMode.BATCH);
        Properties consumer = new Properties();
        consumer.setProperty(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, Integer.toString(properties.maxBatchSize()));
        settings.setKafkaConsumerProperties(consumer);
        settings.setMessageListener(new BatchJobRunner<>(model, store, deadLetters, properties.maxBatchSize()));
        // Stopping waits this long for the in-flight batch to finish and its offsets to be committed.
        settings.setShutdownTimeout(properties.shutdownTimeout().toMillis());

        ConcurrentMessageListenerContainer<String, byte[]> container =
                new ConcurrentMessageListenerContainer<>(consumerFactory, settings);
        container.setConcurrency(properties.consumersPerModel());
        container.setBeanName("inferq-worker-" + model.name());
        container.setCommonErrorHandler(errorHandler(properties));
        return container;
    }

    /**
     * Whatever the listener throws is transient (see BatchJobRunner): the batch is retried, with growing pauses, until
     * it succeeds. Giving up would commit the offsets of jobs that have no terminal state, i.e. lose them. While it
     * waits the consumer keeps polling (paused), so it stays in its group however long the outage lasts.
     */
    private static DefaultErrorHandler errorHandler(WorkerProperties properties) {
        DefaultErrorHandler handler = new DefaultErrorHandler(retryBackOff(properties));
        // No exception type is fatal: by default a few (ClassCastException, ...) would skip the retries and commit.
        handler.setClassifications(Map.of(), true);
        handler.setRetryListeners(new FailedAttemptLogger());
        return handler;
    }

    /** Pauses doubling from {@code retry-initial-backoff} to {@code retry-max-backoff}; never stops. */
    static BackOff retryBackOff(WorkerProperties properties) {
        ExponentialBackOff backOff = new ExponentialBackOff(properties.retryInitialBackoff().toMillis(), 2.0);
        backOff.setMaxInterval(properties.retryMaxBackoff().toMillis());
        backOff.setMaxElapsedTime(Long.MAX_VALUE);
        backOff.setMaxAttempts(Long.MAX_VALUE);
        return backOff;
    }

    @Override
    public void start() {
        containers.forEach(ConcurrentMessageListenerContainer::start);
    }

    @Override
    public void stop() {
        containers.forEach(ConcurrentMessageListenerContainer::stop);
    }

    @Override
    public void stop(Runnable callback) {
        // Stop all models' consumers in parallel; report stopped once the last in-flight batch is done.
        AtomicInteger running = new AtomicInteger(containers.size());
        containers.forEach(container -> container.stop(() -> {
            if (running.decrementAndGet() == 0) {
                log.info("Job consumers stopped: in-flight batches finished and their offsets committed");
                callback.run();
            }
        }));
    }

    @Override
    public boolean isRunning() {
        return containers.stream().anyMatch(ConcurrentMessageListenerContainer::isRunning);
    }

    @Override
    public int getPhase() {
        return AbstractMessageListenerContainer.DEFAULT_PHASE;
    }
}
