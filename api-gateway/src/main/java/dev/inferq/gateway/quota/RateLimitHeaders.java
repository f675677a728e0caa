package dev.inferq.gateway.quota;

import org.springframework.http.HttpHeaders;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

/**
 * Puts the {@code RateLimit-Policy} and {@code RateLimit} fields that the quota check of a submit wrote
 * ({@link RateLimitFields}, carried in the request's Reactor context) on its answer, whatever that answer is: a
 * {@code 202}, a finished job, a {@code 429} problem, on the native and the legacy routes alike. Requests that made
 * no quota check get neither field.
 */
@Component
public class RateLimitHeaders implements WebFilter {

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        RateLimitFields fields = new RateLimitFields();
        exchange.getResponse().beforeCommit(() -> {
            String policy = fields.policy();
            if (policy != null) {
                HttpHeaders headers = exchange.getResponse().getHeaders();
                headers.set(RateLimitFields.POLICY_HEADER, policy);
                headers.set(RateLimitFields.LIMIT_HEADER, fields.limit());
            }
            return Mono.empty();
        });
        return chain.filter(exchange).contextWrite(context -> context.put(RateLimitFields.class, fields));
    }
}
