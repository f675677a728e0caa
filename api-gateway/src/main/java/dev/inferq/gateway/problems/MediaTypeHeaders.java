package dev.inferq.gateway.problems;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.InvalidMediaTypeException;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.HttpHandlerDecoratorFactory;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpResponse;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

/**
 * Refuses a request whose {@code Content-Type} or {@code Accept} Spring's media type parser cannot even reject: on some
 * malformed values, one that starts with a quote and holds a slash such as {@code "/a}, it throws an index error
 * instead of {@link InvalidMediaTypeException}. Creating the exchange, the security chain and content negotiation all
 * parse these headers, so such a request would end in a 500 or a connection closed without an answer. Checked before
 * the exchange exists (an {@link HttpHandlerDecoratorFactory}); malformed values that the parser does reject are left
 * to Spring's own 415 and 406.
 */
@Configuration(proxyBeanMethods = false)
public class MediaTypeHeaders {

    @Bean
    HttpHandlerDecoratorFactory unparsableMediaTypes(JsonMapper json) {
        return handler -> (request, response) -> {
            HttpHeaders headers = request.getHeaders();
            String contentType = headers.getFirst(HttpHeaders.CONTENT_TYPE);
            if (contentType != null && !parses(() -> MediaType.parseMediaType(contentType))) {
                return refuse(json, request, response, HttpStatus.UNSUPPORTED_MEDIA_TYPE, "Unsupported Media Type",
                        "the Content-Type header is not a media type");
            }
            for (String accept : headers.getOrEmpty(HttpHeaders.ACCEPT)) {
                if (!parses(() -> MediaType.parseMediaTypes(accept))) {
                    return refuse(json, request, response, HttpStatus.NOT_ACCEPTABLE, "Not Acceptable",
                            "the Accept header is not a list of media types");
                }
            }
            return handler.handle(request, response);
        };
    }

    /** False only when the parser fails with something other than its own refusal. */
    private static boolean parses(Runnable parse) {
        try {
            parse.run();
            return true;
        } catch (InvalidMediaTypeException refused) {
            return true;
        } catch (RuntimeException broken) {
            return false;
        }
    }

    private static Mono<Void> refuse(JsonMapper json, ServerHttpRequest request, ServerHttpResponse response,
            HttpStatus status, String title, String detail) {
        // The body is read (and dropped) first: closing a connection with unread bytes makes the kernel answer with a
        // reset, which can overtake the problem on its way to the client. No exchange exists yet for the advice.
        return request.getBody().doOnNext(DataBufferUtils::release)
                .then(Mono.defer(() -> ProblemResponses.write(json, request, response, status, title, detail)));
    }
}
