package dev.inferq.gateway.auth;

import org.springframework.security.authentication.AuthenticationServiceException;
import org.springframework.security.authentication.BadCredentialsException;
import org.springframework.security.authentication.ReactiveAuthenticationManager;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.AuthenticationException;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;

/**
 * Checks a {@link BearerKey} against the {@link ApiKeyStore}. Being the application's only authentication manager,
 * it also keeps Spring Boot from creating its default user with a generated password.
 */
@Component
class ApiKeyAuthenticationManager implements ReactiveAuthenticationManager {

    private final ApiKeyStore keys;

    ApiKeyAuthenticationManager(ApiKeyStore keys) {
        this.keys = keys;
    }

    @Override
    public Mono<Authentication> authenticate(Authentication authentication) {
        BearerKey presented = (BearerKey) authentication;
        return keys.find(presented.key())
                .doFinally(signal -> presented.eraseCredentials())
                // An unreadable store is not a wrong key: AuthProblems answers 503 for this one.
                .onErrorMap(e -> !(e instanceof AuthenticationException),
                        e -> new AuthenticationServiceException("the API key store (Redis) did not answer", e))
                .switchIfEmpty(Mono.error(() -> new BadCredentialsException(
                        "the API key is not valid (unknown or revoked)")))
                .map(BearerKey::of);
    }
}
