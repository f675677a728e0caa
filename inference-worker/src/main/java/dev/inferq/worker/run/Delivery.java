package dev.inferq.worker.run;

import dev.inferq.contract.JobCodec.MalformedJobException;
import dev.inferq.contract.JobCodec;
import dev.inferq.contract.JobRequest;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * One polled Kafka message, decoded once, as soon as it is polled: the job it carries, the record it came from (for
 * the commit and for dead letters) and how many inputs it has. A message that is no readable job for this model keeps
 * the reason instead of a request, counts one input, and is dead-lettered rather than run.
 *
 * <p>The queue stage forms batches of them, and the run stage takes those; the type lives with the run stage, so
 * that the queue depends on the run and never the other way.
 *
 * @param source the Kafka record the job arrived in
 * @param request the job, or null when the message is malformed
 * @param malformed why the message is no job for this model, or null
 */
public record Delivery(ConsumerRecord<String, byte[]> source, JobRequest request, String malformed) {

    /** Decodes {@code source}, a message on the topic of {@code model}. */
    public static Delivery decode(ConsumerRecord<String, byte[]> source, String model) {
        try {
            JobRequest request = JobCodec.decodeRequest(source.value());
            if (!request.model().equals(model)) {
                return new Delivery(source, null, "job " + request.id() + " is for model '" + request.model()
                        + "' but arrived on the topic of model '" + model + "'");
            }
            return new Delivery(source, request, null);
        } catch (MalformedJobException e) {
            return new Delivery(source, null, e.getMessage());
        }
    }

    public boolean isMalformed() {
        return request == null;
    }

    /** How many inputs the job has, for batching; a malformed message counts one. */
    public int inputCount() {
        return request == null ? 1 : request.input().count();
    }

    /** Where the job was read: topic-partition@offset. */
    public String position() {
        return source.topic() + "-" + source.partition() + "@" + source.offset();
    }
}
