package dev.inferq.gateway;

import org.springframework.security.web.server.header.ReferrerPolicyServerHttpHeadersWriter.ReferrerPolicy;

/**
 * The policies every answer's security headers carry: Spring Security writes them on routed answers
 * ({@code auth.SecurityConfiguration}), and {@code problems.PreRoutingProblems} on the answers Reactor Netty sends
 * before any route runs.
 */
public final class SecurityHeaders {

    /**
     * Swagger UI sets inline styles; images may be data: and blob: URLs (the console previews a chosen file).
     * Nothing comes from another origin, and no page may be framed.
     */
    public static final String CONTENT_SECURITY_POLICY = "default-src 'self'; script-src 'self'; "
            + "style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; "
            + "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

    public static final ReferrerPolicy REFERRER_POLICY = ReferrerPolicy.NO_REFERRER;

    private SecurityHeaders() {
    }
}
