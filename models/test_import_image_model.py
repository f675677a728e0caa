#!/usr/bin/python3
"""Tests for import_image_model.py, and the fixture writer of the Java test ImportedImageModelIT.

A small convolutional classifier, traced here (no shared data needed), is imported with the default recipe, with a
plain resize, and at a size other than 224 with its own mean and std; the written folders are checked, the
preprocessing against a reference computed here from raw pixels (sharing no code with the script's Recipe), and the
variants against the gate (written and listed exactly when top-1 agreement with float32 >= 99% over the photos).

  /usr/bin/python3 models/test_import_image_model.py                 # the Python checks (unittest)
  /usr/bin/python3 models/test_import_image_model.py --fixture DIR   # writes DIR/models/..., DIR/pictures/*.png and
                                                                     # DIR/expected.json (prepared pixels, logits)
"""

import contextlib
import io
import json
import os
import sys
import tempfile
import unittest

import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import import_image_model as imp  # noqa: E402

SEED = 20261207
LABELS = ["red", "green", "blue", "grey"]
# the fixture's size and statistics: neither 224 nor square, mean/std different per channel, so a swapped channel,
# a stretched picture or a transposed width/height shows
WIDTH, HEIGHT, SHORT = 64, 80, 96
MEAN, STD = [0.2, 0.4, 0.6], [0.5, 0.25, 0.125]


