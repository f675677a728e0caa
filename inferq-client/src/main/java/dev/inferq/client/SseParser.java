package dev.inferq.client;

import java.time.Duration;
import java.util.Optional;

/**
 * Reads a {@code text/event-stream} one line at a time, as the HTML standard's "event stream interpretation" says:
 * {@code field:value} lines (one space after the colon dropped; a line without a colon is a field with an empty
 * value), {@code :comments} ignored, {@code data} lines joined with newlines, a blank line dispatching the event (if
 * it has data), {@code id} kept for the following events and for {@code Last-Event-ID} after a reconnect,
 * {@code retry} read as the reconnection delay. Lines come without their terminator (the JDK's line subscriber splits
 * on CR, LF and CRLF, as the format allows). Written here because no small, maintained SSE parser exists for the
 * JDK's HTTP client (the maintained ones come with OkHttp, Jersey or Apache HttpClient). One instance per connection;
 * not thread-safe.
 */
final class SseParser {

    private static final char BYTE_ORDER_MARK = '\uFEFF';

    private final StringBuilder data = new StringBuilder();
    private String eventType = "";
    private String lastEventId;
    private Duration retry;
    private boolean firstLine = true;

    /** Takes one line; answers the event a blank line completes, or null. */
    SseEvent line(String line) {
        if (firstLine && !line.isEmpty() && line.charAt(0) == BYTE_ORDER_MARK) {
            line = line.substring(1);
        }
        firstLine = false;
        if (line.isEmpty()) {
            return dispatch();
        }
        if (line.charAt(0) == ':') {
            return null;
        }
        int colon = line.indexOf(':');
        String field = colon < 0 ? line : line.substring(0, colon);
        String value = colon < 0 ? "" : line.substring(colon + 1);
        if (value.startsWith(" ")) {
            value = value.substring(1);
        }
        switch (field) {
            case "data" -> data.append(value).append('\n');
            case "event" -> eventType = value;
            case "id" -> {
                if (value.indexOf('\0') < 0) {
                    lastEventId = value;
                }
            }
            case "retry" -> retry(value);
            default -> {
                // The standard says to ignore unknown fields.
            }
        }
        return null;
    }

    /** The reconnection delay the stream asked for with {@code retry}, if it did. */
    Optional<Duration> retry() {
        return Optional.ofNullable(retry);
    }

    private SseEvent dispatch() {
        if (data.length() == 0) {
            eventType = "";
            return null;
        }
        SseEvent event = new SseEvent(lastEventId, eventType.isEmpty() ? "message" : eventType,
                data.substring(0, data.length() - 1));
        data.setLength(0);
        eventType = "";
        return event;
    }

    private void retry(String value) {
        if (value.isEmpty() || !value.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return;
        }
        try {
            retry = Duration.ofMillis(Long.parseLong(value));
        } catch (NumberFormatException tooLarge) {
            // Digits beyond a long: ignored like any other unusable value.
        }
    }
}
