package dev.inferq.gateway.limits;

import dev.inferq.common.image.ImagePolicy;
import dev.inferq.gateway.GatewayProperties;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.jackson.autoconfigure.JsonMapperBuilderCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.codec.ServerCodecConfigurer;
import org.springframework.http.codec.json.JacksonJsonDecoder;
import org.springframework.http.codec.multipart.DefaultPartHttpMessageReader;
import org.springframework.http.codec.multipart.MultipartHttpMessageReader;
import org.springframework.web.reactive.config.WebFluxConfigurer;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.databind.json.JsonMapper;

/**
 * How request bodies are decoded within the limits: JSON by a parser that stops at the first string, token or nesting
 * level beyond what a valid request holds (so that a body of 2.6 million strings fails at its 1,025th token, not
 * after all are built), multipart with a cap on parts, part headers and bytes per part, and no codec holds more than
 * the largest body a route takes.
 */
@Configuration(proxyBeanMethods = false)
public class Codecs {

    /** The constraints of the request JSON parser; the response writer and Redis codecs are not affected. */
    static StreamReadConstraints constraints(GatewayProperties gateway, LimitsProperties limits, BodyLimits bodies) {
        return StreamReadConstraints.builder()
                .maxStringLength(BodyLimits.maxJsonString(gateway))
                .maxNameLength(256)
                .maxNumberLength(32)
                .maxNestingDepth(limits.json().maxNestingDepth())
                .maxTokenCount(limits.json().maxTokens() + 2L * gateway.maxInputs())
                .maxDocumentLength(bodies.largest())
                .build();
    }

    /** Boot's JSON mapper with every customizer Boot applies, on a constrained parser: the same rules otherwise. */
    static JsonMapper requestMapper(StreamReadConstraints constraints,
            ObjectProvider<JsonMapperBuilderCustomizer> customizers) {
        JsonMapper.Builder builder = JsonMapper.builder(JsonFactory.builder()
                .streamReadConstraints(constraints).build());
        customizers.orderedStream().forEach(customizer -> customizer.customize(builder));
        return builder.build();
    }

    /** The mapper that reads request bodies, wrapped: a second {@link JsonMapper} bean would unsettle Boot's own. */
    @Bean
    RequestJson requestJson(GatewayProperties gateway, LimitsProperties limits, BodyLimits bodies,
            ObjectProvider<JsonMapperBuilderCustomizer> customizers) {
        return new RequestJson(requestMapper(constraints(gateway, limits, bodies), customizers));
    }

    @Bean
    WebFluxConfigurer boundedCodecs(RequestJson requestJson, LimitsProperties limits, BodyLimits bodies,
            ImagePolicy images) {
        JsonMapper mapper = requestJson.mapper();
        return new WebFluxConfigurer() {
            @Override
            public void configureHttpMessageCodecs(ServerCodecConfigurer configurer) {
                configurer.defaultCodecs().maxInMemorySize(bodies.largest());
                configurer.defaultCodecs().jacksonJsonDecoder(new JacksonJsonDecoder(mapper));
                DefaultPartHttpMessageReader parts = new DefaultPartHttpMessageReader();
                parts.setMaxParts(limits.multipart().maxParts());
                parts.setMaxHeadersSize(Math.toIntExact(limits.multipart().maxHeaderBytes().toBytes()));
                // An image part stays in memory (it is read into memory next anyway): no temporary files to fill.
                parts.setMaxInMemorySize(Math.toIntExact(images.maxBytes() + BodyLimits.FRAMING_BYTES));
                parts.setMaxDiskUsagePerPart(0);
                configurer.defaultCodecs().multipartReader(new MultipartHttpMessageReader(new BoundedParts(parts)));
            }
        };
    }
}
