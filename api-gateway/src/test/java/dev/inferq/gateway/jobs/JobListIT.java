package dev.inferq.gateway.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.inferq.common.job.JobNames;
import dev.inferq.contract.JobId;
import dev.inferq.testsupport.RealInfrastructure;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * {@code GET /v1/jobs} on a gateway with real Redis and Kafka, no worker (jobs stay QUEUED unless cancelled), API keys
 * required. Each test has a tenant of its own, named fresh per run, so jobs left in the shared Redis by other tests
 * or runs cannot appear. The list keeps {@value #MAX_JOBS} jobs per tenant here, and a filtered page reads at most
 * 2 chunks of 5 entries, so that both bounds are reached with a few jobs.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
    "inferq.models-dir=../models/tiny",
    "inferq.auth.mode=required",
    "inferq.gateway.job-list.max-jobs=" + JobListIT.MAX_JOBS,
    "inferq.gateway.job-list.chunk=5",
    "inferq.gateway.job-list.max-chunks=2"
})
// Generous: the first requests of a fresh context on a busy 2-core machine can take seconds.
@AutoConfigureWebTestClient(timeout = "PT30S")
// Its settings are its own, so no other test shares the context: closed now, while Kafka is still up, it takes no
// time; left to the JVM's exit, after the shared broker stopped, its Kafka admin client waits 2 s, which with the
// other contexts' waits outlasts the 30 s failsafe allows a fork to exit.
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
class JobListIT {

    static final int MAX_JOBS = 15;
    private static final String RUN = UUID.randomUUID().toString().substring(0, 8);
    private static final String PAGES = "pages-" + RUN;
    private static final String FILTERS = "filters-" + RUN;
    private static final String OTHER = "other-" + RUN;
    private static final String NEIGHBOUR = "neighbour-" + RUN;
    private static final String EXPIRY = "expiry-" + RUN;
    private static final String CAPPED = "capped-" + RUN;
    private static final String SCAN = "scan-" + RUN;

    @DynamicPropertySource
    static void infrastructure(DynamicPropertyRegistry registry) {
        RealInfrastructure.shared().springProperties().forEach((key, value) -> registry.add(key, () -> value));
        registry.add("inferq.auth.api-keys", () -> String.join(",", List.of(PAGES, FILTERS, OTHER, NEIGHBOUR,
                EXPIRY, CAPPED, SCAN).stream().map(tenant -> tenant + ":" + key(tenant)).toList()));
    }

    @Autowired
    WebTestClient http;

    @Autowired
    ReactiveStringRedisTemplate redis;

    @Test
    void pagesListEveryJobOnceNewestFirstWhileNewJobsArrive() {
        List<Map<String, Object>> submitted = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            submitted.add(submit(PAGES, i % 2 == 0 ? "sentiment" : "disaster"));
        }
        List<String> newestFirst = newestFirst(submitted);

        Map<String, Object> first = page(PAGES, "limit=3");
        assertThat(ids(first)).isEqualTo(newestFirst.subList(0, 3));
        Map<String, Object> job = jobs(first).get(0);
        assertThat(job).containsEntry("status", "QUEUED").containsEntry("version", 1)
                .containsKeys("model", "input_count", "created_at", "queue_position");
        assertThat(job.get("queue_position")).as("the view GET /v1/jobs/{id} answers").isNotNull();

