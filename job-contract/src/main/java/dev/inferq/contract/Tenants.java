package dev.inferq.contract;

/**
 * Tenant names: who a job belongs to. One policy for every module, so a job with no tenant means the same everywhere.
 */
public final class Tenants {

    /** The tenant of every job when the gateway runs without API keys, and of jobs recorded before tenants existed. */
    public static final String DEFAULT = "default";

    private Tenants() {
    }

    /** {@code tenant}, or {@link #DEFAULT} when none is given. */
    public static String orDefault(String tenant) {
        return tenant == null || tenant.isEmpty() ? DEFAULT : tenant;
    }
}
