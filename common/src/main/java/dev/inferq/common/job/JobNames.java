package dev.inferq.common.job;

import dev.inferq.contract.JobId;
import dev.inferq.contract.JobRecord;
import java.util.Base64;
import java.util.Optional;

/**
 * The one place that names Kafka topics, consumer groups and Redis keys, so gateway and worker cannot drift apart.
 */
public final class JobNames {

    private static final String TOPIC_PREFIX = "inferq.jobs.";
    private static final String GROUP_PREFIX = "inferq-worker.";
    private static final String KEY_PREFIX = "inferq:job:";
    private static final String IDEMPOTENCY_PREFIX = "inferq:idempotency:";
    private static final String EVENTS_SUFFIX = ":events";
    private static final String WORKER_PREFIX = "inferq:worker:";
    private static final String TENANT_PREFIX = "inferq:tenant:";

    private JobNames() {
    }

    /** The Kafka topic that carries one model's jobs. */
    public static String topic(String model) {
        return TOPIC_PREFIX + model;
    }

    /**
     * The dead-letter topic of one model: a copy of each of its jobs that failed for good (undecodable input, model
     * error) and of each malformed message on its job topic, with headers naming the reason and the source.
     */
    public static String deadLetterTopic(String model) {
        return TOPIC_PREFIX + model + ".dlt";
    }

    /** The consumer group of the workers serving one model: replicas share a model's partitions. */
    public static String consumerGroup(String model) {
        return GROUP_PREFIX + model;
    }

    /** Redis key of the job's {@link JobRecord}. */
    public static String jobKey(JobId id) {
        return KEY_PREFIX + id.value();
    }

    /** Redis key of the job's input bytes (images), kept as long as the job. */
    public static String inputKey(JobId id) {
        return KEY_PREFIX + id.value() + ":input";
    }

    /**
     * Redis sorted set of one model's jobs that are still QUEUED, scored by acceptance time, so that a job's rank in
     * it is its queue position. Jobs leave it when they leave QUEUED ({@link JobStore#transition}).
     */
    public static String queueKey(String model) {
        return "inferq:queue:" + model;
    }

    /**
     * Redis key counting one model's jobs that reached a terminal state, ever ({@link JobStore#transition} adds one in
     * the same step): the rate at which its queue drains is read from it.
     */
    public static String completedKey(String model) {
        return "inferq:completed:" + model;
    }

    /**
     * Redis sorted set of the accepted jobs whose Kafka publish has not been confirmed yet (the outbox), scored by when
     * a sweep may publish them (epoch milliseconds); a sweep that takes an entry moves its score on by its lease
     * ({@link JobOutbox}).
     */
    public static String outboxKey() {
        return "inferq:outbox";
    }

    /** Redis key of the Kafka message of a job in the {@link #outboxKey outbox}, for a sweep to publish. */
    public static String outboxMessageKey(JobId id) {
        return KEY_PREFIX + id.value() + ":message";
    }

    /**
     * Redis hash of a job's webhook: its URL and delivery state (attempts, last status, delivered at). Only jobs
     * submitted with a {@code callback_url} have one.
     */
    public static String callbackKey(JobId id) {
        return KEY_PREFIX + id.value() + ":callback";
    }

    /**
     * Redis sorted set of the webhooks due, scored by when their next attempt is due (epoch milliseconds): a job with
     * a callback enters it in the same atomic step as its terminal state ({@link JobStore#transition}).
     */
    public static String callbacksDueKey() {
        return "inferq:callbacks:due";
    }

    /**
     * Redis sorted set of one tenant's jobs that have not reached a terminal status, scored by when each one's record
     * expires unless it changes again (epoch milliseconds), so that entries whose record is gone can be trimmed. Jobs
     * join it when they are created and leave it in the step that makes them terminal ({@link JobStore}).
     */
    public static String tenantActiveKey(String tenant) {
        return TENANT_PREFIX + tenant + ":active";
    }

    /**
     * Redis sorted set of one tenant's jobs, scored by creation time (epoch milliseconds), from which
     * {@code GET /v1/jobs} lists them newest first. A job joins it in the step that creates it, where the set is also
     * trimmed to the jobs created within the time to live and to the newest few thousand ({@link JobStore#create});
     * the set itself expires a time to live after the tenant's last job. A record expires a time to live after its last
     * change, so it outlives its entry, unless it was removed, evicted or written under a shorter time to live:
     * readers skip and remove such entries.
     */
    public static String tenantJobsKey(String tenant) {
        return TENANT_PREFIX + tenant + ":jobs";
    }

    /**
     * Redis key of one tenant's rate-limit token bucket (the gateway's quota state). {@code policy} names the bucket's
     * settings, so that a changed rate starts a fresh bucket instead of reading one kept for other settings.
     */
    public static String tenantRateKey(String tenant, String policy) {
        return TENANT_PREFIX + tenant + ":rate:" + policy;
    }

    /** Redis key counting how often workers started the job ({@link JobStore#countDelivery}). */
    public static String deliveriesKey(JobId id) {
        return KEY_PREFIX + id.value() + ":deliveries";
    }

    /**
     * Redis key that remembers which job a client's {@code Idempotency-Key} created. The client's key is hashed, so
     * any string a client sends maps to a key of bounded length in our own namespace.
     */
    public static String idempotencyKey(String clientKey) {
        return IDEMPOTENCY_PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(Sha256.of(clientKey));
    }

    /**
     * Redis hash of the API keys created through the gateway's admin endpoint: field = SHA-256 (hex) of the key, value
     * = JSON {@code {id, tenant, created_at}}. The key itself is never stored.
     */
    public static String apiKeysKey() {
        return "inferq:apikeys";
    }

    /**
     * Redis key of one model's versions and their routing ({@code dev.inferq.common.model.versions.ModelVersions}, JSON):
     * configuration, kept without a time to live.
     */
    public static String modelVersionsKey(String model) {
        return "inferq:model:" + model + ":versions";
    }

    /** Redis key under which a running worker announces itself ({@code dev.inferq.common.worker.WorkerDirectory}). */
    public static String workerKey(String workerId) {
        return WORKER_PREFIX + workerId;
    }

    /** Redis pub/sub channel on which every stored change of the job is published. */
    public static String eventsChannel(JobId id) {
        return KEY_PREFIX + id.value() + EVENTS_SUFFIX;
    }

    /** Redis pub/sub pattern matching every job's {@link #eventsChannel}: one subscription follows all jobs. */
    public static String eventsChannelPattern() {
        return KEY_PREFIX + "*" + EVENTS_SUFFIX;
    }

    /** The job whose {@link #eventsChannel} {@code channel} is; empty for any other channel. */
    public static Optional<JobId> jobOfEventsChannel(String channel) {
        if (!channel.startsWith(KEY_PREFIX) || !channel.endsWith(EVENTS_SUFFIX)) {
            return Optional.empty();
        }
        String id = channel.substring(KEY_PREFIX.length(), channel.length() - EVENTS_SUFFIX.length());
        return JobId.isWellFormed(id) ? Optional.of(new JobId(id)) : Optional.empty();
    }
}