        String newcomer = (String) submit(PAGES, "sentiment").get("id");
        List<String> listed = new ArrayList<>(ids(first));
        Map<String, Object> page = first;
        while (page.get("next_cursor") != null) {
            page = page(PAGES, "limit=3&cursor=" + page.get("next_cursor"));
            listed.addAll(ids(page));
        }
        assertThat(listed).as("no job twice, none skipped, the newcomer not between pages").isEqualTo(newestFirst);
        assertThat(ids(page(PAGES, "limit=1"))).containsExactly(newcomer);
        assertThat(ids(page(PAGES, null))).as("the default page holds 20").hasSize(8).doesNotHaveDuplicates();
    }

    @Test
    void filtersByModelAndStatusRepeatedOrCommaSeparated() {
        List<String> sentiment = new ArrayList<>();
        List<String> disaster = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            sentiment.add((String) submit(FILTERS, "sentiment").get("id"));
            disaster.add((String) submit(FILTERS, "disaster").get("id"));
        }
        String cancelledSentiment = sentiment.get(0);
        String cancelledDisaster = disaster.get(2);
        for (String id : List.of(cancelledSentiment, cancelledDisaster)) {
            withKey(http.post().uri("/v1/jobs/{id}/cancel", id), FILTERS).exchange().expectStatus().isOk();
        }

        assertThat(ids(page(FILTERS, "model=disaster"))).containsExactlyInAnyOrderElementsOf(disaster);
        assertThat(ids(page(FILTERS, "status=CANCELLED")))
                .containsExactlyInAnyOrder(cancelledSentiment, cancelledDisaster);
        assertThat(ids(page(FILTERS, "status=queued&model=sentiment")))
                .containsExactlyInAnyOrderElementsOf(sentiment.subList(1, 3));
        assertThat(ids(page(FILTERS, "status=QUEUED,CANCELLED&model=disaster&model=sentiment"))).hasSize(6);
        assertThat(ids(page(FILTERS, "status=RUNNING&status=SUCCEEDED"))).isEmpty();
        assertThat(jobs(page(FILTERS, "status=CANCELLED&model=disaster")))
                .singleElement().satisfies(job -> assertThat(job).containsEntry("id", cancelledDisaster)
                        .containsEntry("status", "CANCELLED").containsKey("finished_at"));
    }

    @Test
    void aTenantNeverSeesAnotherTenantsJobs() {
        String mine = (String) submit(OTHER, "sentiment").get("id");
        Set<String> theirs = new LinkedHashSet<>();
        for (int i = 0; i < 3; i++) {
            theirs.add((String) submit(NEIGHBOUR, "sentiment").get("id"));
        }

        assertThat(ids(page(OTHER, "limit=100"))).containsExactly(mine);
        assertThat(ids(page(NEIGHBOUR, "limit=100"))).containsExactlyInAnyOrderElementsOf(theirs);
        // A cursor is a position only: another tenant's cursor shows the caller its own jobs, no one else's.
        Map<String, Object> theirPage = page(NEIGHBOUR, "limit=1");
        assertThat(ids(page(OTHER, "cursor=" + theirPage.get("next_cursor")))).doesNotContainAnyElementsOf(theirs);
        http.get().uri("/v1/jobs").exchange().expectStatus().isUnauthorized();
    }

    @Test
    void anEntryWhoseRecordExpiredIsSkippedAndTakenOffTheList() {
        List<String> ids = IntStream.range(0, 3).mapToObj(i -> (String) submit(EXPIRY, "sentiment").get("id"))
                .toList();
        String expired = ids.get(1);
        String jobKey = JobNames.jobKey(new JobId(expired));
        redis.expire(jobKey, Duration.ofMillis(1)).block(Duration.ofSeconds(5));
        await().atMost(Duration.ofSeconds(10)).until(() -> !redis.hasKey(jobKey).block(Duration.ofSeconds(5)));
        String list = JobNames.tenantJobsKey(EXPIRY);
        assertThat(redis.opsForZSet().score(list, expired).block(Duration.ofSeconds(5))).isNotNull();

        assertThat(ids(page(EXPIRY, "limit=2"))).containsExactly(ids.get(2), ids.get(0));
        assertThat(redis.opsForZSet().score(list, expired).block(Duration.ofSeconds(5))).as("taken off").isNull();
        assertThat(page(EXPIRY, "limit=2")).containsEntry("next_cursor", null);
    }

    @Test
    void theListKeepsItsTenantsNewestJobsWithinTheTimeToLive() {
        String list = JobNames.tenantJobsKey(CAPPED);
        String ancient = JobId.random().value();
        long dayAndAHourAgo = Instant.now().minus(Duration.ofHours(25)).toEpochMilli();
        redis.opsForZSet().add(list, ancient, dayAndAHourAgo).block(Duration.ofSeconds(5));
        List<Map<String, Object>> answers = IntStream.range(0, MAX_JOBS + 3)
                .mapToObj(i -> submit(CAPPED, "sentiment")).toList();

        assertThat(redis.opsForZSet().score(list, ancient).block(Duration.ofSeconds(5)))
                .as("older than the time to live: trimmed by the next submit").isNull();
        assertThat(redis.opsForZSet().size(list).block(Duration.ofSeconds(5))).isEqualTo((long) MAX_JOBS);
        assertThat(ids(page(CAPPED, "limit=100"))).isEqualTo(newestFirst(answers).subList(0, MAX_JOBS));
        assertThat(redis.getExpire(list).block(Duration.ofSeconds(5))).isPositive();
        // The oldest jobs left the list, not the store: they stay readable by id.
        withKey(http.get().uri("/v1/jobs/{id}", newestFirst(answers).get(MAX_JOBS)), CAPPED).exchange()
                .expectStatus().isOk();
    }

    @Test
    void aFilteredPageStopsAtItsReadBudgetWithACursorToGoOn() {
        String wanted = (String) submit(SCAN, "sentiment").get("id");
        for (int i = 0; i < 12; i++) {
            submit(SCAN, "disaster");
        }

        Map<String, Object> first = page(SCAN, "model=sentiment&limit=2");
        assertThat(ids(first)).as("two chunks of 5 entries read, none matched").isEmpty();
        assertThat(first.get("next_cursor")).isNotNull();
        List<String> found = new ArrayList<>();
        Map<String, Object> page = first;
        for (int pages = 0; page.get("next_cursor") != null && pages < 5; pages++) {
            page = page(SCAN, "model=sentiment&limit=2&cursor=" + page.get("next_cursor"));
            found.addAll(ids(page));
        }
        assertThat(found).containsExactly(wanted);
        assertThat(page).containsEntry("next_cursor", null);
    }

    @Test
    void malformedParametersAreProblemsNamingTheParameter() {
        Map<String, String> refusals = Map.of(
                "cursor=not-a-cursor", "'cursor' must be a next_cursor",
                "status=DONE", "'status' must name statuses of",
                "model=nope", "'model' must name models of GET /v1/models",
                "limit=0", "'limit' must be a whole number from 1 to 100",
                "limit=101", "'limit' must be a whole number from 1 to 100");
        refusals.forEach((query, detail) -> {
            Map<String, Object> problem = body(withKey(http.get().uri("/v1/jobs?" + query), PAGES).exchange()
                    .expectStatus().isEqualTo(HttpStatus.BAD_REQUEST)
                    .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON));
            assertThat(problem).containsEntry("status", 400).containsEntry("title", "Invalid request");
            assertThat((String) problem.get("detail")).as(query).contains(detail);
        });
    }

    /** The ids of {@code submitted} (submit answers) in the list's order: creation time, then id, descending. */
    private static List<String> newestFirst(List<Map<String, Object>> submitted) {
        return submitted.stream()
                .sorted(Comparator.comparing((Map<String, Object> job) ->
                                Instant.parse((String) job.get("created_at")).toEpochMilli())
                        .thenComparing(job -> (String) job.get("id")).reversed())
                .map(job -> (String) job.get("id"))
                .toList();
    }

    private static String key(String tenant) {
        return "key-" + tenant;
    }

    private Map<String, Object> submit(String tenant, String model) {
        return body(withKey(http.post().uri("/v1/models/{model}/jobs", model), tenant)
                .contentType(MediaType.APPLICATION_JSON).bodyValue("{\"inputs\": [\"listed\"]}")
                .exchange().expectStatus().isAccepted());
    }

    private Map<String, Object> page(String tenant, String query) {
        return body(withKey(http.get().uri(query == null ? "/v1/jobs" : "/v1/jobs?" + query), tenant).exchange()
                .expectStatus().isOk()
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_JSON));
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> jobs(Map<String, Object> page) {
        assertThat(page).containsOnlyKeys("jobs", "next_cursor");
        return (List<Map<String, Object>>) page.get("jobs");
    }

    private static List<String> ids(Map<String, Object> page) {
        return jobs(page).stream().map(job -> (String) job.get("id")).toList();
    }

    private static <S extends WebTestClient.RequestHeadersSpec<?>> S withKey(S request, String tenant) {
        request.header(HttpHeaders.AUTHORIZATION, "Bearer " + key(tenant));
        return request;
    }

    private static Map<String, Object> body(WebTestClient.ResponseSpec response) {
        return response.expectBody(new ParameterizedTypeReference<Map<String, Object>>() { })
                .returnResult().getResponseBody();
    }
}
