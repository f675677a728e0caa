package dev.inferq.gateway.console;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.core.io.ClassPathResource;
import org.springframework.http.CacheControl;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * Which requests the console routes take. Bound to the routes alone, so a request they do not take is a 404 here;
 * in the gateway it falls through to the legacy {@code GET /} handler.
 */
class ConsoleRoutesTest {

    private static final String BROWSER_ACCEPT =
            "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8";

    private final WebTestClient client = WebTestClient
            .bindToRouterFunction(new ConsoleRoutes().consoleRouter(new ClassPathResource("static/console/index.html")))
            .build();

    @Test
    void aBrowserOpeningTheRootIsSentToTheConsole() {
        client.get().uri("/").header(HttpHeaders.ACCEPT, BROWSER_ACCEPT).exchange()
                .expectStatus().isFound()
                .expectHeader().location("/console/");
    }

    @ParameterizedTest
    @NullSource
    @ValueSource(strings = {"*/*", "application/json", "application/json, text/html;q=0.5", "text/html;q=0.5,"
            + " application/json", "text/html, application/json", "application/*", "text/*", "not a media type"})
    void aClientThatDoesNotPreferHtmlIsLeftToTheJsonHandler(String accept) {
        client.get().uri("/").headers(headers -> {
            if (accept != null) {
                headers.set(HttpHeaders.ACCEPT, accept);
            }
        }).exchange().expectStatus().isNotFound();
    }

    @ParameterizedTest
    @ValueSource(strings = {"/console", "/console/"})
    void theConsolePageIsServedWithAndWithoutTheTrailingSlash(String path) {
        client.get().uri(path).exchange()
                .expectStatus().isOk()
                .expectHeader().contentTypeCompatibleWith(MediaType.TEXT_HTML)
                .expectHeader().cacheControl(CacheControl.noCache())
                .expectBody(String.class).value(page -> assertThat(page).contains(
                        "<title>inferq console</title>", "/console/app.js", "/console/app.css"));
    }
}
