package dev.inferq.systemtest.faults;

import static org.assertj.core.api.Assertions.assertThat;

import dev.inferq.common.job.JobNames;
import dev.inferq.contract.JobCodec;
import dev.inferq.contract.JobId;
import dev.inferq.contract.JobStatus;
import dev.inferq.launcher.ManagedProcess;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code gateway-crash-mid-accept} ({@code -Pfaults}): the gateway dies after it stored a job and before it published
 * it (the test-only hook {@code inferq.gateway.outbox.crash-before-publish-on-input} halts it there, as a SIGKILL or an
 * OOM kill would), and is started again. The client, which got no answer, retries with the same
 * {@code Idempotency-Key}: it must get the same job back, now in Kafka, and the job must reach a terminal state; the
 * jobs submitted before and after must all end too (lost=0, duplicated=0).
 */
@Timeout(180)
class GatewayCrashFaultsIT {

    private static final String SCENARIO = "gateway-crash-mid-accept";
    private static final String TRIGGER = "halt the gateway before this job is published";

    @Test
    void aJobStoredByAGatewayThatDiedBeforeItsPublishEndsAfterTheClientsRetry() throws Exception {
        try (FaultCluster cluster = new FaultCluster(SCENARIO,
                Map.of("INFERQ_GATEWAY_OUTBOX_CRASH_BEFORE_PUBLISH_ON_INPUT", TRIGGER))) {
            // The worker loads its model while the gateway crashes and restarts: the jobs wait for it in Kafka.
            CompletableFuture<ManagedProcess> worker = CompletableFuture.supplyAsync(
                    () -> cluster.startWorker("worker", "sentiment"));
            JobLedger ledger = new JobLedger(SCENARIO, cluster.gatewayUrl());
            for (int i = 0; i < 20; i++) {
                ledger.submit("sentiment", "{\"inputs\":[\"before the crash " + i + "\"]}");
            }

            String key = UUID.randomUUID().toString();
            String doomed = "{\"inputs\":[\"" + TRIGGER + "\"]}";
            long peakRssKb = peakRssKb(cluster.gateway().pid());
            assertThat(ledger.submit("sentiment", doomed, key)).as("answer of the gateway that died").isNull();
            assertThat(cluster.gateway().awaitExit(Duration.ofSeconds(10))).as("the gateway's exit").isPresent();
            String stranded = strandedJob(cluster);

            cluster.restartGateway("gateway-restarted");
            String retried = ledger.submit("sentiment", doomed, key);
            assertThat(retried).as("the retry with the same Idempotency-Key").isEqualTo(stranded);
            assertThat(ledger.submit("sentiment", doomed, key)).as("a second retry").isEqualTo(retried);
            for (int i = 0; i < 20; i++) {
                ledger.submit("sentiment", "{\"inputs\":[\"after the restart " + i + "\"]}");
            }
            assertThat(worker.get(120, TimeUnit.SECONDS).isAlive()).as("the worker").isTrue();
            ledger.awaitTerminal(Duration.ofSeconds(60));
            peakRssKb = Math.max(peakRssKb, peakRssKb(cluster.gateway().pid()));

            ledger.report("gateway_peak_rss_mb=" + peakRssKb / 1024);
            assertThat(ledger.terminalState(retried)).as("the retried job's end").isNotNull();
            assertThat(ledger.terminalState(retried).path("status").asString()).isEqualTo("SUCCEEDED");
            assertThat(ledger.accepted()).isEqualTo(41);
            assertThat(ledger.answersOtherThan(202)).as("only the crashed submit had no 202").isEqualTo(1);
            assertThat(ledger.lost()).isZero();
            assertThat(ledger.duplicated()).isZero();
        }
    }

    /**
     * The one job the dead gateway left between its record and its publish: QUEUED in Redis, still in the outbox (so
     * the hook halted the gateway where it should).
     */
    private static String strandedJob(FaultCluster cluster) {
        RedisClient client = RedisClient.create(RedisURI.create("127.0.0.1", cluster.redisPort()));
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
            List<String> pending = connection.sync().zrange(JobNames.outboxKey(), 0, -1);
            assertThat(pending).as("jobs in the outbox after the crash").hasSize(1);
            String record = connection.sync().get(JobNames.jobKey(new JobId(pending.get(0))));
            assertThat(JobCodec.decodeRecord(record).status()).isEqualTo(JobStatus.QUEUED);
            return pending.get(0);
        } finally {
            client.shutdown();
        }
    }

    /** The process's peak resident set (VmHWM), in kB; 0 where /proc cannot tell. */
    private static long peakRssKb(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.substring("VmHWM:".length()).replace("kB", "").strip());
                }
            }
        } catch (IOException e) {
            return 0;
        }
        return 0;
    }
}
