package dev.inferq.gateway.auth;

import dev.inferq.gateway.SecurityHeaders;
import java.util.List;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.security.config.annotation.web.reactive.EnableWebFluxSecurity;
import org.springframework.security.config.web.server.SecurityWebFiltersOrder;
import org.springframework.security.config.web.server.ServerHttpSecurity;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.ReactiveSecurityContextHolder;
import org.springframework.security.core.context.SecurityContext;
import org.springframework.security.web.server.SecurityWebFilterChain;
import org.springframework.security.web.server.authentication.AuthenticationWebFilter;
import org.springframework.security.web.server.context.NoOpServerSecurityContextRepository;
import org.springframework.security.web.server.header.XFrameOptionsServerHttpHeadersWriter;
import org.springframework.security.web.server.savedrequest.NoOpServerRequestCache;
import org.springframework.security.web.server.util.matcher.NegatedServerWebExchangeMatcher;
import org.springframework.security.web.server.util.matcher.ServerWebExchangeMatchers;
import org.springframework.web.cors.CorsConfiguration;
import org.springframework.web.cors.reactive.CorsConfigurationSource;
import org.springframework.web.cors.reactive.UrlBasedCorsConfigurationSource;
import org.springframework.web.server.WebFilter;

/**
 * Who may call which route, and the headers of every answer.
 *
 * <p>Open to all: health (probes), {@code /actuator/prometheus} (scrapers carry no key; it holds counts by model,
 * tenant and status, nothing of any job; keep the port off the public network, or move actuator to
 * {@code management.server.port}), the API description and Swagger UI, the console's files and {@code GET /}.
 * {@code /v1/admin/**} and the other actuator endpoints need the admin key; every other route a tenant's key
 * ({@code Authorization: Bearer}) in required mode, and in open mode takes requests without a key as tenant
 * {@code default}. There are no sessions, cookies or CSRF tokens: each request carries its key.
 *
 * <p>Security headers are Spring Security's defaults (nosniff, {@code X-Frame-Options: DENY}, {@code Cache-Control:
 * no-store} on answers that set no caching of their own, HSTS on HTTPS requests only, so behind a TLS-terminating
 * proxy that proxy must send it) plus a referrer policy and a content security policy that lets the console and
 * Swagger UI load only the gateway's own files.
 */
@Configuration(proxyBeanMethods = false)
@EnableWebFluxSecurity
public class SecurityConfiguration {

    /** Paths anyone may read. */
    static final String[] OPEN_PATHS = {
        "/actuator/health", "/actuator/health/**", "/actuator/prometheus",
        "/docs", "/docs/**", "/openapi.json", "/openapi.json/**", "/webjars/**",
        "/console", "/console/**"
    };

    @Bean
    SecurityWebFilterChain securityChain(ServerHttpSecurity http, AuthProperties auth, CorsProperties cors,
            ApiKeyAuthenticationManager keys, AuthProblems problems) {
        AuthenticationWebFilter bearer = new AuthenticationWebFilter(keys);
        bearer.setServerAuthenticationConverter(new BearerKeyConverter());
        bearer.setAuthenticationFailureHandler(problems);
        // A key sent to an open path (a browser's stale header on /docs, a probe) is not judged there.
        bearer.setRequiresAuthenticationMatcher(
                new NegatedServerWebExchangeMatcher(ServerWebExchangeMatchers.pathMatchers(OPEN_PATHS)));
        if (auth.mode() == AuthProperties.Mode.OPEN) {
            http.anonymous(anonymous -> anonymous.principal(Caller.ANONYMOUS)
                    .authorities("ROLE_" + Caller.TENANT_ROLE));
        }
        return http
                .securityContextRepository(NoOpServerSecurityContextRepository.getInstance())
                .requestCache(cache -> cache.requestCache(NoOpServerRequestCache.getInstance()))
                .csrf(ServerHttpSecurity.CsrfSpec::disable)
                .httpBasic(ServerHttpSecurity.HttpBasicSpec::disable)
                .formLogin(ServerHttpSecurity.FormLoginSpec::disable)
                .logout(ServerHttpSecurity.LogoutSpec::disable)
                .cors(spec -> spec.configurationSource(corsSource(cors)))
                .headers(headers -> headers
                        .frameOptions(frame -> frame.mode(XFrameOptionsServerHttpHeadersWriter.Mode.DENY))
                        .contentSecurityPolicy(csp -> csp.policyDirectives(SecurityHeaders.CONTENT_SECURITY_POLICY))
                        .referrerPolicy(referrer -> referrer.policy(SecurityHeaders.REFERRER_POLICY)))
                .exceptionHandling(exceptions -> exceptions
                        .authenticationEntryPoint(problems)
                        .accessDeniedHandler(problems))
                .addFilterAt(bearer, SecurityWebFiltersOrder.AUTHENTICATION)
                .addFilterAfter(callerAttribute(), SecurityWebFiltersOrder.ANONYMOUS_AUTHENTICATION)
                .authorizeExchange(routes -> routes
                        .pathMatchers(OPEN_PATHS).permitAll()
                        .pathMatchers(HttpMethod.GET, "/").permitAll()
                        .pathMatchers("/v1/admin/**", "/actuator/**").hasRole(Caller.ADMIN_ROLE)
                        .anyExchange().hasRole(Caller.TENANT_ROLE))
                .build();
    }

    /**
     * Cross-origin calls only from {@code inferq.cors.allowed-origins}; a preflight or call from any other origin
     * is refused with 403. Keys travel in a header, never in cookies, so credentials stay off.
     */
    private static CorsConfigurationSource corsSource(CorsProperties cors) {
        CorsConfiguration config = new CorsConfiguration();
        config.setAllowedOriginPatterns(cors.allowedOrigins());
        config.setAllowedMethods(List.of("GET", "POST", "DELETE"));
        config.setAllowedHeaders(List.of(HttpHeaders.AUTHORIZATION, HttpHeaders.CONTENT_TYPE, "Idempotency-Key",
                "Prefer", "Last-Event-ID", HttpHeaders.CACHE_CONTROL));
        config.setExposedHeaders(List.of(HttpHeaders.LOCATION, HttpHeaders.RETRY_AFTER, "Preference-Applied",
                "RateLimit", "RateLimit-Policy"));
        config.setAllowCredentials(false);
        config.setMaxAge(cors.maxAge());
        UrlBasedCorsConfigurationSource source = new UrlBasedCorsConfigurationSource();
        source.registerCorsConfiguration("/**", config);
        return source;
    }

    /** Puts the caller where filters outside the chain (SubmitMeters) find it: the exchange's attributes. */
    private static WebFilter callerAttribute() {
        return (exchange, chain) -> ReactiveSecurityContextHolder.getContext()
                .map(SecurityContext::getAuthentication)
                .map(Authentication::getPrincipal)
                .ofType(Caller.class)
                .doOnNext(caller -> exchange.getAttributes().put(Caller.ATTRIBUTE, caller))
                .then(chain.filter(exchange));
    }
}
