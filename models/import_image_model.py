#!/usr/bin/python3
"""Import any TorchScript image classifier as an inferq model folder (DJL layout), with gated variants.

  /usr/bin/python3 models/import_image_model.py --torchscript FILE --labels FILE --name NAME --out DIR
      [--width 224 --height 224] [--resize-short 256 | --plain-resize] [--mean R,G,B --std R,G,B]
      [--photos DIR] [--no-variants | --keep-failed-variants] [--source TEXT] [--licence TEXT]

DIR is the model folder itself; the platform serves it under DIR's own name (point MODELS_DIR at its parent, or add
the parent to MODELS_DIR with ':'). It gets:

  NAME.pt              the TorchScript file, copied byte for byte: float32 [batch, 3, height, width] in, logits out
  NAME_bf16.pt         weights and activations in bfloat16, float32 in and out        } only those that pass the
  NAME_int8.pt         convolutions and Linears int8 (static, fbgemm, per channel)    } gate below
  synset.txt           the labels, one per line, in the model's output order
  serving.properties   DJL's keys (width, height, resize / resizeShort + centerCrop) plus mean/std, the variants
  model-card.json      "weights": "imported", source, sha256, licence note, preprocessing, each variant's fidelity

Preprocessing defaults to torchvision's ImageNet recipe: resize the short side to 256, crop the centre 224 x 224, scale
to 0..1, normalise with ImageNet's mean and std. --plain-resize stretches the picture to width x height instead.

Variants (the worker times those listed and serves the fastest, models/README.md): each is compared with the float32
file on real photos (--photos, default the shared photo folder), each photo as it is, mirrored, three 3/4 crops and
three colour shifts; a variant is written only when its top-1 agrees with float32 on >= 99% of them. Without photos no
variant is written: top-1 agreement on synthetic pictures says little about a trained model's near-ties, and the
float32 file is always right. A model that only takes batch size 1 (a trace with a fixed batch) is imported as it is,
with batchSize=1 and no variants.

Needs Debian's torch and Pillow (apt-get install -y python3-torch python3-pil); use /usr/bin/python3.
"""

import argparse
import datetime
import hashlib
import json
import os
import random
import shutil
import sys
import time

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED_PHOTOS = os.path.normpath(os.path.join(HERE, "..", "..", "shared", "data", "images"))
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
GATE_TOP1 = 0.99
SEED = 20261207
# Images per forward pass while measuring fidelity, and the model's batch size in serving.properties (as the
# generated image model: a CPU gains little past a few images per pass, and each image in a batch waits for all)
BATCH = 4


# --------------------------------------------------------------------------------------------
# Preprocessing: what the worker's ImagePreparer does, in PIL (torchvision's order and rounding)
# --------------------------------------------------------------------------------------------

