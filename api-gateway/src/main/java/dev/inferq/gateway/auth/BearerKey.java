package dev.inferq.gateway.auth;

import java.util.List;
import org.springframework.security.authentication.AbstractAuthenticationToken;
import org.springframework.security.core.authority.AuthorityUtils;

/**
 * An API key as Spring Security carries it: first the key a request sent (unauthenticated), then, once found, the
 * {@link Caller} it belongs to with its role. The key is dropped as soon as it has been checked, so it cannot reach a
 * log line or the security context.
 */
final class BearerKey extends AbstractAuthenticationToken {

    private final Caller caller;
    private String key;

    private BearerKey(Caller caller, String key, List<String> roles) {
        super(AuthorityUtils.createAuthorityList(roles.stream().map(role -> "ROLE_" + role).toList()));
        this.caller = caller;
        this.key = key;
        setAuthenticated(caller != null);
    }

    static BearerKey unauthenticated(String key) {
        return new BearerKey(null, key, List.of());
    }

    static BearerKey of(Caller caller) {
        return new BearerKey(caller, null, List.of(caller.isAdministrator() ? Caller.ADMIN_ROLE : Caller.TENANT_ROLE));
    }

    String key() {
        return key;
    }

    @Override
    public Object getCredentials() {
        return key;
    }

    @Override
    public Caller getPrincipal() {
        return caller;
    }

    @Override
    public void eraseCredentials() {
        key = null;
    }
}
