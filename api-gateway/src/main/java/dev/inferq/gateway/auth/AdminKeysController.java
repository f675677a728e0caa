package dev.inferq.gateway.auth;

import dev.inferq.gateway.GatewayProperties;
import dev.inferq.gateway.docs.ApiDocumentation;
import dev.inferq.gateway.problems.ApiException;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.ExampleObject;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.time.Duration;
import java.util.List;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Mono;

/**
 * API keys at run time, for the holder of the admin key: create one for a tenant (its key is shown in that answer
 * only), list them (never a key or a hash), revoke one (refused from the next request on, on every replica).
 */
@RestController
@Tag(name = AuthDocumentation.ADMIN_TAG)
public class AdminKeysController {

    private final ApiKeyStore keys;
    private final Duration retryAfter;

    public AdminKeysController(ApiKeyStore keys, GatewayProperties gateway) {
        this.keys = keys;
        this.retryAfter = gateway.retryAfter();
    }

    /** What {@code POST /v1/admin/keys} takes. */
    public record NewKey(@Schema(description = "The tenant the key belongs to", example = "acme",
            pattern = "[A-Za-z0-9][A-Za-z0-9._-]{0,63}", requiredMode = Schema.RequiredMode.REQUIRED) String tenant) {
    }

    /** What {@code GET /v1/admin/keys} answers. */
    public record KeyList(List<ApiKeyStore.KeyInfo> keys) {
    }

    @PostMapping(path = "/v1/admin/keys", consumes = MediaType.APPLICATION_JSON_VALUE)
    @ResponseStatus(HttpStatus.CREATED)
    @Operation(operationId = "createApiKey", summary = "Create an API key for a tenant",
            description = "A new random key (256 bits) for the tenant; the answer is the only place it is ever shown:"
                    + " the gateway keeps its SHA-256 only.")
    @ApiResponse(responseCode = "201", description = "The key, shown once", content = @Content(
            mediaType = MediaType.APPLICATION_JSON_VALUE,
            schema = @Schema(implementation = ApiKeyStore.IssuedKey.class),
            examples = @ExampleObject(name = "created", value = """
                    {"id": "key_Q2hhbmdlTWU", "tenant": "acme", "created_at": "2026-12-02T10:15:30.123Z", \
                    "key": "iq_mF2n9gkq1rC0l7b4Hc3w0Qy6XxY5d8sZpT2aVeLuJ0k"}""")))
    @ApiResponse(responseCode = "400", ref = ApiDocumentation.BAD_REQUEST_RESPONSE)
    @ApiResponse(responseCode = "422", ref = ApiDocumentation.UNPROCESSABLE_RESPONSE)
    @ApiResponse(responseCode = "503", ref = ApiDocumentation.UNAVAILABLE_RESPONSE)
    public Mono<ApiKeyStore.IssuedKey> create(@RequestBody NewKey body) {
        return unavailableWithoutRedis(keys.create(body.tenant()));
    }

    @GetMapping("/v1/admin/keys")
    @Operation(operationId = "listApiKeys", summary = "List the API keys",
            description = "Every key's id, tenant, creation time and source (`config`: INFERQ_API_KEYS, `admin`:"
                    + " created here); never a key or its hash.")
    @ApiResponse(responseCode = "200", description = "The keys")
    @ApiResponse(responseCode = "503", ref = ApiDocumentation.UNAVAILABLE_RESPONSE)
    public Mono<KeyList> list() {
        return unavailableWithoutRedis(keys.list().collectList().map(KeyList::new));
    }

    @DeleteMapping("/v1/admin/keys/{id}")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    @Operation(operationId = "revokeApiKey", summary = "Revoke an API key",
            description = "The next request with the key is a 401, on every gateway replica. Keys from"
                    + " INFERQ_API_KEYS cannot be revoked here (409): remove them there.")
    @ApiResponse(responseCode = "204", description = "Revoked")
    @ApiResponse(responseCode = "404", ref = ApiDocumentation.NOT_FOUND_RESPONSE)
    @ApiResponse(responseCode = "409", ref = ApiDocumentation.CONFLICT_RESPONSE)
    @ApiResponse(responseCode = "503", ref = ApiDocumentation.UNAVAILABLE_RESPONSE)
    public Mono<Void> revoke(@Parameter(description = "The key's id, as the list shows it", example = "key_Q2hhbmdlTWU")
            @PathVariable String id) {
        return unavailableWithoutRedis(keys.revoke(id));
    }

    private <T> Mono<T> unavailableWithoutRedis(Mono<T> answer) {
        return answer.onErrorMap(e -> !(e instanceof ApiException), e -> ApiException.unavailable(
                "the API key store (Redis) did not answer; retry later", retryAfter, e));
    }
}
