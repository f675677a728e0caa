package dev.inferq.gateway.problems;

import java.util.regex.Pattern;

/**
 * Keeps Java names out of problem details: a library's message (Jackson's "Cannot construct instance of
 * {@code dev.inferq...JobBody}") tells a client nothing it can act on and tells an attacker how the gateway is built.
 */
final class ClassNames {

    /** A qualified name: lower-case package segments, then a capitalised type name, optionally quoted. */
    private static final Pattern QUALIFIED = Pattern.compile(
            "`?\\b(?:[a-z_][a-z0-9_]*\\.){2,}[A-Z][\\w$]*(?:\\.[A-Za-z_$][\\w$]*)*`?");

    private ClassNames() {
    }

    /** {@code detail} with every qualified Java name replaced by "the expected type". */
    static String strip(String detail) {
        return detail == null ? null : QUALIFIED.matcher(detail).replaceAll("the expected type");
    }
}
