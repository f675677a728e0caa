package dev.inferq.gateway.limits;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;

class PartCounterTest {

    @Test
    void countsDelimitersAlsoWhenABufferSplitsThem() {
        String body = "--ab\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nx\r\n--ab\r\n"
                + "Content-Disposition: form-data; name=\"b\"\r\n\r\n-a-ab\r\n--ab--\r\n";
        for (int split = 1; split < body.length(); split++) {
            PartCounter counter = new PartCounter("ab");
            counter.parts(buffer(body.substring(0, split)));
            assertThat(counter.parts(buffer(body.substring(split)))).as("split at %d", split).isEqualTo(3);
        }
    }

    @Test
    void aBodyWithoutDelimitersHasNoParts() {
        assertThat(new PartCounter("boundary").parts(buffer("--boundar--boundar"))).isZero();
    }

    private static DataBuffer buffer(String text) {
        return DefaultDataBufferFactory.sharedInstance.wrap(text.getBytes(StandardCharsets.ISO_8859_1));
    }
}
