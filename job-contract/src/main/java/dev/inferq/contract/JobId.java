package dev.inferq.contract;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * An unguessable job identifier: 128 random bits from a {@link SecureRandom}, URL-safe Base64 without padding.
 *
 * <p>Knowing a job id is what lets a client read its result, so ids must not be enumerable. A new id never begins
 * with {@code -}: command lines (the Python client's, {@code curl}, {@code redis-cli}) would take it for an option.
 * Ids that do are still accepted.
 */
public record JobId(@JsonValue String value) {

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Pattern FORMAT = Pattern.compile("[A-Za-z0-9_-]{22}");

    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    public JobId {
        Objects.requireNonNull(value, "value");
        if (!FORMAT.matcher(value).matches()) {
            throw new IllegalArgumentException("not a job id: '" + value + "' (expected 22 URL-safe Base64 characters)");
        }
    }

    /** Creates a fresh random id. */
    public static JobId random() {
        byte[] bytes = new byte[16];
        String value;
        do {
            RANDOM.nextBytes(bytes);
            value = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        } while (value.charAt(0) == '-');
        return new JobId(value);
    }

    /** True when {@code candidate} has the shape of a job id; lets callers answer 404 without a lookup. */
    public static boolean isWellFormed(String candidate) {
        return candidate != null && FORMAT.matcher(candidate).matches();
    }

    @Override
    public String toString() {
        return value;
    }
}
