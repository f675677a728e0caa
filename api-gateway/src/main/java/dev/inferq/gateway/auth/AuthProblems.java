package dev.inferq.gateway.auth;

import dev.inferq.gateway.GatewayProperties;
import dev.inferq.gateway.problems.ApiException;
import dev.inferq.gateway.problems.ProblemResponses;
import dev.inferq.gateway.problems.ProblemType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.security.access.AccessDeniedException;
import org.springframework.security.authentication.AuthenticationServiceException;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.web.server.ServerAuthenticationEntryPoint;
import org.springframework.security.web.server.WebFilterExchange;
import org.springframework.security.web.server.authentication.ServerAuthenticationFailureHandler;
import org.springframework.security.web.server.authorization.ServerAccessDeniedHandler;
import org.springframework.security.web.server.firewall.ServerExchangeRejectedException;
import org.springframework.security.web.server.firewall.ServerExchangeRejectedHandler;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

/**
 * The answers of the security chain, as RFC 9457 problems shaped like {@code ProblemHandler}'s (they are written
 * before any controller runs, so its advice cannot): 401 with {@code WWW-Authenticate: Bearer} (RFC 6750) for a
 * missing or wrong key, 403 for a key without the route's role, 503 when the key store cannot be read, 400 for a
 * request the firewall rejects.
 */
@Component
class AuthProblems implements ServerAuthenticationEntryPoint, ServerAuthenticationFailureHandler,
        ServerAccessDeniedHandler, ServerExchangeRejectedHandler {

    static final String REALM = "Bearer realm=\"inferq\"";
    private static final Logger log = LoggerFactory.getLogger(AuthProblems.class);

    private final JsonMapper json;
    private final GatewayProperties gateway;

    AuthProblems(JsonMapper json, GatewayProperties gateway) {
        this.json = json;
        this.gateway = gateway;
    }

    /** No key on a route that needs one (or the admin route without the admin key). */
    @Override
    public Mono<Void> commence(ServerWebExchange exchange, AuthenticationException e) {
        return write(exchange, HttpStatus.UNAUTHORIZED, "Unauthorized", isAdminRoute(exchange)
                ? "this route needs the admin key (INFERQ_ADMIN_KEY): send 'Authorization: Bearer <admin key>'"
                : "this route needs an API key: send 'Authorization: Bearer <key>'", REALM);
    }

    /** A key was sent and is not one (or the store could not tell). */
    @Override
    public Mono<Void> onAuthenticationFailure(WebFilterExchange filterExchange, AuthenticationException e) {
        ServerWebExchange exchange = filterExchange.getExchange();
        if (e instanceof AuthenticationServiceException) {
            log.warn("API key not checked: {}", e.getMessage(), e.getCause());
            exchange.getResponse().getHeaders().set(HttpHeaders.RETRY_AFTER,
                    Long.toString(Math.max(1, gateway.retryAfter().toSeconds())));
            return write(exchange, HttpStatus.SERVICE_UNAVAILABLE, "Service unavailable",
                    e.getMessage() + "; retry later", null);
        }
        return write(exchange, HttpStatus.UNAUTHORIZED, "Unauthorized", e.getMessage(),
                REALM + ", error=\"invalid_token\"");
    }

    @Override
    public Mono<Void> handle(ServerWebExchange exchange, AccessDeniedException denied) {
        return write(exchange, HttpStatus.FORBIDDEN, "Forbidden", isAdminRoute(exchange)
                ? "only the admin key may use this route; this key belongs to a tenant"
                : "the admin key manages API keys only; submit and read jobs with a tenant's key", null);
    }

    /**
     * The firewall's refusal (Spring Security's {@code StrictServerWebExchangeFirewall}: an encoded slash or dot
     * segment such as {@code /v1/models/..%2F../jobs}, a disallowed method or header); found as the bean of this type,
     * it replaces the default answer, a 400 with no body.
     */
    @Override
    public Mono<Void> handle(ServerWebExchange exchange, ServerExchangeRejectedException rejected) {
        return ProblemResponses.write(json, exchange.getRequest(), exchange.getResponse(), new ApiException(
                HttpStatus.BAD_REQUEST, ProblemType.REJECTED_REQUEST.title(), "the request was rejected: its path,"
                        + " method or headers hold what no route of this API takes (encoded slashes, dot segments,"
                        + " control characters)"));
    }

    private static boolean isAdminRoute(ServerWebExchange exchange) {
        String path = exchange.getRequest().getPath().pathWithinApplication().value();
        return path.startsWith("/v1/admin/") || path.startsWith("/actuator/");
    }

    private Mono<Void> write(ServerWebExchange exchange, HttpStatus status, String title, String detail,
            String challenge) {
        if (challenge != null) {
            exchange.getResponse().getHeaders().set(HttpHeaders.WWW_AUTHENTICATE, challenge);
        }
        return ProblemResponses.write(json, exchange.getRequest(), exchange.getResponse(), status, title, detail);
    }
}