class Recipe:
    """How a picture becomes the model's input: plain resize to width x height, or the short side to resize_short
    and the centre width x height; then 0..1 and (x - mean) / std per channel."""

    def __init__(self, width, height, resize_short, mean, std):
        if resize_short is not None and resize_short < max(width, height):
            raise SystemExit(f"--resize-short {resize_short} is smaller than the {width} x {height} crop")
        self.width, self.height, self.resize_short = width, height, resize_short
        self.mean, self.std = list(mean), list(std)

    def prepare(self, img):
        """img (PIL, RGB) -> float32 [3, height, width]."""
        from PIL import Image
        if self.resize_short is None:
            img = img.resize((self.width, self.height), Image.BILINEAR)
        else:
            w, h = img.size
            scale = self.resize_short / min(w, h)
            img = img.resize((self.resize_short if w <= h else int(w * scale),
                              self.resize_short if h <= w else int(h * scale)), Image.BILINEAR)
            w, h = img.size
            left, top = int(round((w - self.width) / 2.0)), int(round((h - self.height) / 2.0))
            img = img.crop((left, top, left + self.width, top + self.height))
        x = torch.frombuffer(bytearray(img.tobytes()), dtype=torch.uint8).view(self.height, self.width, 3)
        x = x.permute(2, 0, 1).to(torch.float32) / 255
        return (x - torch.tensor(self.mean).view(3, 1, 1)) / torch.tensor(self.std).view(3, 1, 1)

    def properties(self):
        lines = [f"width={self.width}", f"height={self.height}"]
        if self.resize_short is None:
            lines += ["# the picture stretched to width x height", "resize=true"]
        else:
            lines += ["# the short side resized to resizeShort (aspect ratio kept), then the centre width x height",
                      "resize=false", f"resizeShort={self.resize_short}", "centerCrop=true"]
        fmt = lambda values: ",".join(f"{v:g}" for v in values)
        # DJL's normalize takes mean and std in one list (normalize=true would mean ImageNet's); the worker reads
        # mean/std, which say the same
        return lines + [f"normalize={fmt(self.mean)},{fmt(self.std)}",
                        "# scaled to 0..1, then (x - mean) / std per RGB channel (read by the worker itself)",
                        f"mean={fmt(self.mean)}", f"std={fmt(self.std)}"]

    def card(self):
        return {"width": self.width, "height": self.height,
                "resize": "plain" if self.resize_short is None else f"short side {self.resize_short}, centre crop",
                "mean": self.mean, "std": self.std}


def rgb(path):
    """The picture at path as RGB (transparency over white), or None when Pillow cannot read it."""
    from PIL import Image
    try:
        with Image.open(path) as opened:
            rgba = opened.convert("RGBA")
    except OSError:
        return None
    return Image.alpha_composite(Image.new("RGBA", rgba.size, "white"), rgba).convert("RGB")


def shifted(img, deltas):
    from PIL import Image
    return Image.merge("RGB", [band.point(lambda v, d=d: max(0, min(255, v + d)))
                               for band, d in zip(img.split(), deltas)])


