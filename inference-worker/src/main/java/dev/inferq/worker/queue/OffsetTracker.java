package dev.inferq.worker.queue;

import dev.inferq.worker.run.Delivery;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * Which offsets of each owned partition are polled but not finished, so that a commit never passes an unfinished
 * job although batches no longer finish in offset order (fair share takes jobs across tenants): a partition's commit
 * point is its lowest unfinished offset, or one past the highest polled when none is unfinished. A crash re-delivers
 * from there; jobs finished above it are re-delivered too, and skipped as finished.
 *
 * <p>Not thread-safe: it belongs to its consumer's thread.
 */
final class OffsetTracker {

    private final Map<TopicPartition, Partition> partitions = new HashMap<>();

    private static final class Partition {
        final TreeSet<Long> unfinished = new TreeSet<>();
        long next;
        long committed;

        Partition(long firstPolled) {
            this.next = firstPolled;
            this.committed = firstPolled;
        }

        long commitPoint() {
            return unfinished.isEmpty() ? next : unfinished.first();
        }
    }

    void polled(ConsumerRecord<?, ?> record) {
        // The first offset polled is where the group's committed offset stood (or the reset point): nothing below
        // it needs committing.
        Partition partition = partitions.computeIfAbsent(partitionOf(record), p -> new Partition(record.offset()));
        partition.unfinished.add(record.offset());
        partition.next = Math.max(partition.next, record.offset() + 1);
    }

    /**
     * Marks these jobs finished and answers the commits they allow: each partition of theirs whose commit point
     * moved past what was committed. A partition forgotten since (revoked) is its new owner's to commit; were it
     * assigned back, its offsets are tracked afresh from what is polled again.
     */
    Map<TopicPartition, OffsetAndMetadata> finished(List<Delivery> jobs) {
        Set<TopicPartition> touched = new LinkedHashSet<>();
        for (Delivery job : jobs) {
            TopicPartition key = partitionOf(job.source());
            Partition partition = partitions.get(key);
            if (partition != null) {
                partition.unfinished.remove(job.source().offset());
                touched.add(key);
            }
        }
        Map<TopicPartition, OffsetAndMetadata> commits = new HashMap<>();
        for (TopicPartition key : touched) {
            Partition partition = partitions.get(key);
            long point = partition.commitPoint();
            if (point > partition.committed) {
                commits.put(key, new OffsetAndMetadata(point));
            }
        }
        return commits;
    }

    /** The commit points of {@code owned} that moved past what was committed. */
    Map<TopicPartition, OffsetAndMetadata> uncommitted(Collection<TopicPartition> owned) {
        Map<TopicPartition, OffsetAndMetadata> commits = new HashMap<>();
        for (TopicPartition key : owned) {
            Partition partition = partitions.get(key);
            if (partition != null && partition.commitPoint() > partition.committed) {
                commits.put(key, new OffsetAndMetadata(partition.commitPoint()));
            }
        }
        return commits;
    }

    /** Records that these commits succeeded; a failed one is tried again with the partition's next commit. */
    void committed(Map<TopicPartition, OffsetAndMetadata> commits) {
        commits.forEach((key, offset) -> {
            Partition partition = partitions.get(key);
            if (partition != null) {
                partition.committed = Math.max(partition.committed, offset.offset());
            }
        });
    }

    /** Forgets partitions this consumer no longer owns. */
    void forget(Collection<TopicPartition> revoked) {
        revoked.forEach(partitions::remove);
    }

    private static TopicPartition partitionOf(ConsumerRecord<?, ?> record) {
        return new TopicPartition(record.topic(), record.partition());
    }
}
