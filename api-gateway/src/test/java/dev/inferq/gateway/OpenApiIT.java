package dev.inferq.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.inferq.testsupport.RealInfrastructureProperties;
import io.swagger.v3.oas.models.SpecVersion;
import io.swagger.v3.parser.OpenAPIV3Parser;
import io.swagger.v3.parser.core.models.ParseOptions;
import io.swagger.v3.parser.core.models.SwaggerParseResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.http.MediaType;
import org.springframework.test.context.ContextConfiguration;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.reactive.result.method.RequestMappingInfo;
import org.springframework.web.reactive.result.method.annotation.RequestMappingHandlerMapping;
import org.springframework.web.util.pattern.PathPattern;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The API description at {@code /openapi.json} against the routes the gateway really serves: every route Spring
 * maps (springdoc's own aside) is an operation of the document with its method and media types, the document has
 * no operation the gateway does not serve, it is a valid OpenAPI 3.1 document, and Swagger UI is served at
 * {@code /docs} from the webjar, pointed at that document; and the copy committed as {@code docs/openapi.json} (for
 * clients generated without a running gateway) is the served document, keys sorted, pretty-printed, its {@code servers}
 * (the test's own port) left out. Run with {@code -D}{@value #WRITE_PROPERTY}{@code =true} to write that copy instead
 * of comparing with it.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT, properties = "inferq.models-dir=../models/tiny")
@AutoConfigureWebTestClient
@ContextConfiguration(initializers = RealInfrastructureProperties.class)
class OpenApiIT {

    private static final Set<String> HTTP_METHODS = Set.of("get", "put", "post", "delete", "options", "head",
            "patch", "trace");
    static final String WRITE_PROPERTY = "inferq.openapi.write";
    private static final Duration DOCUMENT_TIMEOUT = Duration.ofSeconds(60);
    private static final Path COMMITTED = Path.of("..", "docs", "openapi.json");
    private static final String REGENERATE = "./mvnw -B -pl api-gateway verify -Dtest=none"
            + " -Dsurefire.failIfNoSpecifiedTests=false -Dit.test=OpenApiIT -D" + WRITE_PROPERTY + "=true";


    @Autowired
    WebTestClient http;

    @Autowired
    @Qualifier("requestMappingHandlerMapping")
    RequestMappingHandlerMapping routes;

    private String json;
    private JsonNode document;

    @BeforeEach
    void fetchDocument() {
        // springdoc builds the document on its first request, by walking every route: on a busy 2-core CI machine
        // that once took longer than the client's default 5 s.
        json = http.mutate().responseTimeout(DOCUMENT_TIMEOUT).build().get().uri("/openapi.json").exchange()
                .expectStatus().isOk()
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_JSON)
                .expectBody(String.class).returnResult().getResponseBody();
        document = JsonMapper.builder().build().readTree(json);
    }

    @Test
    void describesEveryRouteWithItsMethodAndMediaTypes() {
        Set<String> served = new TreeSet<>();
        List<String> problems = new ArrayList<>();
        routes.getHandlerMethods().forEach((mapping, handler) -> {
            if (isSpringdocs(handler)) {
                return;
            }
            for (PathPattern pattern : mapping.getPatternsCondition().getPatterns()) {
                assertThat(mapping.getMethodsCondition().getMethods())
                        .as("%s maps no HTTP method, so it cannot be described", pattern).isNotEmpty();
                mapping.getMethodsCondition().getMethods().forEach(method -> {
                    String name = method.name().toLowerCase(Locale.ROOT);
                    served.add(name + " " + pattern.getPatternString());
                    JsonNode operation = document.path("paths").path(pattern.getPatternString()).path(name);
                    if (operation.isMissingNode()) {
                        problems.add(name + " " + pattern + " is not in the document");
                    } else {
                        problems.addAll(mediaTypeProblems(mapping, operation, name + " " + pattern));
                    }
                });
            }
        });
        assertThat(problems).isEmpty();
        assertThat(served).as("the routes under test").contains("post /v1/models/{model}/jobs",
                "get /v1/jobs/{id}/events", "post /api/v1/image_classification", "get /");
        assertThat(documentedOperations()).as("operations in the document").isEqualTo(served);
    }

    @Test
    void describesRefusalsAsProblemsAndTheHeadersClientsNeed() {
        JsonNode submit = document.at("/paths/~1v1~1models~1{model}~1jobs/post");
        assertThat(submit.path("responses").propertyNames())
                .containsExactlyInAnyOrder("200", "202", "400", "401", "403", "404", "409", "413", "415", "422", "429",
                        "503");
        assertThat(submit.at("/security/0").propertyNames()).containsExactly("apiKey");
        assertThat(document.at("/components/securitySchemes/apiKey/scheme").asString()).isEqualTo("bearer");
        assertThat(document.at("/paths/~1/get/security").isMissingNode()).as("GET / needs no key").isTrue();
        assertThat(document.at("/paths/~1v1~1admin~1keys/post/responses").propertyNames())
                .contains("201", "401", "403", "422");
        assertThat(submit.at("/responses/202/headers/Location/schema/format").asString()).isEqualTo("uri-reference");
        assertThat(submit.at("/requestBody/content").propertyNames())
                .containsExactlyInAnyOrder("application/json", "multipart/form-data", "image/*");
        assertThat(parameterNames(submit)).contains("model", "timeout_s", "Idempotency-Key", "Prefer",
                "Cache-Control");
        assertThat(submit.at("/responses/202/headers").propertyNames()).contains("Location", "Preference-Applied");
        // With Accept: text/event-stream, the submit answers the job's events, and Location still names the job.
        assertThat(submit.at("/responses/200/content").propertyNames())
                .containsExactlyInAnyOrder("application/json", "text/event-stream");
        assertThat(submit.at("/responses/200/headers").propertyNames()).contains("Location");
        assertThat(parameterNames(document.at("/paths/~1api~1v1~1sentiment_classification/post")))
                .contains("Prefer", "Cache-Control");
        assertThat(document.at("/paths/~1api~1v1~1sentiment_classification/post/responses/202/headers")
                .propertyNames()).contains("Location", "Preference-Applied");

        for (String status : List.of("TooManyRequests", "ServiceUnavailable")) {
            assertThat(document.at("/components/responses/" + status + "/headers/Retry-After/$ref").asString())
                    .isEqualTo("#/components/headers/Retry-After");
        }
        for (String field : List.of("RateLimit", "RateLimit-Policy")) {
            assertThat(document.at("/components/responses/TooManyRequests/headers/" + field + "/$ref").asString())
                    .isEqualTo("#/components/headers/" + field);
            assertThat(submit.at("/responses/202/headers/" + field + "/$ref").asString())
                    .isEqualTo("#/components/headers/" + field);
        }
        document.path("paths").forEach(path -> path.properties().forEach(operation -> {
            if (!HTTP_METHODS.contains(operation.getKey())) {
                return;
            }
            operation.getValue().path("responses").properties().forEach(response -> {
                if (response.getKey().startsWith("4") || response.getKey().startsWith("5")) {
                    String ref = response.getValue().path("$ref").asString();
                    JsonNode problem = document.at("/components/responses/"
                            + ref.substring(ref.lastIndexOf('/') + 1));
                    assertThat(problem.at("/content/application~1problem+json/schema/$ref").asString())
                            .as("%s %s answers a problem", operation.getKey(), response.getKey())
                            .isEqualTo("#/components/schemas/Problem");
                    assertThat(problem.at("/content/application~1problem+json/example/status").asInt())
                            .isEqualTo(Integer.parseInt(response.getKey()));
                }
            });
        }));
    }

    @Test
    void schemasUseTheWireNames() {
        assertThat(document.at("/components/schemas/JobRecord/properties").propertyNames())
                .contains("input_count", "created_at", "started_at", "finished_at", "predictions", "cached");
        assertThat(document.at("/components/schemas/JobRecord/properties/cached/type").asString())
                .isEqualTo("boolean");
        assertThat(document.at("/components/schemas/JobRecord/properties/cached/description").asString())
                .contains("response cache", "Cache-Control: no-cache");
        assertThat(document.at("/components/schemas/JobBody/properties").propertyNames())
                .containsExactlyInAnyOrder("inputs", "url", "timeout_s", "callback_url");
        assertThat(document.at("/components/schemas/LegacyTextResponse/properties").propertyNames())
                .containsExactly("user_id", "text", "model_name", "sentiment", "score", "prediction_time");
        assertThat(document.at("/components/schemas/ModelInfo/properties").propertyNames())
                .containsExactlyInAnyOrder("name", "task", "labels", "weights", "workers");
        assertThat(document.at("/components/schemas/ServingWorker/properties").propertyNames())
                .containsExactlyInAnyOrder("id", "variant", "engine", "selection", "ms_per_batch", "started_at");
    }

    @Test
    void theCommittedDocumentIsTheServedOne() throws IOException {
        String served = CommittedDocument.normalize(json);
        if (Boolean.getBoolean(WRITE_PROPERTY)) {
            Files.createDirectories(COMMITTED.getParent());
            Files.writeString(COMMITTED, served);
            return;
        }
        assertThat(COMMITTED).as("docs/openapi.json is missing; write it with %s", REGENERATE).exists();
        assertThat(Files.readString(COMMITTED))
                .as("docs/openapi.json differs from the document the gateway serves; after an intended API change,"
                        + " rewrite it with %s and commit it", REGENERATE)
                .isEqualTo(served);
    }

    @Test
    void listsJobsWithItsParametersAnswerAndTheStatuses() {
        JsonNode list = document.at("/paths/~1v1~1jobs/get");
        assertThat(parameterNames(list)).containsExactlyInAnyOrder("limit", "model", "status", "cursor");
        assertThat(list.path("responses").propertyNames()).contains("200", "400", "401");
        JsonNode status = list.path("parameters").valueStream()
                .filter(p -> p.path("name").asString().equals("status")).findFirst().orElseThrow();
        JsonNode statuses = status.at("/schema/items").has("$ref")
                ? document.at("/components/schemas/JobStatus")
                : status.at("/schema/items");
        assertThat(statuses.path("enum").valueStream().map(JsonNode::asString).toList())
                .containsExactly("QUEUED", "RUNNING", "SUCCEEDED", "FAILED", "CANCELLED", "EXPIRED");
        assertThat(list.at("/responses/200/content/application~1json/schema/$ref").asString())
                .isEqualTo("#/components/schemas/JobPage");
        assertThat(document.at("/components/schemas/JobPage/properties").propertyNames())
                .containsExactlyInAnyOrder("jobs", "next_cursor");
        assertThat(document.at("/components/schemas/JobPage/properties/jobs/items/$ref").asString())
                .isEqualTo("#/components/schemas/JobView");
    }

    @Test
    void isAValidOpenApi31Document() {
        ParseOptions options = new ParseOptions();
        options.setResolve(true);
        SwaggerParseResult result = new OpenAPIV3Parser().readContents(json, null, options);

        assertThat(result.getMessages()).isEmpty();
        assertThat(result.getOpenAPI().getSpecVersion()).isEqualTo(SpecVersion.V31);
        assertThat(result.getOpenAPI().getOpenapi()).startsWith("3.1.");
    }

    @Test
    void servesSwaggerUiAtDocsFromTheWebjar() {
        String page = http.get().uri("/docs").exchange()
                .expectStatus().is3xxRedirection()
                .returnResult(Void.class).getResponseHeaders().getLocation().toString();
        String html = http.get().uri(page).exchange()
                .expectStatus().isOk()
                .expectHeader().contentTypeCompatibleWith(MediaType.TEXT_HTML)
                .expectBody(String.class).returnResult().getResponseBody();
        assertThat(html).contains("<div id=\"swagger-ui\">").contains("swagger-ui-bundle.js");

        String base = page.substring(0, page.lastIndexOf('/') + 1);
        http.get().uri(base + "swagger-ui-bundle.js").exchange().expectStatus().isOk();
        http.get().uri(base + "swagger-initializer.js").exchange()
                .expectStatus().isOk()
                .expectBody(String.class).value(script -> assertThat(script).contains("/openapi.json/swagger-config"));
        http.get().uri("/openapi.json/swagger-config").exchange()
                .expectStatus().isOk()
                .expectBody().jsonPath("$.url").isEqualTo("/openapi.json");
    }

    private static boolean isSpringdocs(HandlerMethod handler) {
        return handler.getBeanType().getPackageName().startsWith("org.springdoc");
    }

    private static List<String> mediaTypeProblems(RequestMappingInfo mapping, JsonNode operation, String route) {
        List<String> problems = new ArrayList<>();
        mapping.getConsumesCondition().getConsumableMediaTypes().forEach(type -> {
            if (operation.at("/requestBody/content").path(type.toString()).isMissingNode()) {
                problems.add(route + " takes " + type + " but its request body does not say so");
            }
        });
        mapping.getProducesCondition().getProducibleMediaTypes().forEach(type -> {
            boolean described = operation.path("responses").valueStream()
                    .anyMatch(response -> !response.path("content").path(type.toString()).isMissingNode());
            if (!described) {
                problems.add(route + " answers " + type + " but no response says so");
            }
        });
        if (operation.path("summary").asString("").isBlank()) {
            problems.add(route + " has no summary");
        }
        boolean success = operation.path("responses").propertyNames().stream().anyMatch(code -> code.startsWith("2"));
        if (!success) {
            problems.add(route + " describes no successful answer");
        }
        operation.path("responses").properties().forEach(response -> response.getValue().path("content").properties()
                .forEach(media -> {
                    if (media.getValue().path("schema").isMissingNode()) {
                        problems.add(route + " answers " + response.getKey() + " " + media.getKey()
                                + " without a schema");
                    }
                }));
        return problems;
    }

    private Set<String> documentedOperations() {
        Set<String> operations = new TreeSet<>();
        document.path("paths").properties().forEach(path -> path.getValue().propertyNames().stream()
                .filter(HTTP_METHODS::contains)
                .forEach(method -> operations.add(method + " " + path.getKey())));
        return operations;
    }

    private static List<String> parameterNames(JsonNode operation) {
        return operation.path("parameters").valueStream().map(p -> p.path("name").asString()).toList();
    }
}
