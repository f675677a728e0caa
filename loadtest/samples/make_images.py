#!/usr/bin/python3
"""Writes the load-test kit's own test images into samples/images/ (deterministic, seeded).

The images are drawn here, so they carry no third-party rights. They are not photographs: with the committed tiny
models (random weights) any input is as good as another, and with real weights they still exercise decoding,
resizing and every colour mode the gateway accepts. Sizes vary (224-640 px, square and not), and so do formats and
modes (JPEG RGB, PNG RGB, PNG grayscale, PNG palette, PNG with alpha) so the decode path sees some variety.

Run: /usr/bin/python3 loadtest/samples/make_images.py   (needs Pillow: apt-get install -y python3-pil)
"""
import math
import os
import random

from PIL import Image, ImageDraw, ImageFilter

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "images")


def lerp(a, b, t):
    return tuple(int(a[i] + (b[i] - a[i]) * t) for i in range(3))


def sunset_landscape(rng):
    w, h = 640, 427
    img = Image.new("RGB", (w, h))
    d = ImageDraw.Draw(img)
    for y in range(h):
        d.line([(0, y), (w, y)], fill=lerp((250, 140, 60), (60, 40, 120), y / h))
    d.ellipse([380, 150, 480, 250], fill=(255, 220, 120))
    for layer, colour in enumerate([(70, 60, 90), (40, 45, 60), (20, 30, 35)]):
        pts = [(0, h)]
        base = 250 + layer * 50
        for x in range(0, w + 40, 40):
            pts.append((x, base - rng.randint(0, 90 - layer * 20)))
        pts.append((w, h))
        d.polygon(pts, fill=colour)
    return img.filter(ImageFilter.SMOOTH), "sunset_landscape.jpg", {"quality": 85}


def circles(rng):
    img = Image.new("RGB", (448, 448), (245, 245, 240))
    d = ImageDraw.Draw(img)
    for _ in range(40):
        r = rng.randint(10, 80)
        x, y = rng.randint(0, 448), rng.randint(0, 448)
        d.ellipse([x - r, y - r, x + r, y + r],
                  fill=(rng.randint(0, 255), rng.randint(0, 255), rng.randint(0, 255)), outline=(0, 0, 0))
    return img, "circles.png", {"optimize": True}


def checkerboard(rng):
    img = Image.new("RGB", (256, 256))
    d = ImageDraw.Draw(img)
    cell = 32
    for i in range(8):
        for j in range(8):
            c = (230, 230, 230) if (i + j) % 2 else (30, 30, 30)
            d.rectangle([i * cell, j * cell, (i + 1) * cell - 1, (j + 1) * cell - 1], fill=c)
    return img, "checkerboard.png", {"optimize": True}


