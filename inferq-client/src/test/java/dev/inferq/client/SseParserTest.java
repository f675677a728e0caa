package dev.inferq.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The event stream format as the HTML standard defines it, fed line by line as the JDK's line subscriber splits it. */
class SseParserTest {

    private final SseParser parser = new SseParser();

    /** Splits as the JDK's line subscriber does (CR, LF and CRLF) and feeds the lines in order. */
    private List<SseEvent> feed(String stream) {
        List<SseEvent> events = new ArrayList<>();
        String[] lines = stream.split("\r\n|\r|\n", -1);
        // A stream that ends with a terminator leaves one empty string after it, which is no line.
        for (int i = 0; i < lines.length - (stream.matches("(?s).*(\r|\n)") ? 1 : 0); i++) {
            SseEvent event = parser.line(lines[i]);
            if (event != null) {
                events.add(event);
            }
        }
        return events;
    }

    @Test
    void aBlankLineDispatchesTheFieldsSeenSinceTheLastOne() {
        assertThat(feed("id:QUEUED\nevent:status\ndata:{\"a\":1}\n\n"))
                .containsExactly(new SseEvent("QUEUED", "status", "{\"a\":1}"));
    }

    @Test
    void dataLinesAreJoinedWithNewlinesAndOneLeadingSpaceIsDropped() {
        assertThat(feed("data: first\ndata:  second\ndata\n\n"))
                .containsExactly(new SseEvent(null, "message", "first\n second\n"));
    }

    @Test
    void commentsAndUnknownFieldsAreIgnoredAndKeepAlivesDispatchNothing() {
        assertThat(feed(":keep-alive\n\nfoo:bar\ndata:x\n:inside\n\n:keep-alive\n\n"))
                .containsExactly(new SseEvent(null, "message", "x"));
    }

    @Test
    void anEventWithoutDataIsNotDispatchedAndItsTypeDoesNotLeakIntoTheNext() {
        assertThat(feed("event:status\n\ndata:y\n\n")).containsExactly(new SseEvent(null, "message", "y"));
    }

    @Test
    void theLastEventIdCarriesOverToLaterEventsUntilTheStreamChangesIt() {
        List<SseEvent> events = feed("id:1\ndata:a\n\ndata:b\n\nid\ndata:c\n\ndata:d\n\n");

        assertThat(events).extracting(SseEvent::id).containsExactly("1", "1", "", "");
    }

    @Test
    void anIdWithANulCharacterIsIgnored() {
        assertThat(feed("id:good\ndata:a\n\nid:ba\0d\ndata:b\n\n")).extracting(SseEvent::id)
                .containsExactly("good", "good");
    }

    @Test
    void retryIsReadWhenItIsDigitsOnly() {
        feed("retry: 2000\n\n");
        assertThat(parser.retry()).contains(Duration.ofMillis(2000));

        feed("retry:soon\nretry:-1\nretry:99999999999999999999999\n\n");
        assertThat(parser.retry()).contains(Duration.ofMillis(2000));
    }

    @Test
    void crLfAndCrEndLinesAsLfDoes() {
        assertThat(feed("data:a\r\ndata:b\rid:7\r\n\r\n"))
                .containsExactly(new SseEvent("7", "message", "a\nb"));
    }

    @Test
    void aByteOrderMarkAtTheStartIsSkipped() {
        assertThat(feed("\uFEFFdata:x\n\n")).containsExactly(new SseEvent(null, "message", "x"));
    }

    @Test
    void anEventCutOffByTheEndOfTheStreamIsNotDispatched() {
        assertThat(feed("data:complete\n\ndata:cut off\n")).extracting(SseEvent::data).containsExactly("complete");
    }

    @Test
    void aColonInTheValueIsKept() {
        assertThat(feed("data:{\"url\":\"http://x\"}\n\n")).extracting(SseEvent::data)
                .containsExactly("{\"url\":\"http://x\"}");
    }
}
