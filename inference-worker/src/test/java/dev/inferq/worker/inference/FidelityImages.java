package dev.inferq.worker.inference;

import ai.djl.modality.cv.Image;
import ai.djl.modality.cv.ImageFactory;
import dev.inferq.worker.TinyModels;
import java.awt.Color;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import javax.imageio.ImageIO;

/**
 * A fixed, deterministic image set for comparing a model variant with its float32 baseline: each shared sample
 * image (when {@code /work/shared/data/images} is present) as is, mirrored, three 3/4 crops and three colour shifts,
 * then seeded synthetic pictures (gradients with random discs and boxes) up to the requested count.
 */
final class FidelityImages {

    private static final long SEED = 20261129L;

    private FidelityImages() {
    }

    static List<Image> of(int count) {
        List<BufferedImage> pictures = new ArrayList<>();
        for (BufferedImage shared : sharedImages()) {
            int w = shared.getWidth();
            int h = shared.getHeight();
            pictures.add(shared);
            pictures.add(mirrored(shared));
            pictures.add(shared.getSubimage(0, 0, w * 3 / 4, h * 3 / 4));
            pictures.add(shared.getSubimage(w / 4, h / 4, w * 3 / 4, h * 3 / 4));
            pictures.add(shared.getSubimage(w / 8, h / 8, w * 3 / 4, h * 3 / 4));
            pictures.add(shifted(shared, 30, -20, 10));
            pictures.add(shifted(shared, -25, 15, 35));
            pictures.add(shifted(mirrored(shared), 10, 10, -30));
        }
        Random random = new Random(SEED);
        while (pictures.size() < count) {
            pictures.add(synthetic(random));
        }
        return pictures.stream().limit(count).map(p -> ImageFactory.getInstance().fromImage(p)).toList();
    }

    private static List<BufferedImage> sharedImages() {
        Path dir = TinyModels.sharedImages();
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        List<BufferedImage> images = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.sorted().toList()) {
                BufferedImage image = ImageIO.read(file.toFile());
                if (image != null) {
                    images.add(opaqueRgb(image));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return images;
    }

    private static BufferedImage opaqueRgb(BufferedImage image) {
        BufferedImage rgb = new BufferedImage(image.getWidth(), image.getHeight(), BufferedImage.TYPE_INT_RGB);
        Graphics2D g = rgb.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, rgb.getWidth(), rgb.getHeight());
        g.drawImage(image, 0, 0, null);
        g.dispose();
        return rgb;
    }

    private static BufferedImage mirrored(BufferedImage image) {
        BufferedImage out = new BufferedImage(image.getWidth(), image.getHeight(), BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                out.setRGB(image.getWidth() - 1 - x, y, image.getRGB(x, y));
            }
        }
        return out;
    }

    private static BufferedImage shifted(BufferedImage image, int dr, int dg, int db) {
        BufferedImage out = new BufferedImage(image.getWidth(), image.getHeight(), BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                int p = image.getRGB(x, y);
                out.setRGB(x, y, clamp((p >> 16 & 255) + dr) << 16 | clamp((p >> 8 & 255) + dg) << 8
                        | clamp((p & 255) + db));
            }
        }
        return out;
    }

    private static int clamp(int v) {
        return Math.max(0, Math.min(255, v));
    }

    private static BufferedImage synthetic(Random r) {
        int w = 64 + r.nextInt(400);
        int h = 64 + r.nextInt(400);
        BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setPaint(new GradientPaint(0, 0, randomColour(r), w, h, randomColour(r)));
        g.fillRect(0, 0, w, h);
        for (int i = 0, n = 3 + r.nextInt(12); i < n; i++) {
            g.setColor(randomColour(r));
            int x = r.nextInt(w);
            int y = r.nextInt(h);
            int sw = 5 + r.nextInt(w / 2);
            int sh = 5 + r.nextInt(h / 2);
            if (r.nextBoolean()) {
                g.fillOval(x, y, sw, sh);
            } else {
                g.fillRect(x, y, sw, sh);
            }
        }
        g.dispose();
        return image;
    }

    private static Color randomColour(Random r) {
        return new Color(r.nextInt(256), r.nextInt(256), r.nextInt(256));
    }
}
