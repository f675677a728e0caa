package dev.inferq.worker.queue;

import static org.assertj.core.api.Assertions.assertThat;

import dev.inferq.contract.JobCodec;
import dev.inferq.contract.JobId;
import dev.inferq.contract.JobInput;
import dev.inferq.contract.JobRequest;
import dev.inferq.worker.run.Delivery;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** The fair order of jobs read ahead: shares by inputs and weights, each tenant's own order, no credit for idling. */
class TenantQueuesTest {

    private static final String MODEL = "sentiment";
    private static final TopicPartition P0 = new TopicPartition("jobs", 0);
    private static final TopicPartition P1 = new TopicPartition("jobs", 1);

    private long nextOffset;

    @Test
    void aBurstOfOneTenantDoesNotStandBeforeAnothersJobs() {
        TenantQueues queues = queues(true, Map.of());
        List<Delivery> a = add(queues, "a", 100, 1);
        List<Delivery> b = add(queues, "b", 3, 1);

        List<Delivery> first = queues.take(8);

        assertThat(first).containsAll(b).hasSize(8);
        assertThat(first).filteredOn(a::contains).containsExactlyElementsOf(a.subList(0, 5));
    }

    @Test
    void eachTenantsJobsKeepTheirOrderAcrossBatches() {
        TenantQueues queues = queues(true, Map.of());
        List<Delivery> a = add(queues, "a", 20, 1);
        List<Delivery> b = add(queues, "b", 20, 2);

        List<Delivery> all = drain(queues, 8);

        assertThat(all).filteredOn(a::contains).containsExactlyElementsOf(a);
        assertThat(all).filteredOn(b::contains).containsExactlyElementsOf(b);
    }

    @Test
    void sharesAreByInputsNotByJobs() {
        TenantQueues queues = queues(true, Map.of());
        List<Delivery> big = add(queues, "a", 50, 4);
        List<Delivery> small = add(queues, "b", 200, 1);

        List<Delivery> first = takeJobs(queues, 8, 100);

        int bigInputs = 4 * (int) first.stream().filter(big::contains).count();
        int smallInputs = (int) first.stream().filter(small::contains).count();
        assertThat(bigInputs).isBetween(smallInputs - 4, smallInputs + 4);
    }

    @Test
    void aWeightedTenantGetsItsMultipleOfTheInputs() {
        TenantQueues queues = queues(true, Map.of("a", 3));
        List<Delivery> a = add(queues, "a", 200, 1);
        add(queues, "b", 200, 1);

        List<Delivery> first = takeJobs(queues, 8, 80);

        assertThat(first.stream().filter(a::contains).count()).isBetween(59L, 61L);
    }

    @Test
    void idleTimeEarnsATenantNoCredit() {
        TenantQueues queues = queues(true, Map.of());
        add(queues, "b", 1, 1);
        queues.take(8);
        List<Delivery> a = add(queues, "a", 40, 1);
        drainPart(queues, 8, 3);
        List<Delivery> b = add(queues, "b", 10, 1);

        List<Delivery> next = queues.take(8);

        // After 24 of a's jobs, b has not banked those turns: it alternates with a, it does not run 10 in a row.
        assertThat(next).filteredOn(b::contains).hasSize(4);
        assertThat(next).filteredOn(a::contains).hasSize(4);
    }

    @Test
    void aJobThatDoesNotFitLeadsTheNextBatch() {
        TenantQueues queues = queues(true, Map.of());
        List<Delivery> a = add(queues, "a", 1, 3);
        List<Delivery> b = add(queues, "b", 1, 2);
        List<Delivery> c = add(queues, "c", 1, 1);

        assertThat(queues.take(4)).containsExactly(a.get(0));
        assertThat(queues.take(4)).containsExactly(b.get(0), c.get(0));
    }

