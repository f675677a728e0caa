package dev.inferq.gateway.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.inferq.common.job.JobInput;
import dev.inferq.gateway.GatewayProperties;
import dev.inferq.gateway.problems.ApiException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpStatus;
import org.springframework.util.unit.DataSize;

class InputValidatorTest {

    private final InputValidator validator = new InputValidator(new GatewayProperties(3, 10, DataSize.ofBytes(100),
            Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofMinutes(1)));

    @Test
    void acceptsTextsWithinTheLimits() {
        assertThat(validator.texts(List.of("a", "0123456789"), "inputs"))
                .isEqualTo(new JobInput.Texts(List.of("a", "0123456789")));
    }

    @Test
    void refusesMissingEmptyBlankAndNullTextsWith400() {
        expect(() -> validator.texts(null, "inputs"), HttpStatus.BAD_REQUEST, "non-empty list");
        expect(() -> validator.texts(List.of(), "inputs"), HttpStatus.BAD_REQUEST, "non-empty list");
        expect(() -> validator.texts(Arrays.asList("ok", null), "inputs"), HttpStatus.BAD_REQUEST,
                "'inputs[1]' is empty");
        expect(() -> validator.texts(List.of(" \t"), "inputs"), HttpStatus.BAD_REQUEST, "'inputs[0]'");
    }

    @Test
    void refusesTooManyOrTooLongTextsWith413() {
        expect(() -> validator.texts(List.of("a", "b", "c", "d"), "inputs"), HttpStatus.CONTENT_TOO_LARGE,
                "has 4 texts; at most 3");
        expect(() -> validator.texts(List.of("a", "01234567890"), "inputs"), HttpStatus.CONTENT_TOO_LARGE,
                "'inputs[1]' has 11 characters; at most 10");
    }

    @Test
    void recognisesImageFormatsByTheirLeadingBytes() {
        assertThat(validator.image(bytes(0xFF, 0xD8, 0xFF, 0xE0, 0)).contentType()).isEqualTo("image/jpeg");
        assertThat(validator.image(bytes(0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n', 0)).contentType())
                .isEqualTo("image/png");
        assertThat(validator.image(bytes('G', 'I', 'F', '8', '9', 'a')).contentType()).isEqualTo("image/gif");
        JobInput.Image bmp = validator.image(bytes('B', 'M', 1, 2));
        assertThat(bmp.contentType()).isEqualTo("image/bmp");
        assertThat(bmp.sizeBytes()).isEqualTo(4);
    }

    @Test
    void refusesEmptyForeignOrOversizeUploads() {
        expect(() -> validator.image(new byte[0]), HttpStatus.BAD_REQUEST, "empty");
        expect(() -> validator.image(bytes('%', 'P', 'D', 'F')), HttpStatus.UNSUPPORTED_MEDIA_TYPE, "not a JPEG");
        expect(() -> validator.image(bytes(0x89, 'P', 'N')), HttpStatus.UNSUPPORTED_MEDIA_TYPE, "not a JPEG");
        byte[] big = new byte[101];
        big[0] = 'B';
        big[1] = 'M';
        expect(() -> validator.image(big), HttpStatus.CONTENT_TOO_LARGE, "101 bytes; at most 100");
    }

    private static byte[] bytes(int... values) {
        byte[] bytes = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            bytes[i] = (byte) values[i];
        }
        return bytes;
    }

    private static void expect(Runnable call, HttpStatus status, String detail) {
        assertThatThrownBy(call::run)
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(status))
                .hasMessageContaining(detail);
    }
}
