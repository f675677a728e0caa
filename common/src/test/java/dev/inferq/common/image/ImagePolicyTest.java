package dev.inferq.common.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.inferq.common.image.ImageRejectedException.Reason;
import dev.inferq.testsupport.TestImages;
import java.awt.image.BufferedImage;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class ImagePolicyTest {

    private final ImagePolicy policy = new ImagePolicy(10_000_000, 50_000_000);

    @Test
    void acceptsEachFormatAndReportsItsHeader() {
        BufferedImage picture = TestImages.picture(40, 30, BufferedImage.TYPE_INT_RGB);
        for (String format : new String[] {"png", "jpg", "gif", "bmp"}) {
            ImageHeader header = policy.check(TestImages.encode(picture, format));
            assertThat(header.width()).as(format).isEqualTo(40);
            assertThat(header.height()).as(format).isEqualTo(30);
        }
        assertThat(policy.check(TestImages.png(8, 8)).format()).isEqualTo(ImageFormat.PNG);
    }

    @Test
    void aDecompressionBombIsRefusedFromItsHeaderNamingTheLimit() {
        byte[] bomb = TestImages.pngBomb(16_000, 16_000);
        assertThat(bomb.length).isLessThan(1_000_000);

        assertThatThrownBy(() -> policy.check(bomb))
                .isInstanceOfSatisfying(ImageRejectedException.class, e -> {
                    assertThat(e.reason()).isEqualTo(Reason.TOO_MANY_PIXELS);
                    assertThat(e.isTooLarge()).isTrue();
                })
                .hasMessageContaining("16000 x 16000")
                .hasMessageContaining("50000000")
                .hasMessageContaining("inferq.image.max-pixels");
    }

    @Test
    void sizeFormatAndBrokenHeadersAreRefusedWithTheirReason() {
        assertThat(reason(new byte[0])).isEqualTo(Reason.EMPTY);
        assertThat(reason(new byte[] {'G', 'I', 'F'})).isEqualTo(Reason.NOT_AN_IMAGE);
        assertThat(reason("RIFF....WEBPVP8 ".getBytes())).isEqualTo(Reason.NOT_AN_IMAGE);
        byte[] brokenHeader = Arrays.copyOf(TestImages.png(8, 8), 12);
        assertThat(reason(brokenHeader)).isEqualTo(Reason.NOT_AN_IMAGE);
        assertThat(new ImagePolicy(10_000, 50).check(TestImages.png(7, 7)).pixels()).isEqualTo(49);
        assertThatThrownBy(() -> new ImagePolicy(10_000, 48).check(TestImages.png(7, 7)))
                .hasMessageContaining("7 x 7");
        byte[] big = TestImages.png(64, 64);
        assertThat(reason(big, new ImagePolicy(big.length - 1, 50_000_000))).isEqualTo(Reason.TOO_MANY_BYTES);
    }

    private Reason reason(byte[] bytes) {
        return reason(bytes, policy);
    }

    private static Reason reason(byte[] bytes, ImagePolicy policy) {
        try {
            policy.check(bytes);
            throw new AssertionError("accepted");
        } catch (ImageRejectedException e) {
            return e.reason();
        }
    }
}
