package dev.inferq.gateway.versions;

/**
 * A model as a submit route names it: {@code sentiment} (routed to the default version, or the canary for its share)
 * or {@code sentiment@2} (version 2, whatever the routing). {@code version} is null when none is named.
 */
public record ModelRef(String name, Integer version) {

    /** Splits {@code ref} at its last {@code @}; a version that is no positive whole number is {@code -1}. */
    public static ModelRef parse(String ref) {
        int at = ref.lastIndexOf('@');
        if (at < 0) {
            return new ModelRef(ref, null);
        }
        String version = ref.substring(at + 1);
        int number = version.matches("[1-9][0-9]{0,8}") ? Integer.parseInt(version) : -1;
        return new ModelRef(ref.substring(0, at), number);
    }
}
