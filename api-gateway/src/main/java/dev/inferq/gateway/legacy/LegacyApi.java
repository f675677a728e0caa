package dev.inferq.gateway.legacy;

import dev.inferq.gateway.docs.ApiDocumentation;
import dev.inferq.gateway.jobs.JobAccepted;
import dev.inferq.gateway.jobs.JobsApi;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.enums.ParameterIn;
import io.swagger.v3.oas.annotations.headers.Header;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.ExampleObject;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.parameters.RequestBody;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The OpenAPI descriptions of the legacy API. Its routes read their bodies as strings, to apply the old contract's
 * own field rules ({@link LegacyRequests}), so the document names the JSON they actually take and answer here.
 */
final class LegacyApi {

    static final String TEXT = """
            Submits one job and waits for its result (up to `inferq.gateway.seed.result-wait`): one label and one \
            score per input text, in order; `prediction_time` is the worker's time on the job in ms. When the wait \
            runs out, or with `Prefer: respond-async`, the answer is `202` with the job's `Location` instead.""";

    static final String IMAGE = """
            Submits one job for the **last** URL of the list, as the replaced service did, and waits for its result \
            (up to `inferq.gateway.seed.result-wait`): that image's top 5 labels with their scores, best first. \
            When the wait runs out, or with `Prefer: respond-async`, the answer is `202` with the job's `Location`.""";

    private static final String ACCEPTED = "The result took longer than the wait, or `Prefer: respond-async` asked"
            + " for this: the job is queued, find it at `Location`";

    private static final String PREFERENCE_APPLIED = "`respond-async`: the client's `Prefer` header was followed";

    private LegacyApi() {
    }

    @Target(ElementType.PARAMETER)
    @Retention(RetentionPolicy.RUNTIME)
    @RequestBody(required = true, content = @Content(mediaType = "application/json",
            schema = @Schema(implementation = LegacyRequests.TextRequest.class),
            examples = @ExampleObject(name = "one text", value = """
                    {"user_id": "2728", "text": ["A massive earthquake has struck the city center."]}""")))
    @interface TextBody {
    }

    @Target(ElementType.PARAMETER)
    @Retention(RetentionPolicy.RUNTIME)
    @RequestBody(required = true, content = @Content(mediaType = "application/json",
            schema = @Schema(implementation = LegacyRequests.ImageRequest.class),
            examples = @ExampleObject(name = "two URLs, the last is classified", value = """
                    {"user_id": "9151", "url": ["https://example.org/a.jpg", "https://example.org/b.jpg"]}""")))
    @interface ImageBody {
    }

    @Target(ElementType.PARAMETER)
    @Retention(RetentionPolicy.RUNTIME)
    @Parameter(in = ParameterIn.HEADER, description = """
            `respond-async` answers `202` with the job's `Location` at once instead of waiting for the result \
            (RFC 7240); the answer then carries `Preference-Applied: respond-async`""",
            schema = @Schema(type = "string"), example = "respond-async")
    @interface PreferParameter {
    }

    @Target(ElementType.METHOD)
    @Retention(RetentionPolicy.RUNTIME)
    @ApiResponse(responseCode = "200", description = "The job's result in the legacy format", content = @Content(
            mediaType = "application/json", schema = @Schema(implementation = LegacyResponses.TextResponse.class),
            examples = @ExampleObject(name = "disaster", value = """
                    {"user_id": "2728", "text": ["A massive earthquake has struck the city center."], \
                    "model_name": "tinybert-disaster-tweet", "sentiment": ["disaster"], "score": [0.97], \
                    "prediction_time": 41}""")))
    @ApiResponse(responseCode = "202", description = ACCEPTED, headers = {
        @Header(name = "Location", description = ApiDocumentation.LOCATION,
                schema = @Schema(type = "string", format = "uri-reference")),
        @Header(name = "Preference-Applied", description = PREFERENCE_APPLIED,
                schema = @Schema(type = "string", allowableValues = "respond-async"))},
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = JobAccepted.class),
                    examples = @ExampleObject(name = "queued", value = JobsApi.ACCEPTED_EXAMPLE)))
    @ApiResponse(responseCode = "400", ref = ApiDocumentation.BAD_REQUEST_RESPONSE)
    @ApiResponse(responseCode = "413", ref = ApiDocumentation.TOO_LARGE_RESPONSE)
    @ApiResponse(responseCode = "422", ref = ApiDocumentation.UNPROCESSABLE_RESPONSE)
    @ApiResponse(responseCode = "429", ref = ApiDocumentation.TOO_MANY_REQUESTS_RESPONSE)
    @ApiResponse(responseCode = "503", ref = ApiDocumentation.UNAVAILABLE_RESPONSE)
    @interface TextResponses {
    }

    @Target(ElementType.METHOD)
    @Retention(RetentionPolicy.RUNTIME)
    @ApiResponse(responseCode = "200", description = "The job's result in the legacy format", content = @Content(
            mediaType = "application/json", schema = @Schema(implementation = LegacyResponses.ImageResponse.class),
            examples = @ExampleObject(name = "pose", value = """
                    {"user_id": "9151", "url": ["https://example.org/a.jpg", "https://example.org/b.jpg"], \
                    "model_name": "vit-human-pose-classification", \
                    "label": ["running", "cycling", "dancing", "sitting", "fighting"], \
                    "score": [0.41, 0.22, 0.14, 0.12, 0.11], "prediction_time": 812}""")))
    @ApiResponse(responseCode = "202", description = ACCEPTED, headers = {
        @Header(name = "Location", description = ApiDocumentation.LOCATION,
                schema = @Schema(type = "string", format = "uri-reference")),
        @Header(name = "Preference-Applied", description = PREFERENCE_APPLIED,
                schema = @Schema(type = "string", allowableValues = "respond-async"))},
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = JobAccepted.class),
                    examples = @ExampleObject(name = "queued", value = JobsApi.ACCEPTED_EXAMPLE)))
    @ApiResponse(responseCode = "400", ref = ApiDocumentation.BAD_REQUEST_RESPONSE)
    @ApiResponse(responseCode = "413", ref = ApiDocumentation.TOO_LARGE_RESPONSE)
    @ApiResponse(responseCode = "415", ref = ApiDocumentation.UNSUPPORTED_MEDIA_TYPE_RESPONSE)
    @ApiResponse(responseCode = "422", ref = ApiDocumentation.UNPROCESSABLE_RESPONSE)
    @ApiResponse(responseCode = "429", ref = ApiDocumentation.TOO_MANY_REQUESTS_RESPONSE)
    @ApiResponse(responseCode = "503", ref = ApiDocumentation.UNAVAILABLE_RESPONSE)
    @interface ImageResponses {
    }
}
