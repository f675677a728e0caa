package dev.inferq.common.job;

import static org.assertj.core.api.Assertions.assertThat;

import dev.inferq.contract.JobId;
import org.junit.jupiter.api.Test;

/** The names of topics, consumer groups, Redis keys and channels. */
class JobNamesTest {

    @Test
    void namesSeparateModelsAndJobs() {
        JobId id = JobId.random();
        assertThat(JobNames.topic("sentiment")).isEqualTo("inferq.jobs.sentiment");
        assertThat(JobNames.deadLetterTopic("image")).isEqualTo("inferq.jobs.image.dlt");
        assertThat(JobNames.consumerGroup("image")).isEqualTo("inferq-worker.image");
        assertThat(JobNames.jobKey(id)).isNotEqualTo(JobNames.inputKey(id)).isNotEqualTo(JobNames.eventsChannel(id));
        assertThat(JobNames.idempotencyKey("order-42")).isEqualTo(JobNames.idempotencyKey("order-42"))
                .isNotEqualTo(JobNames.idempotencyKey("order-43"))
                .startsWith("inferq:idempotency:");
        assertThat(JobNames.idempotencyKey("x".repeat(10_000))).hasSizeLessThan(80);
    }

    @Test
    void eachTenantHasItsOwnJobListBesideItsActiveJobs() {
        assertThat(JobNames.tenantJobsKey("acme")).isEqualTo("inferq:tenant:acme:jobs")
                .isNotEqualTo(JobNames.tenantJobsKey("acme2"))
                .isNotEqualTo(JobNames.tenantActiveKey("acme"))
                .isNotEqualTo(JobNames.tenantRateKey("acme", "jobs"));
    }

    @Test
    void theEventsPatternMatchesEveryJobsChannelAndTheChannelNamesItsJob() {
        JobId id = JobId.random();
        String channel = JobNames.eventsChannel(id);
        String pattern = JobNames.eventsChannelPattern();

        assertThat(channel).matches(pattern.replace("*", "[^*]+"));
        assertThat(JobNames.jobOfEventsChannel(channel)).contains(id);
        assertThat(JobNames.jobOfEventsChannel(JobNames.inputKey(id))).isEmpty();
        assertThat(JobNames.jobOfEventsChannel("inferq:job:not an id!:events")).isEmpty();
        assertThat(JobNames.jobOfEventsChannel("other:" + channel)).isEmpty();
    }
}