class TinyNet(nn.Module):
    """Conv, ReLU, global average pool, Linear: any size, any batch."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, kernel_size=3, stride=2, padding=1)
        self.head = nn.Linear(8, len(LABELS))

    def forward(self, x):
        return self.head(torch.relu(self.conv(x)).mean(dim=(2, 3)))


class FixedBatch(nn.Module):
    """Like a trace that baked in batch size 1 (torchvision's quantised MobileNetV2 does: reshape(x, [1, -1]))."""

    def forward(self, x):
        return x.mean(dim=(2, 3)).reshape(1, -1)[:, :3] @ torch.ones(3, len(LABELS))


def traced(model, folder, name, size=(HEIGHT, WIDTH)):
    torch.manual_seed(SEED)
    model = model.eval()
    path = os.path.join(folder, name)
    with torch.no_grad():
        torch.jit.save(torch.jit.trace(model, torch.rand(2, 3, *size)), path)
    return path


def write_pictures(folder, count=6):
    """count seeded pictures with coloured blocks, PNG and JPEG, of sizes that need resizing and cropping."""
    from PIL import Image, ImageDraw
    os.makedirs(folder, exist_ok=True)
    gen = torch.Generator().manual_seed(SEED)
    paths = []
    for i in range(count):
        w, h = [(120, 90), (96, 128), (200, 200), (300, 150), (96, 140), (140, 96)][i % 6]
        img = Image.new("RGB", (w, h), tuple(torch.randint(0, 256, (3,), generator=gen).tolist()))
        draw = ImageDraw.Draw(img)
        for _ in range(6):
            x, y = (torch.randint(0, w, (1,), generator=gen).item(), torch.randint(0, h, (1,), generator=gen).item())
            draw.rectangle((x, y, x + w // 3, y + h // 3), fill=tuple(torch.randint(0, 256, (3,), generator=gen).tolist()))
        path = os.path.join(folder, f"picture{i}.{'png' if i % 2 == 0 else 'bmp'}")
        img.save(path)
        paths.append(path)
    return paths


def run(*argv):
    """import_image_model.main(argv) with its output captured."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        imp.main([str(a) for a in argv])
    return out.getvalue()


def properties(folder):
    with open(os.path.join(folder, "serving.properties"), encoding="utf-8") as f:
        return dict(line.split("=", 1) for line in f.read().splitlines() if line and not line.startswith("#"))


def card(folder):
    with open(os.path.join(folder, "model-card.json"), encoding="utf-8") as f:
        return json.load(f)


def reference_prepared(path, width, height, short, mean, std):
    """What the model must get for the picture at path when its short side already is `short` (no interpolation):
    the centre width x height of the raw RGB pixels, /255, (x - mean) / std, channel-major. Independent of Recipe."""
    from PIL import Image
    with Image.open(path) as img:
        rgb = img.convert("RGB")
    w, h = rgb.size
    assert min(w, h) == short, (path, rgb.size)
    raw = torch.tensor(list(rgb.getdata()), dtype=torch.float32).view(h, w, 3)
    top, left = (h - height) // 2, (w - width) // 2
    crop = raw[top:top + height, left:left + width].permute(2, 0, 1) / 255
    return (crop - torch.tensor(mean).view(3, 1, 1)) / torch.tensor(std).view(3, 1, 1)


class ImportTest(unittest.TestCase):

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = self.tmp.name
        self.labels = os.path.join(self.dir, "labels.txt")
        with open(self.labels, "w", encoding="utf-8") as f:
            f.write("\n".join(LABELS) + "\n\n")
        self.photos = os.path.join(self.dir, "photos")
        write_pictures(self.photos)

    def tearDown(self):
        self.tmp.cleanup()

    def test_default_recipe_writes_a_djl_folder_with_an_imported_card(self):
        model = traced(TinyNet(), self.dir, "net.pt", (224, 224))
        out = os.path.join(self.dir, "models", "colours")
        run("--torchscript", model, "--labels", self.labels, "--name", "colours", "--out", out,
            "--photos", self.photos, "--source", "a test net", "--licence", "CC0")

        p = properties(out)
        self.assertEqual(p["option.modelName"], "colours")
        self.assertEqual(p["application"], "cv/image_classification")
        self.assertEqual((p["width"], p["height"], p["resize"], p["resizeShort"], p["centerCrop"]),
                         ("224", "224", "false", "256", "true"))
        self.assertEqual(p["mean"], "0.485,0.456,0.406")
        self.assertEqual(p["std"], "0.229,0.224,0.225")
        self.assertEqual(p["normalize"], "0.485,0.456,0.406,0.229,0.224,0.225", "DJL's own key says the same")
        self.assertEqual(p["batchSize"], "4")
        with open(os.path.join(out, "synset.txt"), encoding="utf-8") as f:
            self.assertEqual(f.read().splitlines(), LABELS)
        with open(model, "rb") as a, open(os.path.join(out, "colours.pt"), "rb") as b:
            self.assertEqual(a.read(), b.read(), "the TorchScript file is copied as it is")
        c = card(out)
        self.assertEqual((c["weights"], c["source"], c["licence"], c["labels"], c["task"]),
                         ("imported", "a test net", "CC0", LABELS, "image-classification"))
        self.assertEqual(c["sha256"], imp.sha256(model))
        self.assertEqual(c["preprocessing"]["mean"], [0.485, 0.456, 0.406])

    def test_variants_are_written_and_listed_exactly_when_they_pass_the_top1_gate(self):
        model = traced(TinyNet(), self.dir, "net.pt", (224, 224))
        out = os.path.join(self.dir, "colours")
        run("--torchscript", model, "--labels", self.labels, "--name", "colours", "--out", out,
            "--photos", self.photos)

        p, variants = properties(out), card(out)["variants"]
        listed = p.get("variants", "").split(",") if "variants" in p else []
        self.assertEqual(set(variants), {"colours_bf16", "colours_int8"})
        for name, figures in variants.items():
            self.assertEqual(figures["photos"], 6)
            self.assertEqual(figures["images"], 6 * 8, "each photo as is, mirrored, three crops, three shifts")
            passed = figures["top1"] >= imp.GATE_TOP1
            self.assertEqual(figures["passed"], passed, name)
            self.assertEqual(name in listed, passed, name)
            self.assertEqual(os.path.exists(os.path.join(out, name + ".pt")), passed, name)
            if passed:
                self.assertIn("passed=true", p[f"variant.{name}.fidelity"])
                self.assertIn("photos=6", p[f"variant.{name}.fidelity"])
        if listed:
            self.assertEqual(listed[0], "colours", "the float32 baseline first")
            self.assertEqual(p["variant.colours.fidelity"], "reference")

    def test_failed_variants_are_kept_on_request_and_marked_failed(self):
        model = traced(TinyNet(), self.dir, "net.pt", (224, 224))
        out = os.path.join(self.dir, "colours")
        run("--torchscript", model, "--labels", self.labels, "--name", "colours", "--out", out,
            "--photos", self.photos, "--keep-failed-variants")

        p = properties(out)
        self.assertEqual(p["variants"], "colours,colours_bf16,colours_int8")
        for name, figures in card(out)["variants"].items():
            self.assertTrue(os.path.exists(os.path.join(out, name + ".pt")))
            self.assertIn(f"passed={'true' if figures['passed'] else 'false'}", p[f"variant.{name}.fidelity"])
            with torch.no_grad():
                out_logits = torch.jit.load(os.path.join(out, name + ".pt"))(torch.rand(3, 3, 224, 224))
            self.assertEqual((tuple(out_logits.shape), out_logits.dtype), ((3, len(LABELS)), torch.float32))

    def test_without_photos_no_variant_is_written(self):
        model = traced(TinyNet(), self.dir, "net.pt", (224, 224))
        out = os.path.join(self.dir, "colours")
        printed = run("--torchscript", model, "--labels", self.labels, "--name", "colours", "--out", out,
                      "--photos", os.path.join(self.dir, "none"))

        self.assertIn("no variants written", printed)
        self.assertNotIn("variants", properties(out))
        self.assertEqual(sorted(os.listdir(out)), ["colours.pt", "model-card.json", "serving.properties", "synset.txt"])
        self.assertIn("no photos", card(out)["variants"]["skipped"])

    def test_other_size_mean_and_std_are_prepared_like_the_raw_pixels_say(self):
        recipe = imp.Recipe(WIDTH, HEIGHT, SHORT, MEAN, STD)
        for path in write_pictures(os.path.join(self.dir, "exact"), 6):
            from PIL import Image
            with Image.open(path) as img:
                if min(img.size) != SHORT:
                    continue  # only pictures whose short side needs no interpolation compare exactly
                prepared = recipe.prepare(imp.rgb(path))
            expected = reference_prepared(path, WIDTH, HEIGHT, SHORT, MEAN, STD)
            self.assertEqual(tuple(prepared.shape), (3, HEIGHT, WIDTH))
            self.assertLess((prepared - expected).abs().max().item(), 1e-6, path)

    def test_plain_resize_and_other_sizes_are_written_as_such(self):
        model = traced(TinyNet(), self.dir, "net.pt")
        out = os.path.join(self.dir, "plain")
        run("--torchscript", model, "--labels", self.labels, "--name", "plain", "--out", out, "--width", WIDTH,
            "--height", HEIGHT, "--plain-resize", "--mean", "0.5,0.5,0.5", "--std", "0.5,0.5,0.5", "--no-variants")

        p = properties(out)
        self.assertEqual((p["width"], p["height"], p["resize"]), (str(WIDTH), str(HEIGHT), "true"))
        self.assertNotIn("resizeShort", p)
        self.assertNotIn("centerCrop", p)
        self.assertEqual(card(out)["architecture"]["input"], [3, HEIGHT, WIDTH])

    def test_a_model_that_takes_batch_size_1_only_is_imported_without_variants(self):
        model = traced(FixedBatch(), self.dir, "fixed.pt", (224, 224))
        out = os.path.join(self.dir, "fixed")
        # traced at batch 2 it would take 2; trace it at 1 as the quantised MobileNetV2 was
        with torch.no_grad():
            torch.jit.save(torch.jit.trace(FixedBatch().eval(), torch.rand(1, 3, 224, 224)), model)
        run("--torchscript", model, "--labels", self.labels, "--name", "fixed", "--out", out, "--photos", self.photos)

        p = properties(out)
        self.assertEqual(p["batchSize"], "1")
        self.assertNotIn("variants", p)
        self.assertEqual(card(out)["architecture"]["batch"], "1 only")

    def test_refuses_a_model_whose_outputs_do_not_match_the_labels_and_bad_flags(self):
        model = traced(TinyNet(), self.dir, "net.pt", (224, 224))
        with open(self.labels, "w", encoding="utf-8") as f:
            f.write("only\ntwo\n")
        out = os.path.join(self.dir, "bad")
        with self.assertRaisesRegex(SystemExit, r"expected \[1, 2\]"):
            run("--torchscript", model, "--labels", self.labels, "--name", "bad", "--out", out, "--no-variants")
        with self.assertRaisesRegex(SystemExit, "smaller than"):
            run("--torchscript", model, "--labels", self.labels, "--name", "bad", "--out", out, "--resize-short", 100)
        with self.assertRaisesRegex(SystemExit, "three numbers"):
            run("--torchscript", model, "--labels", self.labels, "--name", "bad", "--out", out, "--std", "1,0,1")
        self.assertFalse(os.path.exists(out), "nothing is written for a refused import")


# --------------------------------------------------------------------------------------------
# The fixture ImportedImageModelIT runs through DJL and the worker's ImageClassifier
# --------------------------------------------------------------------------------------------

def build(root):
    """root/models/colours: TinyNet imported at WIDTH x HEIGHT, short side SHORT + centre crop, MEAN/STD, with every
    variant kept (passed or not); root/pictures: pictures whose short side is SHORT (no interpolation, so the Java
    preparation must give the same pixels); root/expected.json: per picture the prepared pixels and the float32
    logits, computed from the raw pixels (reference_prepared), not by the script."""
    torch.manual_seed(SEED)
    model = traced(TinyNet(), root, "net.pt")
    labels = os.path.join(root, "labels.txt")
    with open(labels, "w", encoding="utf-8") as f:
        f.write("\n".join(LABELS) + "\n")
    pictures = [p for p in write_pictures(os.path.join(root, "pictures"))]
    photos = os.path.join(root, "pictures")
    run("--torchscript", model, "--labels", labels, "--name", "colours", "--out", os.path.join(root, "models", "colours"),
        "--width", WIDTH, "--height", HEIGHT, "--resize-short", SHORT, "--mean", ",".join(map(str, MEAN)),
        "--std", ",".join(map(str, STD)), "--photos", photos, "--keep-failed-variants")
    loaded = torch.jit.load(model).eval()
    cases = []
    from PIL import Image
    for path in pictures:
        with Image.open(path) as img:
            if min(img.size) != SHORT:
                continue
        x = reference_prepared(path, WIDTH, HEIGHT, SHORT, MEAN, STD)
        with torch.no_grad():
            logits = loaded(x.unsqueeze(0))[0]
        cases.append({"picture": os.path.relpath(path, root), "shape": [3, HEIGHT, WIDTH],
                      "pixels": [round(v, 6) for v in x.flatten().tolist()], "logits": logits.tolist()})
    assert len(cases) >= 2, "the fixture needs pictures whose short side is SHORT"
    with open(os.path.join(root, "expected.json"), "w", encoding="utf-8") as f:
        json.dump({"labels": LABELS, "cases": cases}, f)


if __name__ == "__main__":
    torch.set_num_threads(1)
    if len(sys.argv) == 3 and sys.argv[1] == "--fixture":
        os.makedirs(sys.argv[2], exist_ok=True)
        build(sys.argv[2])
        print("fixture written to " + sys.argv[2])
    else:
        unittest.main()
