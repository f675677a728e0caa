package dev.inferq.worker.queue;

import dev.inferq.contract.Tenants;
import dev.inferq.worker.run.Delivery;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;

/**
 * The jobs a consumer has read ahead, one first-in first-out queue per tenant, handed out by start-time fair queuing
 * on inputs: each tenant with waiting jobs has a virtual start time, the tenant with the earliest goes next, and
 * serving a job moves its tenant's time on by the job's inputs divided by the tenant's weight. A tenant that had
 * nothing waiting starts at the virtual time of the job last handed out, so idle time earns it no credit. Over any
 * stretch in which tenants all have jobs waiting, each gets inputs in proportion to its weight, one job at a time;
 * a burst of one tenant therefore delays another's job by about one job of the burst, not by the whole burst.
 *
 * <p>Fair queuing rather than deficit round robin: the same shares without a quantum to tune, and jobs of different
 * sizes interleave at the granularity of one job. Within a tenant, jobs keep their arrival order, which is each
 * partition's offset order. With fair share off, every job goes to one queue: plain arrival order.
 *
 * <p>Not thread-safe: it belongs to its consumer's thread.
 */
final class TenantQueues {

    /** Virtual time of one input at weight 1; large so that dividing by a weight keeps precision. */
    private static final long INPUT = 1L << 20;

    private final FairShare settings;
    /** Tenants with jobs waiting, in the order they became active (which breaks ties). */
    private final Map<String, Queue> active = new LinkedHashMap<>();
    /** Where idle tenants' virtual time stands, while it is still ahead of {@link #virtualTime}. */
    private final Map<String, Long> idle = new HashMap<>();
    private long virtualTime;
    private int jobs;
    private int inputs;
    private long bytes;

    private record Waiting(Delivery job, long arrivedNanos) {
    }

    private static final class Queue {
        final Deque<Waiting> jobs = new ArrayDeque<>();
        final int weight;
        long start;

        Queue(int weight, long start) {
            this.weight = weight;
            this.start = start;
        }
    }

    TenantQueues(FairShare settings) {
        this.settings = settings;
    }

    void add(Delivery job, long arrivedNanos) {
        String tenant = tenantOf(job);
        Queue queue = active.get(tenant);
        if (queue == null) {
            queue = new Queue(settings.weight(tenant), Math.max(virtualTime, idle.getOrDefault(tenant, 0L)));
            idle.remove(tenant);
            active.put(tenant, queue);
        }
        queue.jobs.addLast(new Waiting(job, arrivedNanos));
        jobs++;
        inputs += job.inputCount();
        bytes += sizeOf(job);
    }

    boolean isEmpty() {
        return jobs == 0;
    }

    int jobs() {
        return jobs;
    }

    int inputs() {
        return inputs;
    }

    /** Whether the read-ahead is used up, by jobs or by bytes. */
    boolean isFull() {
        return jobs >= settings.readAheadJobs() || bytes >= settings.readAheadBytes();
    }

    /** When the job that has waited longest arrived; only when not {@link #isEmpty()}. */
    long oldestArrivalNanos() {
        long oldest = Long.MAX_VALUE;
        for (Queue queue : active.values()) {
            oldest = Math.min(oldest, queue.jobs.peekFirst().arrivedNanos());
        }
        return oldest;
    }

    /**
     * The next batch: jobs in fair order until the next one would take it past {@code maxInputs}; that job then
     * leads the next batch. A job with more inputs than {@code maxInputs} forms a batch of its own.
     */
    List<Delivery> take(int maxInputs) {
        List<Delivery> batch = new ArrayList<>();
        int taken = 0;
        while (!active.isEmpty()) {
            Map.Entry<String, Queue> next = earliest();
            Queue queue = next.getValue();
            Delivery job = queue.jobs.peekFirst().job();
            if (!batch.isEmpty() && taken + job.inputCount() > maxInputs) {
                break;
            }
            queue.jobs.pollFirst();
            batch.add(job);
            taken += job.inputCount();
            removed(job);
            virtualTime = queue.start;
            queue.start += job.inputCount() * INPUT / queue.weight;
            if (queue.jobs.isEmpty()) {
                active.remove(next.getKey());
                idle.put(next.getKey(), queue.start);
            }
        }
        idle.values().removeIf(start -> start <= virtualTime);
        return batch;
    }

    /** Drops the jobs of partitions this consumer no longer owns: their new owner receives them. */
    void forget(Collection<TopicPartition> partitions) {
        Iterator<Map.Entry<String, Queue>> tenants = active.entrySet().iterator();
        while (tenants.hasNext()) {
            Map.Entry<String, Queue> tenant = tenants.next();
            tenant.getValue().jobs.removeIf(waiting -> {
                boolean revoked = partitions.contains(partitionOf(waiting.job()));
                if (revoked) {
                    removed(waiting.job());
                }
                return revoked;
            });
            if (tenant.getValue().jobs.isEmpty()) {
                idle.put(tenant.getKey(), tenant.getValue().start);
                tenants.remove();
            }
        }
    }

    private Map.Entry<String, Queue> earliest() {
        Map.Entry<String, Queue> earliest = null;
        for (Map.Entry<String, Queue> entry : active.entrySet()) {
            if (earliest == null || entry.getValue().start < earliest.getValue().start) {
                earliest = entry;
            }
        }
        return earliest;
    }

    private void removed(Delivery job) {
        jobs--;
        inputs -= job.inputCount();
        bytes -= sizeOf(job);
    }

    private String tenantOf(Delivery job) {
        // A malformed message has no readable tenant; it costs one input and is dead-lettered when its turn comes.
        return settings.enabled() && !job.isMalformed() ? job.request().tenant() : Tenants.DEFAULT;
    }

    private static int sizeOf(Delivery job) {
        byte[] value = job.source().value();
        return value == null ? 0 : value.length;
    }

    private static TopicPartition partitionOf(Delivery job) {
        return new TopicPartition(job.source().topic(), job.source().partition());
    }
}
