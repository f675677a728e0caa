package dev.inferq.gateway.docs;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import dev.inferq.gateway.problems.ProblemType;
import io.swagger.v3.core.jackson.ModelResolver;
import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.headers.Header;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.info.License;
import io.swagger.v3.oas.models.media.Content;
import io.swagger.v3.oas.models.media.IntegerSchema;
import io.swagger.v3.oas.models.media.MediaType;
import io.swagger.v3.oas.models.media.ObjectSchema;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.media.StringSchema;
import io.swagger.v3.oas.models.responses.ApiResponse;
import io.swagger.v3.oas.models.tags.Tag;
import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springdoc.core.customizers.OpenApiCustomizer;
import org.springdoc.core.providers.ObjectMapperProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * What the OpenAPI document at {@code /openapi.json} says beyond what springdoc reads from the controllers: the
 * API's description, the RFC 9457 problem body, one reusable response per refusal status and the headers that
 * several operations share. Controllers point at these by the {@code *_RESPONSE} and {@code *_HEADER} constants, so
 * each refusal is described once with its example.
 */
@Configuration(proxyBeanMethods = false)
public class ApiDocumentation {

    public static final String NATIVE_TAG = "jobs";
    public static final String MODELS_TAG = "models";
    public static final String LEGACY_TAG = "legacy";

    public static final String BAD_REQUEST_RESPONSE = "#/components/responses/BadRequest";
    public static final String UNAUTHORIZED_RESPONSE = "#/components/responses/Unauthorized";
    public static final String FORBIDDEN_RESPONSE = "#/components/responses/Forbidden";
    public static final String NOT_FOUND_RESPONSE = "#/components/responses/NotFound";
    public static final String CONFLICT_RESPONSE = "#/components/responses/Conflict";
    public static final String TOO_LARGE_RESPONSE = "#/components/responses/ContentTooLarge";
    public static final String UNSUPPORTED_MEDIA_TYPE_RESPONSE = "#/components/responses/UnsupportedMediaType";
    public static final String UNPROCESSABLE_RESPONSE = "#/components/responses/UnprocessableContent";
    public static final String TOO_MANY_REQUESTS_RESPONSE = "#/components/responses/TooManyRequests";
    public static final String UNAVAILABLE_RESPONSE = "#/components/responses/ServiceUnavailable";

    public static final String RATE_LIMIT_HEADER = "#/components/headers/RateLimit";
    public static final String RATE_LIMIT_POLICY_HEADER = "#/components/headers/RateLimit-Policy";

    public static final String LOCATION = "The job's URL, to poll or to follow its events";

    private static final String PROBLEM_JSON = "application/problem+json";
    private static final String PROBLEM_SCHEMA = "#/components/schemas/Problem";
    private static final String RETRY_AFTER = "Retry-After";
    private static final String RATE_LIMIT_POLICY = "RateLimit-Policy";
    private static final String RATE_LIMIT = "RateLimit";

    @Bean
    OpenAPI inferqOpenApi() {
        return new OpenAPI()
                .info(new Info()
                        .title("inferq")
                        .version("1")
                        .description("""
                                Queue-backed asynchronous inference. A submit answers `202 Accepted` at once with the \
                                job's `Location`; poll `GET /v1/jobs/{id}` or follow `GET /v1/jobs/{id}/events` \
                                (server-sent events) until the job is `SUCCEEDED`, `FAILED`, `CANCELLED` or \
                                `EXPIRED`. The `legacy` operations are the synchronous API of the service inferq \
                                replaced, with its exact JSON. Every refusal is an RFC 9457 problem \
                                (`application/problem+json`) whose `detail` says what to fix.""")
                        .license(new License().name("Apache-2.0").identifier("Apache-2.0")))
                .tags(List.of(
                        new Tag().name(NATIVE_TAG).description("Submit, list, poll, follow and cancel jobs"),
                        new Tag().name(MODELS_TAG).description("The models this platform serves"),
                        new Tag().name(LEGACY_TAG).description("The replaced service's synchronous API")))
                .components(new Components()
                        .addSchemas("Problem", problemSchema())
                        .addHeaders(RETRY_AFTER, retryAfterHeader())
                        .addHeaders(RATE_LIMIT_POLICY, rateLimitPolicyHeader())
                        .addHeaders(RATE_LIMIT, rateLimitHeader())
                        .responses(problemResponses()));
    }

