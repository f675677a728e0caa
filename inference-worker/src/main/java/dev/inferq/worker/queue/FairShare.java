package dev.inferq.worker.queue;

import dev.inferq.worker.WorkerProperties;
import java.util.Map;

/**
 * How one consumer shares its model between tenants ({@link TenantQueues}) and how far it reads ahead of the job it
 * runs: at most {@code readAheadJobs} jobs or {@code readAheadBytes} of messages buffered, whichever comes first.
 *
 * @param enabled whether batches are formed by fair queuing across tenants; false: in arrival order, one queue
 * @param readAheadJobs the most jobs buffered before the consumer pauses its partitions
 * @param readAheadBytes the most message bytes buffered before the consumer pauses its partitions
 * @param weights each named tenant's share relative to the others (1 for tenants not named)
 */
record FairShare(boolean enabled, int readAheadJobs, long readAheadBytes, Map<String, Integer> weights) {

    FairShare {
        if (readAheadJobs < 1 || readAheadBytes < 1) {
            throw new IllegalArgumentException("the read-ahead must allow at least one job and one byte, was "
                    + readAheadJobs + " job(s) and " + readAheadBytes + " byte(s)");
        }
        weights = Map.copyOf(weights);
    }

    static FairShare of(WorkerProperties properties) {
        return new FairShare(properties.fairShare(), properties.readAhead(), properties.readAheadBytes().toBytes(),
                properties.tenantWeights());
    }

    int weight(String tenant) {
        return weights.getOrDefault(tenant, 1);
    }
}
