package dev.inferq.common.job;

/**
 * The one place that names Kafka topics, consumer groups and Redis keys, so gateway and worker cannot drift apart.
 */
public final class JobNames {

    private static final String TOPIC_PREFIX = "inferq.jobs.";
    private static final String GROUP_PREFIX = "inferq-worker.";
    private static final String KEY_PREFIX = "inferq:job:";

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

    /** Redis pub/sub channel on which every stored change of the job is published. */
    public static String eventsChannel(JobId id) {
        return KEY_PREFIX + id.value() + ":events";
    }
}