def photo_set(folder, recipe):
    """(photo count, [n, 3, h, w]): each photo in folder as it is, mirrored, three 3/4 crops and three colour shifts
    (as generate_models.py's fidelity set), prepared by recipe. (0, None) without a readable photo."""
    from PIL import ImageOps
    pictures, photos = [], 0
    for name in sorted(os.listdir(folder)) if folder and os.path.isdir(folder) else []:
        img = rgb(os.path.join(folder, name))
        if img is None:
            continue
        photos += 1
        w, h = img.size
        cw, ch = w * 3 // 4, h * 3 // 4
        pictures += [img, ImageOps.mirror(img), img.crop((0, 0, cw, ch)),
                     img.crop((w // 4, h // 4, w // 4 + cw, h // 4 + ch)),
                     img.crop((w // 8, h // 8, w // 8 + cw, h // 8 + ch)),
                     shifted(img, (30, -20, 10)), shifted(img, (-25, 15, 35)),
                     shifted(ImageOps.mirror(img), (10, 10, -30))]
    if not pictures:
        return 0, None
    return photos, torch.stack([recipe.prepare(p) for p in pictures])


def synthetic_set(count, recipe):
    """Seeded synthetic pictures (gradients with discs and boxes): calibration for int8, never the gate."""
    from PIL import Image, ImageDraw
    rng = random.Random(SEED)
    colour = lambda: tuple(rng.randrange(256) for _ in range(3))
    pictures = []
    for _ in range(count):
        w, h = 64 + rng.randrange(400), 64 + rng.randrange(400)
        img = Image.linear_gradient("L").resize((w, h))
        img = Image.composite(Image.new("RGB", (w, h), colour()), Image.new("RGB", (w, h), colour()), img)
        draw = ImageDraw.Draw(img)
        for _ in range(3 + rng.randrange(12)):
            x, y = rng.randrange(w), rng.randrange(h)
            box = (x, y, x + 5 + rng.randrange(w // 2), y + 5 + rng.randrange(h // 2))
            (draw.ellipse if rng.random() < 0.5 else draw.rectangle)(box, fill=colour())
        pictures.append(img)
    return torch.stack([recipe.prepare(p) for p in pictures])


# --------------------------------------------------------------------------------------------
# Variants
# --------------------------------------------------------------------------------------------

class Bf16(torch.nn.Module):
    """The model with its weights in bfloat16, taking and returning float32 like the original."""

    def __init__(self, inner):
        super().__init__()
        self.inner = inner

    def forward(self, x):
        return self.inner(x.to(torch.bfloat16)).to(torch.float32)


def bf16_variant(path, example, calibration):
    return torch.jit.trace(Bf16(torch.jit.load(path).eval().to(torch.bfloat16)), example, check_trace=False)


def int8_variant(path, example, calibration):
    """Graph-mode static quantisation of the TorchScript graph (convolutions and Linears; fbgemm, weights per output
    channel), its activation ranges observed on synthetic pictures, so the photos that gate it are not the ones it
    was calibrated on."""
    import warnings
    from torch.ao.quantization import get_default_qconfig, quantize_jit
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # observer deprecation notes from torch's own default qconfig
        return quantize_jit(torch.jit.load(path).eval(), {"": get_default_qconfig("fbgemm")},
                            lambda model, batches: [model(b) for b in batches],
                            [list(calibration.split(BATCH))])


# name suffix, serving.properties precision, builder
VARIANTS = [("_bf16", "bf16", bf16_variant), ("_int8", "int8", int8_variant)]


def logits_of(model, images, batch):
    with torch.no_grad():
        return torch.cat([model(images[i:i + batch]) for i in range(0, len(images), batch)])


def fidelity(reference, logits, photos):
    """Top-1 agreement and largest probability difference against float32 over the photo set, and the gate."""
    top1 = (logits.argmax(-1) == reference.argmax(-1)).float().mean().item()
    prob_diff = (torch.softmax(logits, -1) - torch.softmax(reference, -1)).abs().max().item()
    cosine = torch.nn.functional.cosine_similarity(logits, reference, dim=-1).mean().item()
    return {"images": len(logits), "photos": photos, "top1": round(top1, 4), "max_prob_diff": round(prob_diff, 4),
            "cosine": round(cosine, 5), "passed": top1 >= GATE_TOP1}


def fidelity_line(f):
    return (f"images={f['images']} photos={f['photos']} top1={f['top1']:.4f} max_prob_diff={f['max_prob_diff']:.4f} "
            f"cosine={f['cosine']:.5f} passed={'true' if f['passed'] else 'false'}")


def write_variants(folder, name, model, example, recipe, photos_dir, batch, keep_failed):
    """Writes the variants that pass the gate beside NAME.pt (with keep_failed, the others too, recorded as failed:
    the worker skips them unless pinned); returns (serving.properties lines, card entries)."""
    base = os.path.join(folder, name + ".pt")
    photos, images = photo_set(photos_dir, recipe)
    if images is None:
        print(f"no photos in {photos_dir}: no variants written (the gate needs real photos; float32 only)")
        return [], {"skipped": f"no photos in {photos_dir}"}
    reference = logits_of(model, images, batch)
    calibration = synthetic_set(32, recipe)
    lines = ["# candidates for the worker, each gated on top-1 agreement with float32 >= 99% over real photos",
             f"variant.{name}.engine=PyTorch", f"variant.{name}.precision=fp32", f"variant.{name}.fidelity=reference"]
    listed, card = [name], {}
    for suffix, precision, build in VARIANTS:
        variant, path = name + suffix, os.path.join(folder, name + suffix + ".pt")
        t0 = time.time()
        try:
            torch.jit.save(build(base, example, calibration), path)
            loaded = torch.jit.load(path).eval()
            measured = fidelity(reference, logits_of(loaded, images, batch), photos)
        except Exception as e:  # a graph this precision cannot take: no candidate, said in the card
            print(f"  {variant}: cannot be built ({type(e).__name__}: {str(e).splitlines()[0][:200]})")
            card[variant] = {"precision": precision, "error": str(e).splitlines()[0][:500]}
            if os.path.exists(path):
                os.remove(path)
            continue
        print(f"  {variant}: {fidelity_line(measured)} ({time.time() - t0:.1f}s)")
        card[variant] = {"precision": precision, **measured}
        if measured["passed"] or keep_failed:
            listed.append(variant)
            lines += [f"variant.{variant}.engine=PyTorch", f"variant.{variant}.precision={precision}",
                      f"variant.{variant}.fidelity={fidelity_line(measured)}"]
        else:
            os.remove(path)
    if len(listed) == 1:
        return [f"# no variant passed the gate (top-1 agreement with float32 >= 99% over {photos} photos)"], card
    return lines[:1] + ["variants=" + ",".join(listed)] + lines[1:], card


# --------------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------------

def read_labels(path):
    with open(path, encoding="utf-8") as f:
        labels = [line.strip() for line in f if line.strip()]
    if not labels:
        raise SystemExit(f"{path} holds no labels")
    return labels


def channels(text, flag):
    values = [float(v) for v in text.split(",")]
    if len(values) != 3 or (flag == "--std" and min(values) <= 0):
        raise SystemExit(f"{flag} takes three numbers, one per RGB channel{' (above 0)' if flag == '--std' else ''}")
    return values


def batch_sizes(model, labels, recipe):
    """The batch sizes the model takes: any (2 works), or 1 only (a trace with a fixed batch fails at 2 or answers
    one row). Fails when its output is not one logit per label."""
    accepted = []
    for n in (1, 2):
        x = torch.rand(n, 3, recipe.height, recipe.width, generator=torch.Generator().manual_seed(SEED))
        try:
            with torch.no_grad():
                out = model(x)
        except Exception as e:
            if n == 1:
                raise SystemExit(f"the model does not take float32 [1, 3, {recipe.height}, {recipe.width}]: {e}")
            break
        if not isinstance(out, torch.Tensor) or out.dim() != 2 or out.shape[1] != len(labels):
            raise SystemExit(f"the model returns {getattr(out, 'shape', type(out))} for a batch of {n}, expected "
                             f"[{n}, {len(labels)}] (one logit per label)")
        if out.shape[0] != n:
            break
        accepted.append(n)
    return accepted


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--torchscript", required=True, help="TorchScript file: float32 [batch, 3, h, w] -> logits")
    p.add_argument("--labels", required=True, help="labels, one per line, in the model's output order")
    p.add_argument("--name", required=True, help="file name of the model (NAME.pt, option.modelName)")
    p.add_argument("--out", required=True, help="the model folder to write (replaced if it exists)")
    p.add_argument("--width", type=int, default=224)
    p.add_argument("--height", type=int, default=224)
    p.add_argument("--resize-short", type=int, default=256, help="short side before the centre crop (default 256)")
    p.add_argument("--plain-resize", action="store_true", help="stretch to width x height, no crop")
    p.add_argument("--mean", default=",".join(map(str, IMAGENET_MEAN)), help="per RGB channel (default ImageNet)")
    p.add_argument("--std", default=",".join(map(str, IMAGENET_STD)), help="per RGB channel (default ImageNet)")
    p.add_argument("--photos", default=SHARED_PHOTOS, help="real photos that gate the variants (default %(default)s)")
    p.add_argument("--no-variants", action="store_true", help="the float32 file only")
    p.add_argument("--keep-failed-variants", action="store_true",
                   help="also write the variants that failed the gate, marked passed=false (to measure or pin them)")
    p.add_argument("--source", help="where the weights come from (default: the TorchScript file's path)")
    p.add_argument("--licence", help="the weights' licence and terms (default: a note that it was not stated)")
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    if not args.name.replace("_", "").replace("-", "").isalnum():
        raise SystemExit("--name: letters, digits, '-' and '_' only")
    recipe = Recipe(args.width, args.height, None if args.plain_resize else args.resize_short,
                    channels(args.mean, "--mean"), channels(args.std, "--std"))
    labels = read_labels(args.labels)
    torch.set_num_threads(min(2, os.cpu_count() or 1))
    model = torch.jit.load(args.torchscript).eval()
    sizes = batch_sizes(model, labels, recipe)
    folder = os.path.abspath(args.out)
    if os.path.isdir(folder):
        shutil.rmtree(folder)
    os.makedirs(folder)
    target = os.path.join(folder, args.name + ".pt")
    shutil.copyfile(args.torchscript, target)
    with open(os.path.join(folder, "synset.txt"), "w", encoding="utf-8", newline="\n") as f:
        f.writelines(label + "\n" for label in labels)

    any_batch = 2 in sizes
    if args.no_variants or not any_batch:
        print("variants: none (" + ("--no-variants" if args.no_variants else "the model takes batch size 1 only")
              + ")")
        variant_lines, variant_card = [], {"skipped": "--no-variants" if args.no_variants else "batch size 1 only"}
    else:
        example = torch.rand(2, 3, recipe.height, recipe.width, generator=torch.Generator().manual_seed(SEED))
        variant_lines, variant_card = write_variants(folder, args.name, model, example, recipe, args.photos, BATCH,
                                                    args.keep_failed_variants)

    serving = [
        f"# DJL model folder: {args.name}.pt (TorchScript, imported), synset.txt (labels in output order).",
        "# Written by models/import_image_model.py; see models/README.md.",
        "engine=PyTorch",
        "application=cv/image_classification",
        "# DJL ignores translatorFactory when a model is loaded with optModelPath; the worker passes its own.",
        "translatorFactory=ai.djl.modality.cv.translator.ImageClassificationTranslatorFactory",
        f"option.modelName={args.name}",
        *variant_lines,
        f"# the model takes float32 [batch, 3, {recipe.height}, {recipe.width}], RGB",
        *recipe.properties(),
        "applySoftmax=true",
        "topK=5",
        "# images per forward pass" + ("" if any_batch else ": the trace fixes its batch at 1"),
        f"batchSize={BATCH if any_batch else 1}",
        "maxBatchDelay=0",
    ]
    with open(os.path.join(folder, "serving.properties"), "w", encoding="utf-8", newline="\n") as f:
        f.write("\n".join(serving) + "\n")

    source = args.source or os.path.abspath(args.torchscript)
    card = {
        "name": args.name,
        "task": "image-classification",
        "labels": labels,
        "architecture": {"type": "TorchScript", "input": [3, recipe.height, recipe.width],
                         "batch": "any" if any_batch else "1 only"},
        "weights": "imported",
        "source": source,
        "sha256": sha256(target),
        "licence": args.licence or "not stated here: the weights' own terms apply (check the source before "
                                   "redistributing; ImageNet-trained weights carry ImageNet's non-commercial terms)",
        "dataset": {"name": "unknown", "source": source, "licence": args.licence or "not stated"},
        "preprocessing": recipe.card(),
        "variants": variant_card,
        "metrics": {},
        "date": datetime.date.today().isoformat(),
        "command": "/usr/bin/python3 models/import_image_model.py " + " ".join(
            a if " " not in a else repr(a) for a in (argv if argv is not None else sys.argv[1:])),
        "note": "Imported as it is: the weights were neither trained nor checked here beyond the variants' fidelity.",
    }
    with open(os.path.join(folder, "model-card.json"), "w", encoding="utf-8", newline="\n") as f:
        json.dump(card, f, indent=2, ensure_ascii=False)
        f.write("\n")
    print(f"wrote {folder} ({len(labels)} labels; served as '{os.path.basename(folder)}'): "
          + ", ".join(sorted(os.listdir(folder))))


if __name__ == "__main__":
    sys.exit(main())
