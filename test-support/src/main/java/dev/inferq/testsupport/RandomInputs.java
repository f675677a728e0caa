package dev.inferq.testsupport;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;

/**
 * Generated hostile inputs for property tests and the fuzz run: random bytes, text full of the characters parsers
 * trip on, random JSON values (often objects with the fields inferq's routes read, holding any type), mangled JSON
 * and mutated binary files.
 *
 * <p>{@link #cases} makes the tries of a property as JUnit arguments, each named with the seed and index that make
 * it again: a failing try is replayed with {@code -Dinferq.random.seed=<seed>}. Without that property every run
 * draws a new seed, so that the tries cover more ground over time.
 */
public final class RandomInputs {

    /** The JSON fields the submit routes read (native and legacy), plus names that have tripped other parsers. */
    public static final List<String> FIELDS = List.of("inputs", "url", "timeout_s", "callback_url", "user_id", "text",
            "__proto__", "");

    private static final String AWKWARD = "\"\\/\b\f\n\r\t\u0000\u007f\u00e9\u2028\ufeff\ud800\udfff";
    private static final String JSON_PUNCTUATION = "{}[]\",:\\\u0000\u00ff";
    private static final long SEED = Long.getLong("inferq.random.seed", System.nanoTime());

    private RandomInputs() {
    }

    /** The seed of this JVM's tries. */
    public static long seed() {
        return SEED;
    }

    /**
     * {@code tries} values made by {@code make}, each from its own {@link Random} (seed and index), named
     * {@code seed=<seed> #<index>: <value preview>} for the test report.
     */
    public static <T> Stream<Named<T>> cases(int tries, Function<Random, T> make) {
        return IntStream.range(0, tries).mapToObj(i -> {
            T value = make.apply(new Random(SEED * 31 + i));
            return Named.of("seed=" + SEED + " #" + i + ": " + preview(value), value);
        });
    }

    public static byte[] bytes(Random random, int maxLength) {
        byte[] bytes = new byte[random.nextInt(maxLength + 1)];
        random.nextBytes(bytes);
        return bytes;
    }

    /** Text mixing printable ASCII, JSON's special characters, lone surrogates, controls and any code point. */
    public static String awkwardText(Random random, int length) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < length; i++) {
            switch (random.nextInt(4)) {
                case 0 -> text.append(AWKWARD.charAt(random.nextInt(AWKWARD.length())));
                case 1 -> text.appendCodePoint(random.nextInt(Character.MAX_CODE_POINT + 1));
                default -> text.append((char) (' ' + random.nextInt(95)));
            }
        }
        return text.toString();
    }

    /** Like {@link #awkwardText} but without CR and LF, so that it fits in one HTTP header line. */
    public static String headerText(Random random, int length) {
        return awkwardText(random, length).replace('\r', ' ').replace('\n', ' ');
    }

    /** A number in JSON: small, huge, fractional, exponents far out of range, or not JSON at all ({@code 0x1F}). */
    public static String number(Random random) {
        return switch (random.nextInt(7)) {
            case 0 -> Integer.toString(random.nextInt(100) - 10);
            case 1 -> Long.toString(random.nextLong());
            case 2 -> "1" + "0".repeat(40 + random.nextInt(400));
            case 3 -> "1e" + (random.nextInt(2000) - 1000);
            case 4 -> "-0.0";
            case 5 -> Double.toString(random.nextDouble() * 1e6);
            default -> "0x1F";
        };
    }

    /** A random JSON text; half the time an object whose fields are from {@link #FIELDS}, holding any type. */
    public static String json(Random random) {
        StringBuilder json = new StringBuilder();
        if (random.nextBoolean()) {
            json.append('{');
            int fields = 1 + random.nextInt(4);
            for (int i = 0; i < fields; i++) {
                json.append(i == 0 ? "" : ",").append(quote(FIELDS.get(random.nextInt(FIELDS.size())))).append(':');
                value(random, json, 1);
            }
            json.append('}');
        } else {
            value(random, json, 0);
        }
        return json.toString();
    }

    /** {@link #json}, then a few characters replaced by JSON punctuation and perhaps cut short. */
    public static String mangledJson(Random random) {
        char[] json = json(random).toCharArray();
        int edits = 1 + random.nextInt(4);
        for (int i = 0; i < edits && json.length > 0; i++) {
            json[random.nextInt(json.length)] = JSON_PUNCTUATION.charAt(random.nextInt(JSON_PUNCTUATION.length()));
        }
        String text = new String(json);
        return random.nextBoolean() ? text : text.substring(0, random.nextInt(text.length() + 1));
    }

    /** A JSON string literal of {@code text}, escaped so that every character, lone surrogates too, arrives. */
    public static String quote(String text) {
        StringBuilder out = new StringBuilder("\"");
        text.chars().forEach(c -> {
            if (c == '"' || c == '\\') {
                out.append('\\').append((char) c);
            } else if (c < 0x20 || Character.isSurrogate((char) c)) {
                out.append(String.format("\\u%04x", c));
            } else {
                out.append((char) c);
            }
        });
        return out.append('"').toString();
    }

    /** {@code original} with 1 to 16 bytes overwritten, mostly within its first 64 (where headers keep sizes). */
    public static byte[] mutate(Random random, byte[] original) {
        byte[] copy = original.clone();
        int edits = 1 + random.nextInt(16);
        for (int i = 0; i < edits && copy.length > 0; i++) {
            int at = random.nextInt(4) == 0 || copy.length <= 8 ? random.nextInt(copy.length)
                    : 8 + random.nextInt(Math.min(56, copy.length - 8));
            copy[at] = (byte) random.nextInt(256);
        }
        return random.nextInt(5) == 0 ? Arrays.copyOf(copy, random.nextInt(copy.length + 1)) : copy;
    }

    private static void value(Random random, StringBuilder json, int depth) {
        switch (random.nextInt(depth > 4 ? 5 : 7)) {
            case 0 -> json.append("null");
            case 1 -> json.append(random.nextBoolean());
            case 2 -> json.append(number(random));
            case 3, 4 -> json.append(quote(awkwardText(random, 1 + random.nextInt(60))));
            case 5 -> {
                json.append('[');
                int n = random.nextInt(6);
                for (int i = 0; i < n; i++) {
                    json.append(i == 0 ? "" : ",");
                    value(random, json, depth + 1);
                }
                json.append(']');
            }
            default -> {
                json.append('{');
                int n = random.nextInt(4);
                for (int i = 0; i < n; i++) {
                    json.append(i == 0 ? "" : ",").append(quote(awkwardText(random, 5))).append(':');
                    value(random, json, depth + 1);
                }
                json.append('}');
            }
        }
    }

    private static String preview(Object value) {
        String text = value instanceof byte[] bytes ? new String(bytes, 0, Math.min(bytes.length, 60),
                StandardCharsets.ISO_8859_1) + " (" + bytes.length + " bytes)" : String.valueOf(value);
        text = text.length() > 80 ? text.substring(0, 80) + "..." : text;
        return text.replaceAll("[^\\x20-\\x7e]", "?");
    }
}
