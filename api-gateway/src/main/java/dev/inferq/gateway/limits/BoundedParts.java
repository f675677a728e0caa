package dev.inferq.gateway.limits;

import java.util.List;
import java.util.Map;
import org.springframework.core.ResolvableType;
import org.springframework.http.MediaType;
import org.springframework.http.ReactiveHttpInputMessage;
import org.springframework.http.codec.HttpMessageReader;
import org.springframework.http.codec.multipart.DefaultPartHttpMessageReader;
import org.springframework.http.codec.multipart.Part;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The multipart part reader with the upload limits, behind a type of its own: Spring Boot configures every
 * {@link DefaultPartHttpMessageReader} it finds among the codecs from {@code spring.webflux.multipart.*} (no limit on
 * parts, 256 KB in memory, unbounded disk), which would undo the limits set here.
 */
final class BoundedParts implements HttpMessageReader<Part> {

    private final DefaultPartHttpMessageReader reader;

    BoundedParts(DefaultPartHttpMessageReader reader) {
        this.reader = reader;
    }

    @Override
    public List<MediaType> getReadableMediaTypes() {
        return reader.getReadableMediaTypes();
    }

    @Override
    public boolean canRead(ResolvableType elementType, MediaType mediaType) {
        return reader.canRead(elementType, mediaType);
    }

    @Override
    public Flux<Part> read(ResolvableType elementType, ReactiveHttpInputMessage message, Map<String, Object> hints) {
        return reader.read(elementType, message, hints);
    }

    @Override
    public Mono<Part> readMono(ResolvableType elementType, ReactiveHttpInputMessage message,
            Map<String, Object> hints) {
        return reader.readMono(elementType, message, hints);
    }
}
