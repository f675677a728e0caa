package dev.inferq.gateway.fetch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.inferq.common.image.ImagePolicy;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;

/** How the settings bind, as the gateway's application.yml and IMAGE_URL_ALLOWLIST give them. */
class UrlFetchPropertiesBindingTest {

    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties(UrlFetchProperties.class)
    @Import(ImageFetcher.class)
    static class Fetching {

        @Bean
        ImagePolicy imagePolicy() {
            return new ImagePolicy(10_000_000, 50_000_000);
        }
    }

    private final ApplicationContextRunner context = new ApplicationContextRunner().withUserConfiguration(Fetching.class);

    @Test
    void defaultsRefuseEveryLocalAddressAndBoundTheDownload() {
        context.run(ctx -> {
            UrlFetchProperties properties = ctx.getBean(UrlFetchProperties.class);
            assertThat(properties).isEqualTo(UrlFetchProperties.defaults());
            assertThat(properties.allowlist()).isEmpty();
            assertThat(properties.connectTimeout()).isEqualTo(Duration.ofSeconds(5));
            assertThat(properties.readTimeout()).isEqualTo(Duration.ofSeconds(10));
            assertThat(properties.maxRedirects()).isEqualTo(3);
            assertThat(ctx.getBean(ImageFetcher.class).policy().allowlist()).isEmpty();
        });
    }

    @Test
    void anEmptyEnvironmentVariableIsAnEmptyAllowlist() {
        context.withPropertyValues("inferq.gateway.url-fetch.allowlist=").run(ctx ->
                assertThat(ctx.getBean(ImageFetcher.class).policy().allowlist()).isEmpty());
    }

    @Test
    void aCommaSeparatedAllowlistBindsHostsAddressesAndBlocks() {
        context.withPropertyValues("inferq.gateway.url-fetch.allowlist=127.0.0.1, localhost,10.0.0.0/8,::1",
                        "inferq.gateway.url-fetch.read-timeout=750ms",
                        "inferq.gateway.url-fetch.max-redirects=0")
                .run(ctx -> {
                    UrlFetchProperties properties = ctx.getBean(UrlFetchProperties.class);
                    assertThat(properties.readTimeout()).isEqualTo(Duration.ofMillis(750));
                    assertThat(properties.maxRedirects()).isZero();
                    assertThat(ctx.getBean(ImageFetcher.class).policy().allowlist())
                            .containsExactly("127.0.0.1", "localhost", "10.0.0.0/8", "::1");
                });
    }

    @Test
    void aMalformedAllowlistEntryStopsTheStartNamingIt() {
        context.withPropertyValues("inferq.gateway.url-fetch.allowlist=127.0.0.1:8080").run(ctx ->
                assertThat(ctx).getFailure().rootCause().hasMessageContaining("'127.0.0.1:8080'"));
        context.withPropertyValues("inferq.gateway.url-fetch.max-redirects=-1").run(ctx ->
                assertThat(ctx).getFailure().rootCause()
                        .hasMessageContaining("inferq.gateway.url-fetch.max-redirects must not be negative"));
    }
}
