package dev.inferq.worker.jobs;

import dev.inferq.common.job.JobNames;
import dev.inferq.worker.WorkerProperties;
import dev.inferq.worker.inference.ModelRegistry;
import dev.inferq.worker.inference.ServedModel;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.springframework.context.SmartLifecycle;
import org.springframework.kafka.core.ConsumerFactory;
import org.springframework.kafka.listener.AbstractMessageListenerContainer;
import org.springframework.kafka.listener.ConcurrentMessageListenerContainer;
import org.springframework.kafka.listener.ContainerProperties;
import org.springframework.kafka.listener.DefaultErrorHandler;
import org.springframework.stereotype.Component;
import org.springframework.util.backoff.FixedBackOff;

/**
 * One Kafka listener container per served model, consuming the model's topic in its consumer group (so replicas
 * share its partitions). Started after the context is ready; stopping lets each consumer finish and commit its
 * in-flight batch before it leaves the group.
 */
@Component
public class JobConsumers implements SmartLifecycle {

    private final List<ConcurrentMessageListenerContainer<String, byte[]>> containers;

    public JobConsumers(ModelRegistry registry, ConsumerFactory<String, byte[]> consumerFactory,
            BlockingJobStore store, WorkerProperties properties) {
        this.containers = registry.models().stream()
                .map(model -> container(model, consumerFactory, store, properties))
                .toList();
    }

    private static <I> ConcurrentMessageListenerContainer<String, byte[]> container(ServedModel<I> model,
            ConsumerFactory<String, byte[]> consumerFactory, BlockingJobStore store, WorkerProperties properties) {
        ContainerProperties settings = new ContainerProperties(JobNames.topic(model.name()));
        settings.setGroupId(JobNames.consumerGroup(model.name()));
        settings.setClientId("inferq-worker-" + model.name());
        // Commit once per poll, after the listener returned, i.e. after every job of the batch has its outcome stored.
        settings.setAckMode(ContainerProperties.AckMode.BATCH);
        Properties consumer = new Properties();
        consumer.setProperty(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, Integer.toString(properties.maxBatchSize()));
        settings.setKafkaConsumerProperties(consumer);
        settings.setMessageListener(new BatchJobRunner<>(model, store, properties.maxBatchSize()));

        ConcurrentMessageListenerContainer<String, byte[]> container =
                new ConcurrentMessageListenerContainer<>(consumerFactory, settings);
        container.setConcurrency(properties.consumersPerModel());
        container.setBeanName("inferq-worker-" + model.name());
        // Whatever the listener throws is transient (see BatchJobRunner): retry the batch, then give its jobs up.
        container.setCommonErrorHandler(new DefaultErrorHandler(new UnfinishedJobLogger(),
                new FixedBackOff(properties.retryBackoff().toMillis(), properties.maxRetries())));
        return container;
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
