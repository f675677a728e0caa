package dev.inferq.gateway.backlog;

import dev.inferq.common.job.JobNames;
import dev.inferq.common.model.ModelCatalog;
import dev.inferq.gateway.GatewayProperties;
import dev.inferq.gateway.problems.ApiException;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;

/**
 * Keeps each model's backlog (jobs in its topic that its worker group has not committed yet) and its recent
 * throughput, read from Kafka in the background, and refuses submits to a model whose backlog is over the limit.
 *
 * <p>The backlog lives in Kafka, not in gateway memory, so every gateway replica sees the same figure and a restart
 * loses nothing. The check reads the last snapshot: it adds no Kafka round trip to a submit, at the price of being
 * up to one refresh interval late.
 */
@Component
public class BacklogMonitor implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(BacklogMonitor.class);

    private final ModelCatalog catalog;
    private final Admin admin;
    private final BackpressureProperties properties;
    private final Duration fallbackRetryAfter;
    private final Map<String, ModelBacklog> backlogs = new ConcurrentHashMap<>();
    private ScheduledExecutorService scheduler;

    public BacklogMonitor(ModelCatalog catalog, Admin admin, BackpressureProperties properties,
            GatewayProperties gateway, MeterRegistry registry) {
        this.catalog = catalog;
        this.admin = admin;
        this.properties = properties;
        this.fallbackRetryAfter = gateway.retryAfter();
        for (String model : catalog.names()) {
            // NaN until the first read: "no figure yet" must not look like an empty queue on a dashboard.
            Gauge.builder("inferq.backlog.jobs", this, monitor -> {
                        long jobs = monitor.backlog(model);
                        return jobs < 0 ? Double.NaN : jobs;
                    })
                    .description("Jobs in the model's topic not yet committed by its worker group (consumer lag)")
                    .tag("model", model)
                    .register(registry);
        }
    }

    /** Throws a 429 problem with a {@code Retry-After} when {@code model}'s backlog is over the limit. */
    public void admit(String model) {
        ModelBacklog backlog = backlogs.get(model);
        if (!properties.enabled() || backlog == null || backlog.jobs() < properties.maxBacklog()) {
            return;
        }
        Duration retryAfter = backlog.timeToDrain(backlog.jobs() - properties.maxBacklog() + 1)
                .orElse(fallbackRetryAfter);
        if (retryAfter.compareTo(properties.maxRetryAfter()) > 0) {
            retryAfter = properties.maxRetryAfter();
        }
        throw new ApiException(HttpStatus.TOO_MANY_REQUESTS, "Model busy",
                "model '" + model + "' has " + backlog.jobs() + " jobs waiting (limit " + properties.maxBacklog()
                        + "); retry after " + Math.max(1, retryAfter.toSeconds()) + " s",
                retryAfter, null);
    }

    /** The last backlog read for {@code model}, in jobs; -1 before the first read. */
    public long backlog(String model) {
        ModelBacklog backlog = backlogs.get(model);
        return backlog == null ? -1 : backlog.jobs();
    }

    /**
     * Jobs of {@code model} completed per second over the throughput window ({@code throughput-window}), from its
     * worker group's committed offsets; empty before two readings.
     */
    public Optional<Double> completedPerSecond(String model) {
        ModelBacklog backlog = backlogs.get(model);
        return backlog == null ? Optional.empty() : backlog.perSecond();
    }

    void refresh() {
        try {
            List<String> models = catalog.names();
            Map<String, TopicDescription> topics = admin.describeTopics(
                    models.stream().map(JobNames::topic).toList()).allTopicNames().get(5, TimeUnit.SECONDS);
            for (String model : models) {
                TopicDescription topic = topics.get(JobNames.topic(model));
                List<TopicPartition> partitions = topic.partitions().stream()
                        .map(p -> new TopicPartition(topic.name(), p.partition())).toList();
                Map<TopicPartition, Long> ends = offsets(partitions, OffsetSpec.latest());
                Map<TopicPartition, Long> starts = offsets(partitions, OffsetSpec.earliest());
                Map<TopicPartition, OffsetAndMetadata> committed = admin
                        .listConsumerGroupOffsets(JobNames.consumerGroup(model))
                        .partitionsToOffsetAndMetadata().get(5, TimeUnit.SECONDS);
                long done = 0;
                long waiting = 0;
                for (TopicPartition partition : partitions) {
                    OffsetAndMetadata commit = committed.get(partition);
                    long position = commit != null ? commit.offset() : starts.get(partition);
                    done += position;
                    waiting += Math.max(0, ends.get(partition) - position);
                }
                backlogs.computeIfAbsent(model, m -> new ModelBacklog(properties.throughputWindow()))
                        .record(waiting, done, System.nanoTime());
            }
        } catch (Exception e) {
            // Keep the last snapshot: an unreachable broker is answered by the submit path itself (503).
            log.debug("Could not read job backlogs from Kafka: {}", e.toString());
        }
    }

    private Map<TopicPartition, Long> offsets(List<TopicPartition> partitions, OffsetSpec spec) throws Exception {
        Map<TopicPartition, ListOffsetsResultInfo> result = admin.listOffsets(
                partitions.stream().collect(Collectors.toMap(p -> p, p -> spec))).all().get(5, TimeUnit.SECONDS);
        return result.entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset()));
    }

    @Override
    public void start() {
        scheduler = Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "backlog-monitor"));
        long period = properties.refreshInterval().toMillis();
        scheduler.scheduleWithFixedDelay(this::refresh, 0, period, TimeUnit.MILLISECONDS);
    }

    @Override
    public void stop() {
        scheduler.shutdownNow();
        scheduler = null;
    }

    @Override
    public boolean isRunning() {
        return scheduler != null;
    }

    /** One model's backlog and the recent samples of its completed-job count, for a throughput estimate. */
    private static final class ModelBacklog {

        private final long windowNanos;
        private final Deque<long[]> samples = new ArrayDeque<>();
        private volatile long jobs;

        ModelBacklog(Duration window) {
            this.windowNanos = window.toNanos();
        }

        long jobs() {
            return jobs;
        }

        synchronized void record(long waiting, long completed, long now) {
            jobs = waiting;
            samples.addLast(new long[] {now, completed});
            while (samples.size() > 2 && now - samples.peekFirst()[0] > windowNanos) {
                samples.removeFirst();
            }
        }

        synchronized Optional<Double> perSecond() {
            if (samples.size() < 2) {
                return Optional.empty();
            }
            long[] first = samples.peekFirst();
            long[] last = samples.peekLast();
            return Optional.of((last[1] - first[1]) * 1e9 / (last[0] - first[0]));
        }

        /** How long the workers need for {@code count} jobs at their recent pace; empty when they made none. */
        synchronized Optional<Duration> timeToDrain(long count) {
            if (samples.size() < 2) {
                return Optional.empty();
            }
            long[] first = samples.peekFirst();
            long[] last = samples.peekLast();
            double perNano = (double) (last[1] - first[1]) / (last[0] - first[0]);
            if (perNano <= 0) {
                return Optional.empty();
            }
            return Optional.of(Duration.ofNanos((long) Math.ceil(count / perNano)));
        }
    }
}
