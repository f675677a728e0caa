package dev.inferq.gateway.auth;

import java.util.List;
import org.springframework.http.HttpHeaders;
import org.springframework.security.authentication.BadCredentialsException;
import org.springframework.security.core.Authentication;
import org.springframework.security.web.server.authentication.ServerAuthenticationConverter;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * Reads the API key of {@code Authorization: Bearer <key>} (RFC 6750). No header: no key, the request goes on
 * anonymous (401 on protected routes in required mode). A header in another scheme, or more than one, is a wrong key
 * rather than none: a client that sends credentials must not be served as someone else.
 */
final class BearerKeyConverter implements ServerAuthenticationConverter {

    private static final String SCHEME = "Bearer ";

    @Override
    public Mono<Authentication> convert(ServerWebExchange exchange) {
        List<String> headers = exchange.getRequest().getHeaders().getOrEmpty(HttpHeaders.AUTHORIZATION);
        if (headers.isEmpty()) {
            return Mono.empty();
        }
        if (headers.size() > 1) {
            return Mono.error(new BadCredentialsException("send one Authorization header, not " + headers.size()));
        }
        String header = headers.get(0);
        if (header.length() <= SCHEME.length() || !header.regionMatches(true, 0, SCHEME, 0, SCHEME.length())) {
            return Mono.error(new BadCredentialsException("the Authorization header must be 'Bearer <API key>'"));
        }
        return Mono.just(BearerKey.unauthenticated(header.substring(SCHEME.length()).strip()));
    }
}
