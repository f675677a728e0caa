package dev.inferq.gateway.auth;

import dev.inferq.contract.Tenants;

/**
 * Who sent a request: a tenant, by one of its keys, or the administrator. Controllers take it as their
 * {@code @AuthenticationPrincipal}; in open mode a request without a key is {@link #ANONYMOUS}, tenant
 * {@link Tenants#DEFAULT}.
 *
 * @param tenant the tenant whose jobs the caller may see; null for the administrator, who has none
 * @param keyId the id of the key the caller sent ({@code /v1/admin/keys} lists it); null without a key
 */
public record Caller(String tenant, String keyId) {

    /** The request attribute holding the caller, for {@code SubmitMeters}, which runs outside the security chain. */
    public static final String ATTRIBUTE = Caller.class.getName();

    static final String TENANT_ROLE = "TENANT";
    static final String ADMIN_ROLE = "ADMIN";

    /** Everyone without a key in open mode. */
    public static final Caller ANONYMOUS = new Caller(Tenants.DEFAULT, null);

    static Caller administrator() {
        return new Caller(null, "admin");
    }

    boolean isAdministrator() {
        return tenant == null;
    }
}