    @Test
    void aJobWithMoreInputsThanABatchFormsOneOfItsOwn() {
        TenantQueues queues = queues(true, Map.of());
        List<Delivery> a = add(queues, "a", 1, 10);
        add(queues, "b", 1, 1);

        assertThat(queues.take(4)).containsExactly(a.get(0));
        assertThat(queues.inputs()).isEqualTo(1);
    }

    @Test
    void withFairShareOffJobsLeaveInArrivalOrder() {
        TenantQueues queues = queues(false, Map.of());
        List<Delivery> a = add(queues, "a", 10, 1);
        List<Delivery> b = add(queues, "b", 3, 1);
        List<Delivery> arrival = new ArrayList<>(a);
        arrival.addAll(b);

        assertThat(drain(queues, 4)).containsExactlyElementsOf(arrival);
    }

    @Test
    void forgettingAPartitionDropsItsJobsOfEveryTenant() {
        TenantQueues queues = queues(true, Map.of());
        Delivery a0 = add(queues, "a", P0);
        Delivery a1 = add(queues, "a", P1);
        Delivery b0 = add(queues, "b", P0);

        queues.forget(List.of(P0));

        assertThat(queues.jobs()).isEqualTo(1);
        assertThat(queues.inputs()).isEqualTo(1);
        assertThat(queues.take(8)).containsExactly(a1).doesNotContain(a0, b0);
        assertThat(queues.isEmpty()).isTrue();
    }

    @Test
    void theReadAheadIsFullByJobsOrByBytes() {
        TenantQueues byJobs = new TenantQueues(new FairShare(true, 3, 1 << 20, Map.of()));
        add(byJobs, "a", 2, 1);
        assertThat(byJobs.isFull()).isFalse();
        add(byJobs, "b", 1, 1);
        assertThat(byJobs.isFull()).isTrue();
        byJobs.take(1);
        assertThat(byJobs.isFull()).isFalse();

        TenantQueues byBytes = new TenantQueues(new FairShare(true, 1000, 1, Map.of()));
        add(byBytes, "a", 1, 1);
        assertThat(byBytes.isFull()).isTrue();
    }

    private static TenantQueues queues(boolean fair, Map<String, Integer> weights) {
        return new TenantQueues(new FairShare(fair, 10_000, 1 << 30, weights));
    }

    private List<Delivery> add(TenantQueues queues, String tenant, int jobs, int inputs) {
        List<Delivery> added = new ArrayList<>();
        for (int i = 0; i < jobs; i++) {
            Delivery job = job(tenant, inputs, P0);
            queues.add(job, System.nanoTime());
            added.add(job);
        }
        return added;
    }

    private Delivery add(TenantQueues queues, String tenant, TopicPartition partition) {
        Delivery job = job(tenant, 1, partition);
        queues.add(job, System.nanoTime());
        return job;
    }

    private Delivery job(String tenant, int inputs, TopicPartition partition) {
        JobRequest request = JobRequest.of(JobId.random(), MODEL,
                new JobInput.Texts(Collections.nCopies(inputs, "text")), Instant.now(), null, tenant, false);
        return Delivery.decode(new ConsumerRecord<>(partition.topic(), partition.partition(), nextOffset++,
                request.id().value(), JobCodec.encodeRequest(request)), MODEL);
    }

    private static List<Delivery> drain(TenantQueues queues, int batchSize) {
        List<Delivery> all = new ArrayList<>();
        while (!queues.isEmpty()) {
            all.addAll(queues.take(batchSize));
        }
        return all;
    }

    private static void drainPart(TenantQueues queues, int batchSize, int batches) {
        for (int i = 0; i < batches; i++) {
            queues.take(batchSize);
        }
    }

    /** Whole batches until at least {@code jobs} jobs were taken, truncated to exactly that many. */
    private static List<Delivery> takeJobs(TenantQueues queues, int batchSize, int jobs) {
        List<Delivery> taken = new ArrayList<>();
        while (taken.size() < jobs) {
            taken.addAll(queues.take(batchSize));
        }
        return taken.subList(0, jobs);
    }
}
