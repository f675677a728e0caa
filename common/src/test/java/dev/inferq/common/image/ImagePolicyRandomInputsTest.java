package dev.inferq.common.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.inferq.testsupport.RandomInputs;
import dev.inferq.testsupport.TestImages;
import java.awt.image.BufferedImage;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Property tests of the image policy on hostile bytes: whatever arrives, {@link ImagePolicy#check} either accepts
 * with a header within the limits or throws {@link ImageRejectedException}; never another exception, and never an
 * accepted image of more pixels than allowed. Seeded tries ({@link RandomInputs#cases}).
 */
class ImagePolicyRandomInputsTest {

    private static final long MAX_PIXELS = 4_000_000;
    private static final ImagePolicy POLICY = new ImagePolicy(1_000_000, MAX_PIXELS);
    private static final BufferedImage PICTURE = TestImages.picture(40, 30, BufferedImage.TYPE_INT_RGB);
    private static final List<byte[]> VALID = Stream.of("png", "jpg", "gif", "bmp")
            .map(format -> TestImages.encode(PICTURE, format)).toList();
    private static final List<byte[]> MAGIC = List.of(new byte[] {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF},
            new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'}, "GIF89a".getBytes(), "BM".getBytes());

    static Stream<?> randomBytes() {
        return RandomInputs.cases(1000, random -> RandomInputs.bytes(random, 512));
    }

    static Stream<?> randomBytesBehindASignature() {
        return RandomInputs.cases(1000, random -> {
            byte[] magic = MAGIC.get(random.nextInt(MAGIC.size()));
            byte[] tail = RandomInputs.bytes(random, 256);
            return ByteBuffer.allocate(magic.length + tail.length).put(magic).put(tail).array();
        });
    }

    static Stream<?> mutatedValidImages() {
        return RandomInputs.cases(1000, random -> RandomInputs.mutate(random, VALID.get(random.nextInt(VALID.size()))));
    }

    /** PNGs whose header claims any size, bombs included; a few hundred, as each compresses its rows. */
    static Stream<?> pngsOfAnySize() {
        return RandomInputs.cases(200, random -> switch (random.nextInt(3)) {
            case 0 -> TestImages.pngBomb(1 + random.nextInt(5_000), 1 + random.nextInt(5_000));
            case 1 -> TestImages.pngBomb(1 + random.nextInt(200_000), 1 + random.nextInt(50));
            default -> TestImages.pngBomb(1 + random.nextInt(50), 1 + random.nextInt(200_000));
        });
    }

    @ParameterizedTest
    @MethodSource({"randomBytes", "randomBytesBehindASignature", "mutatedValidImages", "pngsOfAnySize"})
    void acceptsWithinTheLimitsOrRefusesWithImageRejectedException(byte[] bytes) {
        ImageHeader header;
        try {
            header = POLICY.check(bytes);
        } catch (ImageRejectedException refused) {
            assertThat(refused.getMessage()).isNotBlank();
            return;
        } catch (RuntimeException | Error other) {
            throw new AssertionError("ImagePolicy.check threw " + other + " instead of ImageRejectedException",
                    other);
        }
        if (header == null) {
            fail("an accepted image must have a header");
        }
        assertThat(header.width()).isPositive();
        assertThat(header.height()).isPositive();
        assertThat(header.pixels()).isLessThanOrEqualTo(MAX_PIXELS);
        assertThat(ImageFormat.sniff(bytes)).contains(header.format());
    }

    @ParameterizedTest
    @MethodSource("pngSizes")
    void aPngHeaderIsReadAsItsSizeAndRefusedExactlyWhenOverThePixelLimit(int[] size) {
        byte[] png = TestImages.pngBomb(size[0], size[1]);
        long pixels = (long) size[0] * size[1];
        try {
            ImageHeader header = POLICY.check(png);
            assertThat(pixels).isLessThanOrEqualTo(MAX_PIXELS);
            assertThat(header.width()).isEqualTo(size[0]);
            assertThat(header.height()).isEqualTo(size[1]);
        } catch (ImageRejectedException refused) {
            assertThat(refused.reason()).isEqualTo(ImageRejectedException.Reason.TOO_MANY_PIXELS);
            assertThat(pixels).isGreaterThan(MAX_PIXELS);
        }
    }

    static Stream<?> pngSizes() {
        return RandomInputs.cases(200, (Random random) -> new int[] {1 + random.nextInt(4_000),
                1 + random.nextInt(4_000)});
    }
}
