package dev.inferq.gateway.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.inferq.common.image.ImagePolicy;
import dev.inferq.contract.JobInput;
import dev.inferq.gateway.GatewayProperties;
import dev.inferq.gateway.problems.ApiException;
import dev.inferq.testsupport.TestImages;
import java.awt.image.BufferedImage;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpStatus;

class InputValidatorTest {

    private final InputValidator validator = new InputValidator(new GatewayProperties(3, 10,
            Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofSeconds(1),
            Duration.ofMinutes(1), Duration.ofMinutes(1)),
            new ImagePolicy(2_000, 10_000));

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
    void recognisesImageFormatsByTheirContentAndReadsTheirHeader() {
        BufferedImage picture = TestImages.picture(20, 10, BufferedImage.TYPE_INT_RGB);
        assertThat(validator.image(TestImages.encode(picture, "jpg")).input().contentType()).isEqualTo("image/jpeg");
        assertThat(validator.image(TestImages.encode(picture, "png")).input().contentType()).isEqualTo("image/png");
        assertThat(validator.image(TestImages.encode(picture, "gif")).input().contentType()).isEqualTo("image/gif");
        byte[] bmpBytes = TestImages.encode(picture, "bmp");
        CheckedImage bmp = validator.image(bmpBytes);
        assertThat(bmp.input()).isEqualTo(new JobInput.Image("image/bmp", bmpBytes.length));
        assertThat(bmp.header().width()).isEqualTo(20);
        assertThat(bmp.header().height()).isEqualTo(10);
    }

    @Test
    void refusesEmptyForeignBrokenOversizeAndTooManyPixelUploads() {
        expect(() -> validator.image(new byte[0]), HttpStatus.BAD_REQUEST, "empty");
        expect(() -> validator.image(bytes('%', 'P', 'D', 'F')), HttpStatus.UNSUPPORTED_MEDIA_TYPE, "not a JPEG");
        expect(() -> validator.image(bytes(0x89, 'P', 'N')), HttpStatus.UNSUPPORTED_MEDIA_TYPE, "not a JPEG");
        expect(() -> validator.image(bytes(0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n', 0)),
                HttpStatus.UNSUPPORTED_MEDIA_TYPE, "PNG header cannot be read");
        byte[] big = new byte[2_001];
        big[0] = 'B';
        big[1] = 'M';
        expect(() -> validator.image(big), HttpStatus.CONTENT_TOO_LARGE, "2001 bytes; at most 2000");
        expect(() -> validator.image(TestImages.pngBomb(200, 100)), HttpStatus.CONTENT_TOO_LARGE,
                "200 x 100 pixels (20000); at most 10000 pixels");
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
