package dev.inferq.systemtest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.inferq.testsupport.TestImages;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The Grafana dashboard committed in {@code deploy/grafana/dashboards/inferq.json} against what the services really
 * export: after jobs ran on every model and one submit was refused, every metric that one of its PromQL queries
 * reads is a series in the gateway's or the worker's {@code /actuator/prometheus}.
 */
@Timeout(300)
class DashboardMetricsIT {

    private static final Path DASHBOARD = PlatformProcesses.REPO.resolve("deploy/grafana/dashboards/inferq.json");
    private static final Pattern QUOTED = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"");
    private static final Pattern LABEL_LISTS = Pattern.compile("\\{[^}]*}|\\[[^]]*]|\\b(?:by|without)\\s*\\([^)]*\\)");
    private static final Pattern IDENTIFIER = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern LABEL_VALUES = Pattern.compile("label_values\\(\\s*([a-zA-Z_:][a-zA-Z0-9_:]*)");
    private static final Set<String> KEYWORDS = Set.of("by", "without", "on", "ignoring", "group_left",
            "group_right", "bool", "and", "or", "unless", "offset");

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static SharedPlatform platform;

    @BeforeAll
    static void startPlatform() {
        platform = SharedPlatform.get();
    }

    @Test
    void everyMetricTheDashboardQueriesIsExported() throws Exception {
        List<String> jobs = new ArrayList<>();
        jobs.add(submit("sentiment", "application/json", "{\"inputs\": [\"I loved it\"]}".getBytes()));
        jobs.add(submit("disaster", "application/json", "{\"inputs\": [\"Forest fire near town\"]}".getBytes()));
        jobs.add(submit("image", "image/jpeg", TestImages.jpeg(64, 48)));
        HttpResponse<String> refused = post("sentiment", "application/json", "{\"inputs\": []}".getBytes());
        assertThat(refused.statusCode()).isEqualTo(400);
        for (String location : jobs) {
            awaitTerminal(location);
        }

        Set<String> exported = new TreeSet<>();
        exported.addAll(seriesNames(platform.gatewayUrl() + "/actuator/prometheus"));
        exported.addAll(seriesNames(platform.workerUrl() + "/actuator/prometheus"));
        Set<String> queried = queriedMetrics(JsonMapper.builder().build().readTree(Files.readString(DASHBOARD)));

        assertThat(queried).as("the metrics the dashboard's panels read").contains(
                "inferq_jobs_finished_total", "inferq_jobs_submitted_total", "inferq_jobs_refused_total",
                "inferq_backlog_jobs", "inferq_job_end_to_end_seconds_bucket", "inferq_job_queue_wait_seconds_bucket",
                "inferq_job_run_seconds_bucket", "inferq_batch_inputs_bucket", "inferq_worker_busy_seconds_total",
                "inferq_cache_lookups_total");
        assertThat(exported).containsAll(queried);
    }

    /** Metric names in every PromQL expression and template query of the dashboard. */
    static Set<String> queriedMetrics(JsonNode dashboard) {
        Set<String> metrics = new TreeSet<>();
        for (JsonNode panel : dashboard.path("panels")) {
            for (JsonNode target : panel.path("targets")) {
                metrics.addAll(metricsOf(target.path("expr").asString()));
            }
        }
        for (JsonNode variable : dashboard.at("/templating/list")) {
            Matcher query = LABEL_VALUES.matcher(variable.path("definition").asString());
            while (query.find()) {
                metrics.add(query.group(1));
            }
        }
        return metrics;
    }

    /**
     * The identifiers of a PromQL expression that name series: what is left once strings, label matchers, ranges
     * and grouping clauses are removed, less function names (followed by a parenthesis) and keywords.
     */
    static Set<String> metricsOf(String expr) {
        String bare = LABEL_LISTS.matcher(QUOTED.matcher(expr).replaceAll("\"\"")).replaceAll(" ");
        Set<String> metrics = new TreeSet<>();
        Matcher identifier = IDENTIFIER.matcher(bare);
        while (identifier.find()) {
            String rest = bare.substring(identifier.end()).stripLeading();
            boolean function = rest.startsWith("(");
            if (!function && !KEYWORDS.contains(identifier.group())) {
                metrics.add(identifier.group());
            }
        }
        return metrics;
    }

    private static Set<String> seriesNames(String url) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(url)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(url).isEqualTo(200);
        Set<String> names = new TreeSet<>();
        response.body().lines()
                .filter(line -> !line.isBlank() && !line.startsWith("#"))
                .map(line -> line.split("[{ ]", 2)[0])
                .forEach(names::add);
        return names;
    }

    private static String submit(String model, String contentType, byte[] body) throws Exception {
        HttpResponse<String> response = post(model, contentType, body);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
        return response.headers().firstValue("Location").orElseThrow();
    }

    private static HttpResponse<String> post(String model, String contentType, byte[] body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(platform.gatewayUrl() + "/v1/models/" + model + "/jobs"))
                        .header("Content-Type", contentType)
                        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** Follows the job's event stream, which ends after its terminal event. */
    private static void awaitTerminal(String location) throws Exception {
        HttpResponse<String> events = HTTP.send(HttpRequest.newBuilder(URI.create(platform.gatewayUrl() + location
                        + "/events")).timeout(Duration.ofSeconds(90)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(events.body()).containsAnyOf("\"status\":\"SUCCEEDED\"", "\"status\":\"FAILED\"");
    }
}
