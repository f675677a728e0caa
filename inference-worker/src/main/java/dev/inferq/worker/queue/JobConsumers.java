package dev.inferq.worker.queue;

import dev.inferq.common.cache.CacheMetrics;
import dev.inferq.common.job.JobNames;
import dev.inferq.worker.WorkerProperties;
import dev.inferq.worker.cache.ResponseCache;
import dev.inferq.worker.compute.ComputeScheduler;
import dev.inferq.worker.inference.BatchPolicy;
import dev.inferq.worker.inference.ModelRegistry;
import dev.inferq.worker.inference.ServedModel;
import dev.inferq.worker.inference.versions.ServedVersions;
import dev.inferq.worker.inference.versions.VersionedBatchRunner;
import dev.inferq.worker.run.BatchJobRunner;
import dev.inferq.worker.run.DeadLetters;
import dev.inferq.worker.run.InputPreparation;
import dev.inferq.worker.run.JobMetrics;
import dev.inferq.worker.run.JobTracing;
import dev.inferq.worker.store.BlockingJobStore;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.tracing.Tracer;
import io.micrometer.tracing.propagation.Propagator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.SmartLifecycle;
import org.springframework.kafka.core.ConsumerFactory;
import org.springframework.stereotype.Component;
import org.springframework.util.backoff.BackOff;
import org.springframework.util.backoff.ExponentialBackOff;

/**
 * The worker's consumer threads: {@code consumers-per-model} {@link ModelConsumer}s per served model, each in the
 * model's consumer group (so replicas share its partitions) with its own batching by the model's {@link BatchPolicy}
 * (its first version's), running each job on the version of the model it names ({@link VersionedBatchRunner}).
 * Started once the context is ready; stopping lets each finish and commit its batch in progress before it leaves the
 * group.
 */
@Component
public class JobConsumers implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(JobConsumers.class);

    private final List<ModelConsumer> consumers = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private final Duration shutdownTimeout;

    public JobConsumers(ModelRegistry registry, ConsumerFactory<String, byte[]> consumerFactory,
            BlockingJobStore store, DeadLetters deadLetters, WorkerProperties properties, MeterRegistry meters,
            ObjectProvider<Tracer> tracer, ObjectProvider<Propagator> propagator, ResponseCache cache,
            ComputeScheduler compute, InputPreparation preparation, ServedVersions versions) {
        this.shutdownTimeout = properties.shutdownTimeout();
        JobTracing tracing = new JobTracing(tracer.getIfAvailable(() -> Tracer.NOOP),
                propagator.getIfAvailable(() -> Propagator.NOOP));
        FairShare fairShare = FairShare.of(properties);
        for (ServedModel<?> model : registry.models()) {
            BatchPolicy policy = model.policy();
            log.info("Model '{}': batches of up to {} input(s), waiting up to {} ms for more, {} consumer thread(s),"
                    + " {} reading ahead up to {} job(s)", model.name(), policy.maxBatchSize(),
                    policy.maxBatchDelay().toMillis(), properties.consumersPerModel(),
                    fairShare.enabled() ? "fair share between tenants," : "in arrival order (fair share off),",
                    fairShare.readAheadJobs());
            BatchMetrics metrics = new BatchMetrics(meters, model.name());
            JobMetrics jobMetrics = new JobMetrics(meters, model.name());
            CacheMetrics cacheMetrics = new CacheMetrics(meters, model.name());
            for (int i = 0; i < properties.consumersPerModel(); i++) {
                ModelConsumer consumer = new ModelConsumer(model.name(),
                        consumer(model.name(), i, policy, consumerFactory), policy, fairShare,
                        new VersionedBatchRunner(versions.of(model.name()), version -> new BatchJobRunner<>(
                                version.served(), Integer.toString(version.version()), store, deadLetters,
                                properties, jobMetrics, tracing, cache, cacheMetrics, compute, preparation)),
                        retryBackOff(properties), properties.shutdownTimeout(), metrics, tracing);
                consumers.add(consumer);
                threads.add(new Thread(consumer, "inferq-" + model.name() + "-" + i));
            }
        }
    }

    private static Consumer<String, byte[]> consumer(String model, int index,
            BatchPolicy policy, ConsumerFactory<String, byte[]> factory) {
        Properties overrides = new Properties();
        overrides.setProperty(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, Integer.toString(policy.maxPollRecords()));
        return factory.createConsumer(JobNames.consumerGroup(model), "inferq-worker-" + model, "-" + index,
                overrides);
    }

    /** Pauses doubling from {@code retry-initial-backoff} to {@code retry-max-backoff}; never stops. */
    static BackOff retryBackOff(WorkerProperties properties) {
        ExponentialBackOff backOff = new ExponentialBackOff(properties.retryInitialBackoff().toMillis(), 2.0);
        backOff.setMaxInterval(properties.retryMaxBackoff().toMillis());
        backOff.setMaxElapsedTime(Long.MAX_VALUE);
        backOff.setMaxAttempts(Long.MAX_VALUE);
        return backOff;
    }

    /** The models of which some consumer has not joined its group yet (or whose consumer thread has ended). */
    public List<String> modelsNotJoined() {
        return consumers.stream().filter(consumer -> !consumer.hasJoined()).map(ModelConsumer::model).distinct()
                .toList();
    }

    @Override
    public void start() {
        threads.forEach(Thread::start);
    }

    @Override
    public void stop() {
        consumers.forEach(ModelConsumer::requestStop);
        awaitAll();
    }

    @Override
    public void stop(Runnable callback) {
        // All models' consumers stop in parallel; stopped is reported once the last batch in progress is done.
        consumers.forEach(ModelConsumer::requestStop);
        Thread waiter = new Thread(() -> {
            awaitAll();
            callback.run();
        }, "inferq-consumers-stop");
        waiter.start();
    }

    private void awaitAll() {
        // A consumer gives up a still-failing batch after shutdown-timeout, then closes (bounded by Kafka's own
        // close timeout); the margin covers that close.
        long deadline = System.nanoTime() + shutdownTimeout.plusSeconds(35).toNanos();
        try {
            for (ModelConsumer consumer : consumers) {
                long left = deadline - System.nanoTime();
                if (!consumer.awaitFinished(Duration.ofNanos(Math.max(0, left)))) {
                    log.warn("A job consumer did not stop in time; its uncommitted jobs will be delivered again");
                }
            }
            log.info("Job consumers stopped: batches in progress finished and their offsets committed");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public boolean isRunning() {
        return threads.stream().anyMatch(Thread::isAlive);
    }
}
