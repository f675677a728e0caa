package dev.inferq.worker.queue;

import java.util.Collection;
import java.util.EnumSet;
import java.util.Set;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.TopicPartition;

/**
 * The one place that pauses and resumes a consumer's partitions, for whichever reasons hold: they stay paused while
 * any does, so the retry pause and the read-ahead limit cannot resume each other's pause. The consumer keeps polling
 * while paused, which keeps it in its group.
 *
 * <p>Not thread-safe: it belongs to its consumer's thread.
 */
final class PartitionPauses {

    enum Reason {
        /** A batch failed and waits for another attempt: nothing new starts meanwhile. */
        RETRYING,
        /** The read-ahead buffer is full. */
        READ_AHEAD_FULL
    }

    private final Consumer<?, ?> consumer;
    private final Set<Reason> reasons = EnumSet.noneOf(Reason.class);

    PartitionPauses(Consumer<?, ?> consumer) {
        this.consumer = consumer;
    }

    void set(Reason reason, boolean holds) {
        boolean wasPaused = !reasons.isEmpty();
        if (holds) {
            reasons.add(reason);
        } else {
            reasons.remove(reason);
        }
        if (!wasPaused && !reasons.isEmpty()) {
            consumer.pause(consumer.assignment());
        } else if (wasPaused && reasons.isEmpty()) {
            consumer.resume(consumer.paused());
        }
    }

    /** Newly assigned partitions start unpaused; pauses them too while any reason holds. */
    void assigned(Collection<TopicPartition> partitions) {
        if (!reasons.isEmpty()) {
            consumer.pause(partitions);
        }
    }
}
