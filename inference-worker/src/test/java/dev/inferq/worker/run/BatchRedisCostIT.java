package dev.inferq.worker.run;

import static org.assertj.core.api.Assertions.assertThat;

import dev.inferq.common.job.JobNames;
import dev.inferq.common.job.JobStore;
import dev.inferq.common.job.StartOrder;
import dev.inferq.common.job.StartResult;
import dev.inferq.contract.JobId;
import dev.inferq.contract.JobInput;
import dev.inferq.contract.JobRecord;
import dev.inferq.contract.JobRequest;
import dev.inferq.contract.JobStatus;
import dev.inferq.testsupport.RealInfrastructure;
import dev.inferq.testsupport.RedisMonitor;
import dev.inferq.worker.WorkerProperties;
import dev.inferq.worker.store.BlockingJobStore;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;

/**
 * What a batch costs the worker in Redis, through the whole runner on a real Redis: round trips (each call a consumer
 * thread waits on the store for) and commands, counted with {@code MONITOR} (the commands the worker sent, a script
 * once; the commands its scripts ran apart). A batch of QUEUED jobs is started with one script call and its outcomes
 * stored with another, whatever its size.
 */
class BatchRedisCostIT {

    private static final String MODEL = "redis-cost";
    private static final Duration REDIS = Duration.ofSeconds(5);

    private final RealInfrastructure infra = RealInfrastructure.shared();
    private final AtomicInteger roundTrips = new AtomicInteger();
    private RedisMonitor monitor;
    private RunnerFixture fixture;
    private JobStore store;
    private BatchJobRunner<String> runner;

    @BeforeEach
    void runner() throws IOException {
        monitor = new RedisMonitor(infra.redisHost(), infra.redisPort());
        fixture = new RunnerFixture(MODEL, new RunnerFixture.Positive(MODEL), Duration.ofMinutes(10), false, CountedStore::new);
        store = fixture.store;
        runner = fixture.runner;
    }

    @AfterEach
    void close() throws IOException {
        monitor.close();
        fixture.close();
    }

    @Test
    void aBatchCostsTwoRoundTripsAndTwoScriptCallsWhateverItsSize() {
        // The first batch loads the scripts into Redis (EVALSHA answered NOSCRIPT, then EVAL): not a batch's cost.
        run(1);
        Cost one = run(1);
        Cost eight = run(8);
        System.out.printf("Redis cost of a batch: 1 job %s, 8 jobs %s%n", one, eight);

        for (Cost cost : List.of(one, eight)) {
            assertThat(cost.roundTrips()).isEqualTo(2);
            assertThat(cost.sent()).isEqualTo(Map.of("EVALSHA", 2));
        }
    }

    /** Runs a batch of {@code jobs} new QUEUED jobs to their end, and answers what it cost. */
    private Cost run(int jobs) {
        List<JobRequest> requests = IntStream.range(0, jobs).mapToObj(i -> JobRequest.of(JobId.random(), MODEL,
                new JobInput.Texts(List.of("hello " + i)), Instant.now())).toList();
        requests.forEach(request -> store.create(JobRecord.queued(request, "4bf92f3577b34da6a3ce929d0e0e4736")
                .withCallback()).block(REDIS));
        ReactiveStringRedisTemplate template = new ReactiveStringRedisTemplate(fixture.redis);
        long completed = completed(template);
        String from = mark(template);
        roundTrips.set(0);

        runner.run(RunnerFixture.batchOf(MODEL, requests));

        int trips = roundTrips.get();
        String to = mark(template);
        for (JobRequest request : requests) {
            JobRecord ended = store.find(request.id()).block(REDIS);
            assertThat(ended.status()).isEqualTo(JobStatus.SUCCEEDED);
            assertThat(ended.traceId()).as("kept from the stored record").isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
            assertThat(ended.hasCallback()).isTrue();
            assertThat(ended.modelVersion()).isEqualTo("1");
            assertThat(ended.worker()).isNotNull();
            assertThat(template.opsForValue().get(JobNames.deliveriesKey(request.id())).block(REDIS)).isEqualTo("1");
        }
        assertThat(completed(template)).isEqualTo(completed + jobs);
        return new Cost(trips, commands(from, to, false), commands(from, to, true));
    }

    private static long completed(ReactiveStringRedisTemplate template) {
        return Optional.ofNullable(template.opsForValue().get(JobNames.completedKey(MODEL)).block(REDIS))
                .map(Long::parseLong).orElse(0L);
    }

    /** Marks the monitor through {@code template} ({@link RedisMonitor#mark}); answers the marker's line. */
    private String mark(ReactiveStringRedisTemplate template) {
        return monitor.mark(marker -> template.opsForValue().get(marker).block(REDIS), REDIS);
    }

    /** The commands between two markers, by name: those scripts ran ({@code lua}), or those sent. */
    private Map<String, Integer> commands(String from, String to, boolean lua) {
        List<String> lines = monitor.lines();
        int first = IntStream.range(0, lines.size()).filter(i -> lines.get(i).contains(from)).findFirst().orElseThrow();
        int last = IntStream.range(0, lines.size()).filter(i -> lines.get(i).contains(to)).findFirst().orElseThrow();
        Map<String, Integer> counts = new TreeMap<>();
        lines.subList(first + 1, last).stream().map(RedisMonitor.LINE::matcher).filter(Matcher::matches)
                .filter(found -> found.group(1).equals("lua") == lua)
                .forEach(found -> counts.merge(found.group(2).toUpperCase(), 1, Integer::sum));
        return counts;
    }

    /** One batch's cost: round trips, commands sent and commands its scripts ran, by name. */
    private record Cost(int roundTrips, Map<String, Integer> sent, Map<String, Integer> ranByScripts) {

        @Override
        public String toString() {
            return roundTrips + " round trip(s), sent " + sent + " (" + sent.values().stream().mapToInt(n -> n).sum()
                    + "), scripts ran " + ranByScripts;
        }
    }

    /**
     * The worker's store, counting each call a consumer thread waits for: each is one round trip, but for one about no
     * job, which asks Redis nothing.
     */
    private final class CountedStore extends BlockingJobStore {

        CountedStore(JobStore store, WorkerProperties properties) {
            super(store, properties);
        }

        @Override
        public List<Optional<JobRecord>> findAll(List<JobId> ids) {
            count(ids);
            return super.findAll(ids);
        }

        @Override
        public List<JobStore.Transition> transitionAll(List<JobRecord> next) {
            count(next);
            return super.transitionAll(next);
        }

        @Override
        public List<StartResult> start(List<StartOrder> orders, boolean keepStored, long maxDeliveries) {
            count(orders);
            return super.start(orders, keepStored, maxDeliveries);
        }

        private void count(List<?> jobs) {
            if (!jobs.isEmpty()) {
                roundTrips.incrementAndGet();
            }
        }

        @Override
        public boolean restoreEnded(JobRecord ended) {
            roundTrips.incrementAndGet();
            return super.restoreEnded(ended);
        }

        @Override
        public Optional<byte[]> load(JobId id) {
            roundTrips.incrementAndGet();
            return super.load(id);
        }
    }
}