    /**
     * Schemas follow the wire format: Boot's JSON mapper writes snake_case ({@code spring.jackson.property-naming-
     * strategy}), but swagger-core introspects with a Jackson 2 mapper of its own, which must be told the same.
     */
    @Bean
    ModelResolver snakeCaseModelResolver(ObjectMapperProvider mappers) {
        ObjectMapper mapper = mappers.jsonMapper().copy()
                .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);
        return new ModelResolver(mapper);
    }

    /**
     * The {@code cached} flag of a job, in every schema that shows one (the record, and the view that unwraps it):
     * the record type lives in common, which carries no OpenAPI annotations.
     */
    @Bean
    OpenApiCustomizer cachedFlagDescription() {
        return openApi -> openApi.getComponents().getSchemas().values().forEach(schema -> {
            Map<String, Schema> properties = ((Schema<?>) schema).getProperties();
            if (properties != null && properties.get("cached") != null) {
                properties.get("cached").description("""
                        True when the predictions came from the response cache: an identical input (same model, \
                        model variant and texts or image bytes) was computed within `inferq.cache.ttl`, or ran in \
                        the same batch, and this job did not run a forward pass of its own. Submit with \
                        `Cache-Control: no-cache` for a fresh computation""");
            }
        });
    }

    private static Schema<?> problemSchema() {
        Map<String, Schema> properties = new LinkedHashMap<>();
        properties.put("type", new StringSchema().format("uri").example(ProblemType.INVALID_REQUEST.uri().toString())
                .description("The kind of problem, one URI per kind (`https://inferq.dev/problems/<kind>`, listed in"
                        + " docs/api.md): branch on it rather than on the status"));
        properties.put("title", new StringSchema().example("Invalid request"));
        properties.put("status", new IntegerSchema().example(400));
        properties.put("detail", new StringSchema()
                .example("'inputs' must be a non-empty list of strings, e.g. {\"inputs\": [\"some text\"]}")
                .description("What to fix, for a person to read"));
        properties.put("instance", new StringSchema().format("uri-reference").example("/v1/models/sentiment/jobs"));
        properties.put("field", new StringSchema().example("inputs[1]")
                .description("The request field at fault, where one is (JSON type errors, legacy field rules)"));
        properties.put("setting", new StringSchema().example("inferq.gateway.limits.streams.per-tenant")
                .description("The setting of the limit that refused the request, where a limit did"));
        return new ObjectSchema()
                .description("An RFC 9457 problem")
                .properties(properties)
                .required(List.of("type", "title", "status", "detail"));
    }

    private static Header retryAfterHeader() {
        return new Header()
                .description("Seconds to wait before submitting again")
                .schema(new IntegerSchema().minimum(BigDecimal.ONE).example(5));
    }

    private static Header rateLimitPolicyHeader() {
        return new Header()
                .description("""
                        The caller's quotas (draft-ietf-httpapi-ratelimit-headers-11): `"rate"` is the token bucket, \
                        `q` jobs per `w` seconds; `"queued"` the cap on jobs queued or running at once. Only policies \
                        configured for the tenant are listed""")
                .schema(new StringSchema()
                        .example("\"rate\";q=10;w=5, \"queued\";q=50;qu=\"concurrent-requests\""));
    }

    private static Header rateLimitHeader() {
        return new Header()
                .description("""
                        What is left of each quota: `r` jobs; for `"rate"`, `t` is the seconds until the bucket is full \
                        again (on a 429: until its next job, as `Retry-After`)""")
                .schema(new StringSchema().example("\"rate\";r=0;t=1, \"queued\";r=47"));
    }

    private static Map<String, ApiResponse> problemResponses() {
        Map<String, ApiResponse> responses = new LinkedHashMap<>();
        responses.put("BadRequest", problem("""
                Malformed request: unreadable JSON, a field of the wrong JSON type (never coerced), `inputs` missing \
                or empty, no `file` part, no `url` for the image model, `timeout_s` not a whole number from 1 to the \
                maximum, a malformed `Idempotency-Key`; on the job list a `limit` out of range, an unknown `model` or \
                `status`, or a `cursor` the API did not give out""", 400, "Invalid request",
                "'timeout_s' must be a whole number of seconds from 1 to 86400", null));
        responses.put("Unauthorized", problem("""
                No `Authorization: Bearer <key>`, or a key that is unknown or revoked (the admin routes need the admin \
                key)""", 401, "Unauthorized", "this route needs an API key: send 'Authorization: Bearer <key>'", null)
                .addHeaderObject("WWW-Authenticate", new Header().description("`Bearer realm=\"inferq\"`, with"
                        + " `error=\"invalid_token\"` when a key was sent and is not valid")
                        .schema(new StringSchema().example("Bearer realm=\"inferq\""))));
        responses.put("Forbidden", problem("""
                A tenant's key on an admin route, or the admin key on a tenant's route""", 403, "Forbidden",
                "only the admin key may use this route; this key belongs to a tenant", null));
        responses.put("NotFound", problem("Unknown model (the detail lists the models), or unknown or expired job",
                404, "Job not found", "job '3q2RRw3aUYxQv9mRr7Yy0g' does not exist or its result has expired", null));
        responses.put("Conflict", problem("""
                The job is no longer `QUEUED` (the detail names its status), or the first request with this \
                `Idempotency-Key` is still being accepted""", 409, "Conflict",
                "job '3q2RRw3aUYxQv9mRr7Yy0g' is RUNNING and can no longer be cancelled; only a QUEUED job can", null));
        responses.put("ContentTooLarge", problem("""
                More texts than `max-inputs`, a text longer than `max-text-chars`, an image over \
                `inferq.image.max-bytes` or whose header announces more than `inferq.image.max-pixels`""",
                413, "Payload too large", "'inputs' has 65 texts; at most 64 are accepted per job", null));
        responses.put("UnsupportedMediaType", problem("""
                A content type the model does not take, or an upload that is not a JPEG, PNG, GIF or BMP""",
                415, "Unsupported media type",
                "model 'sentiment' classifies text: send application/json {\"inputs\": [\"...\"]}", null));
        responses.put("UnprocessableContent", problem("""
                An image URL that is refused, does not answer or answers an error; an `Idempotency-Key` reused for a \
                different request; on the legacy API a field that breaks its rules (`field` names it) or a job that \
                did not succeed""", 422, "Invalid field", "'text' must be a non-empty list of strings", "text"));
        responses.put("TooManyRequests", problem("""
                The model's backlog is over `inferq.gateway.backpressure.max-backlog` (other models are unaffected), \
                or the caller's tenant is over its rate limit or its cap on jobs queued at once (`inferq.quota.*`; \
                other tenants are unaffected): then `RateLimit-Policy` and `RateLimit` say which and what is left""",
                429, "Model busy", "model 'image' has 1000 jobs waiting (limit 1000); retry after 12 s", null)
                .addHeaderObject(RETRY_AFTER, new Header().$ref("#/components/headers/" + RETRY_AFTER))
                .addHeaderObject(RATE_LIMIT_POLICY, new Header().$ref(RATE_LIMIT_POLICY_HEADER))
                .addHeaderObject(RATE_LIMIT, new Header().$ref(RATE_LIMIT_HEADER)));
        responses.put("ServiceUnavailable", problem("""
                Kafka or Redis could not take the job; nothing was stored, retry""", 503, "Service unavailable",
                "the job could not be queued (the job store or the queue did not answer in time); nothing was stored,"
                        + " retry later", null)
                .addHeaderObject(RETRY_AFTER, new Header().$ref("#/components/headers/" + RETRY_AFTER)));
        return responses;
    }

    private static ApiResponse problem(String description, int status, String title, String detail, String field) {
        Map<String, Object> example = new LinkedHashMap<>();
        example.put("type", ProblemType.of(status, title).uri().toString());
        example.put("title", title);
        example.put("status", status);
        example.put("detail", detail);
        if (field != null) {
            example.put("field", field);
        }
        return new ApiResponse()
                .description(description)
                .content(new Content().addMediaType(PROBLEM_JSON, new MediaType()
                        .schema(new Schema<>().$ref(PROBLEM_SCHEMA))
                        .example(example)));
    }
}
