package dev.inferq.common.model.versions;

/**
 * A candidate version that receives {@code share} (more than 0, less than 1, in steps of 1/{@value #STEPS}) of the
 * jobs that name no version; the default version takes the rest.
 */
public record Canary(int version, double share) {

    /** The share's resolution: it is kept as a whole number of these parts, so the split is exact. */
    public static final int STEPS = 10_000;

    public Canary {
        long parts = Math.round(share * STEPS);
        if (!(share > 0 && share < 1) || parts < 1 || parts >= STEPS) {
            throw new VersionChangeException(VersionChangeException.Kind.INVALID,
                    "a canary's share must be more than 0 and less than 1 (at least 0.0001), was " + share);
        }
    }

    /** The share in {@link #STEPS}ths. */
    long parts() {
        return Math.round(share * STEPS);
    }

    /**
     * Whether the {@code n}th job (counted from 0) that names no version goes to the canary: job {@code n} does when
     * the canary's due count, {@code floor(jobs * share)}, grows with it. After any {@code N} jobs the canary has had
     * exactly {@code floor(N * share)}, and any run of consecutive jobs gives it its share within one job.
     */
    boolean takes(long n) {
        long parts = parts();
        return (n + 1) * parts / STEPS > n * parts / STEPS;
    }
}
