package dev.inferq.gateway.console;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.io.Resource;
import org.springframework.http.CacheControl;
import org.springframework.http.HttpStatus;
import org.springframework.http.InvalidMediaTypeException;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;

/**
 * The web console's entry points. Its files live in {@code static/console/} and Spring Boot serves them as static
 * resources; these routes add the page itself at {@code /console} and {@code /console/}, and send browsers that
 * open {@code /} there. Router functions are consulted before annotated controllers, so a {@code GET /} that does
 * not prefer HTML falls through to the legacy {@code {"Status":"Running"}} answer.
 */
@Configuration(proxyBeanMethods = false)
public class ConsoleRoutes {

    static final URI CONSOLE = URI.create("/console/");

    @Bean
    RouterFunction<ServerResponse> consoleRouter(@Value("classpath:/static/console/index.html") Resource page) {
        // The page names its assets by absolute paths, so it works the same at /console and /console/.
        return RouterFunctions.route()
                .GET("/", ConsoleRoutes::prefersHtml,
                        request -> ServerResponse.status(HttpStatus.FOUND).location(CONSOLE).build())
                .GET("/console", request -> page(page))
                .GET("/console/", request -> page(page))
                .build();
    }

    private static Mono<ServerResponse> page(Resource page) {
        // no-cache: a browser revalidates, so a newer gateway's page is not shown from an old copy.
        return ServerResponse.ok()
                .contentType(new MediaType(MediaType.TEXT_HTML, StandardCharsets.UTF_8))
                .cacheControl(CacheControl.noCache())
                .bodyValue(page);
    }

    /**
     * Whether the client prefers HTML to JSON: it names {@code text/html} itself (a wildcard such as curl's
     * {@code *}{@code /*} does not count) with a higher quality than {@code application/json}. Browsers send
     * {@code text/html,...,*}{@code /*;q=0.8}; API clients send {@code application/json}, a wildcard or nothing.
     */
    static boolean prefersHtml(ServerRequest request) {
        List<MediaType> accepted;
        try {
            accepted = request.headers().accept();
        } catch (InvalidMediaTypeException e) {
            // Not a browser; the JSON handler answers (and judges the header) as before.
            return false;
        }
        return quality(accepted, MediaType.TEXT_HTML) > quality(accepted, MediaType.APPLICATION_JSON);
    }

    /** The quality the client gives {@code type} by naming it exactly; 0 when it does not name it. */
    private static double quality(List<MediaType> accepted, MediaType type) {
        return accepted.stream()
                .filter(candidate -> candidate.getType().equalsIgnoreCase(type.getType())
                        && candidate.getSubtype().equalsIgnoreCase(type.getSubtype()))
                .mapToDouble(MediaType::getQualityValue)
                .max()
                .orElse(0);
    }
}