def noise_texture(rng):
    w, h = 320, 240
    small = Image.new("RGB", (w // 8, h // 8))
    small.putdata([(rng.randint(60, 200), rng.randint(90, 160), rng.randint(20, 90)) for _ in range(w * h // 64)])
    img = small.resize((w, h), Image.BICUBIC)
    fine = Image.effect_noise((w, h), 40).convert("RGB")
    return Image.blend(img, fine, 0.25), "moss_texture.jpg", {"quality": 80}


def stripes(rng):
    img = Image.new("RGB", (400, 300))
    d = ImageDraw.Draw(img)
    palette = [(200, 30, 40), (240, 200, 40), (30, 120, 200), (250, 250, 250), (20, 20, 20)]
    x = -300
    while x < 700:
        width = rng.randint(10, 40)
        d.polygon([(x, 0), (x + width, 0), (x + width + 300, 300), (x + 300, 300)], fill=rng.choice(palette))
        x += width
    return img, "diagonal_stripes.png", {"optimize": True}


def gray_rings(rng):
    size = 512
    img = Image.new("L", (size, size))
    px = img.load()
    c = size / 2
    for y in range(size):
        for x in range(size):
            r = math.hypot(x - c, y - c)
            px[x, y] = int(127 + 127 * math.sin(r / 9.0))
    return img, "gray_rings.png", {"optimize": True}


def plasma(rng):
    w, h = 300, 300
    img = Image.new("RGB", (w, h))
    px = img.load()
    a, b = rng.uniform(0.02, 0.05), rng.uniform(0.02, 0.05)
    for y in range(h):
        for x in range(w):
            v = math.sin(x * a) + math.sin(y * b) + math.sin((x + y) * 0.03) + math.sin(math.hypot(x - 150, y - 150) * 0.05)
            px[x, y] = (int(128 + 127 * math.sin(v * math.pi)), int(128 + 127 * math.sin(v * math.pi + 2)),
                        int(128 + 127 * math.sin(v * math.pi + 4)))
    return img, "plasma.jpg", {"quality": 85}


def palette_blocks(rng):
    img = Image.new("RGB", (240, 360))  # portrait
    d = ImageDraw.Draw(img)
    for _ in range(25):
        x0, y0 = rng.randint(0, 220), rng.randint(0, 340)
        d.rectangle([x0, y0, x0 + rng.randint(20, 120), y0 + rng.randint(20, 120)],
                    fill=(rng.randint(0, 255), rng.randint(0, 255), rng.randint(0, 255)))
    return img.convert("P", palette=Image.ADAPTIVE, colors=16), "palette_blocks.png", {"optimize": True}


def house_scene(rng):
    img = Image.new("RGB", (512, 384), (135, 200, 235))
    d = ImageDraw.Draw(img)
    d.rectangle([0, 280, 512, 384], fill=(70, 150, 60))
    d.rectangle([150, 170, 350, 300], fill=(190, 90, 60))
    d.polygon([(130, 170), (250, 80), (370, 170)], fill=(110, 40, 40))
    d.rectangle([230, 230, 270, 300], fill=(90, 60, 30))
    d.rectangle([170, 200, 210, 240], fill=(230, 240, 255))
    d.rectangle([290, 200, 330, 240], fill=(230, 240, 255))
    d.ellipse([40, 30, 110, 100], fill=(255, 240, 150))
    for _ in range(5):
        x, y = rng.randint(150, 480), rng.randint(20, 70)
        for k in range(3):
            d.ellipse([x + k * 18, y, x + k * 18 + 34, y + 24], fill=(250, 250, 250))
    for x in range(20, 120, 30):
        d.rectangle([x + 8, 240, x + 14, 290], fill=(100, 70, 40))
        d.ellipse([x - 8, 200, x + 30, 250], fill=(40, 110, 40))
    return img, "house_scene.jpg", {"quality": 88}


def alpha_star(rng):
    size = 300
    img = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    pts = []
    for k in range(10):
        r = 140 if k % 2 == 0 else 60
        ang = math.pi / 2 + k * math.pi / 5
        pts.append((150 + r * math.cos(ang), 150 - r * math.sin(ang)))
    d.polygon(pts, fill=(250, 190, 30, 255), outline=(120, 80, 0, 255))
    return img, "star_transparent.png", {"optimize": True}


def gradient_square(rng):
    size = 224
    img = Image.new("RGB", (size, size))
    px = img.load()
    for y in range(size):
        for x in range(size):
            px[x, y] = (int(255 * x / size), int(255 * y / size), int(255 * (1 - x / size)))
    return img, "gradient_224.jpg", {"quality": 90}


def main():
    os.makedirs(OUT, exist_ok=True)
    rng = random.Random(20261129)
    total = 0
    for make in (sunset_landscape, circles, checkerboard, noise_texture, stripes, gray_rings, plasma,
                 palette_blocks, house_scene, alpha_star, gradient_square):
        img, name, kw = make(rng)
        path = os.path.join(OUT, name)
        img.save(path, **kw)
        n = os.path.getsize(path)
        total += n
        print(f"{name:24s} {img.size[0]}x{img.size[1]} {img.mode:4s} {n / 1024:6.1f} KB")
    print(f"total {total / 1024:.1f} KB in {OUT}")


if __name__ == "__main__":
    main()
