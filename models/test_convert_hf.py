#!/usr/bin/python3
"""Tests for convert_hf.py, and the fixture writer of the Java test HfConverterIT.

A small BertForSequenceClassification and ViTForImageClassification checkpoint is written the way Hugging Face
writes one (HF parameter names, config.json, tokenizer.json / preprocessor_config.json, and the weights both as
model.safetensors and as pytorch_model.bin), converted, and the converted TorchScript compared with a reference
forward pass written here directly on the HF state dict, following transformers' modeling_bert / modeling_vit. The
reference shares no code with generate_models.py's modules, so a wrong name mapping or a transposed tensor shows.

  /usr/bin/python3 models/test_convert_hf.py                 # the Python checks (unittest)
  /usr/bin/python3 models/test_convert_hf.py --fixture DIR   # writes DIR/{hf,djl}/... and DIR/expected.json
"""

import json
import math
import os
import struct
import sys
import tempfile
import unittest
import zlib

import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import convert_hf  # noqa: E402
import generate_models as gm  # noqa: E402
import wordpiece as wp  # noqa: E402

SEED = 20261203
TEXTS = ["the fire spread across the town", "a happy cat", "flood warning: leave now!", "ok",
         "nothing at all happened today in the quiet old town by the river"]
TEXT_LABELS = ["calm", "alarm"]
IMAGE_LABELS = ["red", "green", "blue"]
BERT = dict(vocab=None, hidden=32, layers=2, heads=4, intermediate=48, positions=40)
# 224 px: the worker's ImageClassifier builds DJL's translator with its default 224 size check, so only that size
# runs through it (a model of another image_size fails in DJL's translator builder)
VIT = dict(image=224, patch=32, hidden=24, layers=2, heads=3, mlp=40)
MEAN, STD = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]


# --------------------------------------------------------------------------------------------
# A checkpoint in Hugging Face's naming and file formats
# --------------------------------------------------------------------------------------------

def write_safetensors(path, tensors):
    """The safetensors layout: u64 little-endian header length, JSON header (padded with spaces to 8 bytes, as the
    reference writer does), then each tensor's raw little-endian bytes at its data_offsets."""
    header, blobs, offset = {"__metadata__": {"format": "pt"}}, [], 0
    dtypes = {v: k for k, v in convert_hf.SAFETENSORS_DTYPES.items()}
    for name in sorted(tensors):
        t = tensors[name].contiguous()
        raw = t.view(torch.uint8).numpy().tobytes() if t.dtype != torch.bool else t.to(torch.uint8).numpy().tobytes()
        if t.dim() == 0:
            raw = t.reshape(1).view(torch.uint8).numpy().tobytes()
        header[name] = {"dtype": dtypes[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    head = json.dumps(header, separators=(",", ":")).encode("utf-8")
    head += b" " * (-len(head) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(head)))
        f.write(head)
        for raw in blobs:
            f.write(raw)


def random_tensor(gen, *shape, std=0.3):
    return torch.randn(*shape, generator=gen) * std


def fixture_vocab():
    words = sorted({w for t in TEXTS for w in wp.pre_tokenize(wp.normalize(t))} - {"happened"})
    # "happened" is left out so that it splits into pieces: the ## path is exercised too
    letters = list("abcdefghijklmnopqrstuvwxyz")
    return wp.SPECIAL_TOKENS + letters + ["##" + c for c in letters] + ["happen", "##ed"] + words


def bert_checkpoint(gen, vocab_size):
    h, i, n = BERT["hidden"], BERT["intermediate"], BERT["layers"]
    sd = {
        "bert.embeddings.word_embeddings.weight": random_tensor(gen, vocab_size, h, std=1.0),
        "bert.embeddings.position_embeddings.weight": random_tensor(gen, BERT["positions"], h),
        "bert.embeddings.token_type_embeddings.weight": random_tensor(gen, 2, h),
        "bert.embeddings.LayerNorm.weight": 1 + random_tensor(gen, h, std=0.1),
        "bert.embeddings.LayerNorm.bias": random_tensor(gen, h, std=0.1),
        # a buffer HF checkpoints carry; the converter must skip it
        "bert.embeddings.position_ids": torch.arange(BERT["positions"]).unsqueeze(0),
        "bert.pooler.dense.weight": random_tensor(gen, h, h, std=1 / math.sqrt(h)),
        "bert.pooler.dense.bias": random_tensor(gen, h, std=0.1),
        "classifier.weight": random_tensor(gen, len(TEXT_LABELS), h, std=1.0),
        "classifier.bias": random_tensor(gen, len(TEXT_LABELS), std=0.1),
    }
    for layer in range(n):
        p = f"bert.encoder.layer.{layer}."
        for name, (o, inp) in {"attention.self.query": (h, h), "attention.self.key": (h, h),
                               "attention.self.value": (h, h), "attention.output.dense": (h, h),
                               "intermediate.dense": (i, h), "output.dense": (h, i)}.items():
            sd[p + name + ".weight"] = random_tensor(gen, o, inp, std=1 / math.sqrt(inp))
            sd[p + name + ".bias"] = random_tensor(gen, o, std=0.1)
        for name in ("attention.output.LayerNorm", "output.LayerNorm"):
            sd[p + name + ".weight"] = 1 + random_tensor(gen, h, std=0.1)
            sd[p + name + ".bias"] = random_tensor(gen, h, std=0.1)
    config = {
        "architectures": ["BertForSequenceClassification"], "model_type": "bert", "vocab_size": vocab_size,
        "hidden_size": h, "num_hidden_layers": n, "num_attention_heads": BERT["heads"], "intermediate_size": i,
        "hidden_act": "gelu", "max_position_embeddings": BERT["positions"], "type_vocab_size": 2,
        "layer_norm_eps": 1e-12, "position_embedding_type": "absolute", "pad_token_id": 0,
        "id2label": {str(k): v for k, v in enumerate(TEXT_LABELS)},
        "label2id": {v: k for k, v in enumerate(TEXT_LABELS)},
    }
    return sd, config


def vit_checkpoint(gen):
    h, m, n, p = VIT["hidden"], VIT["mlp"], VIT["layers"], VIT["patch"]
    patches = (VIT["image"] // p) ** 2
    sd = {
        "vit.embeddings.cls_token": random_tensor(gen, 1, 1, h, std=1.0),
        "vit.embeddings.position_embeddings": random_tensor(gen, 1, patches + 1, h),
        "vit.embeddings.patch_embeddings.projection.weight": random_tensor(gen, h, 3, p, p,
                                                                           std=1 / math.sqrt(3 * p * p)),
        "vit.embeddings.patch_embeddings.projection.bias": random_tensor(gen, h, std=0.1),
        "vit.layernorm.weight": 1 + random_tensor(gen, h, std=0.1),
        "vit.layernorm.bias": random_tensor(gen, h, std=0.1),
        "classifier.weight": random_tensor(gen, len(IMAGE_LABELS), h, std=1.0),
        "classifier.bias": random_tensor(gen, len(IMAGE_LABELS), std=0.1),
    }
    for layer in range(n):
        q = f"vit.encoder.layer.{layer}."
        for name, (o, inp) in {"attention.attention.query": (h, h), "attention.attention.key": (h, h),
                               "attention.attention.value": (h, h), "attention.output.dense": (h, h),
                               "intermediate.dense": (m, h), "output.dense": (h, m)}.items():
            sd[q + name + ".weight"] = random_tensor(gen, o, inp, std=1 / math.sqrt(inp))
            sd[q + name + ".bias"] = random_tensor(gen, o, std=0.1)
        for name in ("layernorm_before", "layernorm_after"):
            sd[q + name + ".weight"] = 1 + random_tensor(gen, h, std=0.1)
            sd[q + name + ".bias"] = random_tensor(gen, h, std=0.1)
    config = {
        "architectures": ["ViTForImageClassification"], "model_type": "vit", "image_size": VIT["image"],
        "patch_size": p, "num_channels": 3, "hidden_size": h, "num_hidden_layers": n,
        "num_attention_heads": VIT["heads"], "intermediate_size": m, "hidden_act": "gelu",
        "layer_norm_eps": 1e-12, "qkv_bias": True,
        "id2label": {str(k): v for k, v in enumerate(IMAGE_LABELS)},
        "label2id": {v: k for k, v in enumerate(IMAGE_LABELS)},
    }
    preprocessor = {"do_normalize": True, "do_rescale": True, "do_resize": True, "image_mean": MEAN,
                    "image_std": STD, "rescale_factor": 1 / 255, "resample": 2,
                    "size": {"height": VIT["image"], "width": VIT["image"]},
                    "image_processor_type": "ViTImageProcessor"}
    return sd, config, preprocessor


def write_checkpoint(folder, sd, config, fmt, extra):
    os.makedirs(folder, exist_ok=True)
    gm.write_json(os.path.join(folder, "config.json"), config)
    for name, content in extra.items():
        gm.write_json(os.path.join(folder, name), content)
    if fmt == "safetensors":
        write_safetensors(os.path.join(folder, "model.safetensors"), sd)
    else:
        torch.save(sd, os.path.join(folder, "pytorch_model.bin"))


# --------------------------------------------------------------------------------------------
# Reference forward passes on the HF state dict (transformers' modeling_bert / modeling_vit)
# --------------------------------------------------------------------------------------------

def _attention(x, sd, prefix, heads, additive_mask):
    b, s, h = x.shape
    d = h // heads

    def proj(name):
        return F.linear(x, sd[prefix + name + ".weight"], sd[prefix + name + ".bias"]) \
            .view(b, s, heads, d).permute(0, 2, 1, 3)

    scores = proj("query") @ proj("key").transpose(-1, -2) / math.sqrt(d)
    if additive_mask is not None:
        scores = scores + additive_mask
    return (scores.softmax(-1) @ proj("value")).permute(0, 2, 1, 3).reshape(b, s, h)


def hf_bert_logits(sd, config, ids, mask, types):
    h, eps = config["hidden_size"], config["layer_norm_eps"]
    positions = torch.arange(ids.shape[1]).unsqueeze(0).expand_as(ids)
    e = "bert.embeddings."
    x = (sd[e + "word_embeddings.weight"][ids] + sd[e + "position_embeddings.weight"][positions]
         + sd[e + "token_type_embeddings.weight"][types])
    x = F.layer_norm(x, (h,), sd[e + "LayerNorm.weight"], sd[e + "LayerNorm.bias"], eps)
    additive = (1.0 - mask[:, None, None, :].to(torch.float32)) * torch.finfo(torch.float32).min
    for layer in range(config["num_hidden_layers"]):
        p = f"bert.encoder.layer.{layer}."
        ctx = _attention(x, sd, p + "attention.self.", config["num_attention_heads"], additive)
        a = F.linear(ctx, sd[p + "attention.output.dense.weight"], sd[p + "attention.output.dense.bias"])
        x = F.layer_norm(a + x, (h,), sd[p + "attention.output.LayerNorm.weight"],
                         sd[p + "attention.output.LayerNorm.bias"], eps)
        inter = F.gelu(F.linear(x, sd[p + "intermediate.dense.weight"], sd[p + "intermediate.dense.bias"]))
        out = F.linear(inter, sd[p + "output.dense.weight"], sd[p + "output.dense.bias"])
        x = F.layer_norm(out + x, (h,), sd[p + "output.LayerNorm.weight"], sd[p + "output.LayerNorm.bias"], eps)
    pooled = torch.tanh(F.linear(x[:, 0], sd["bert.pooler.dense.weight"], sd["bert.pooler.dense.bias"]))
    return F.linear(pooled, sd["classifier.weight"], sd["classifier.bias"])


def hf_vit_logits(sd, config, pixels):
    h, eps = config["hidden_size"], config["layer_norm_eps"]
    e = "vit.embeddings."
    x = F.conv2d(pixels, sd[e + "patch_embeddings.projection.weight"], sd[e + "patch_embeddings.projection.bias"],
                 stride=config["patch_size"]).flatten(2).transpose(1, 2)
    x = torch.cat([sd[e + "cls_token"].expand(x.shape[0], -1, -1), x], dim=1) + sd[e + "position_embeddings"]
    for layer in range(config["num_hidden_layers"]):
        p = f"vit.encoder.layer.{layer}."
        n = F.layer_norm(x, (h,), sd[p + "layernorm_before.weight"], sd[p + "layernorm_before.bias"], eps)
        ctx = _attention(n, sd, p + "attention.attention.", config["num_attention_heads"], None)
        x = x + F.linear(ctx, sd[p + "attention.output.dense.weight"], sd[p + "attention.output.dense.bias"])
        n = F.layer_norm(x, (h,), sd[p + "layernorm_after.weight"], sd[p + "layernorm_after.bias"], eps)
        inter = F.gelu(F.linear(n, sd[p + "intermediate.dense.weight"], sd[p + "intermediate.dense.bias"]))
        x = x + F.linear(inter, sd[p + "output.dense.weight"], sd[p + "output.dense.bias"])
    x = F.layer_norm(x, (h,), sd["vit.layernorm.weight"], sd["vit.layernorm.bias"], eps)
    return F.linear(x[:, 0], sd["classifier.weight"], sd["classifier.bias"])


# --------------------------------------------------------------------------------------------
# Fixtures: checkpoints, conversions and the reference outputs
# --------------------------------------------------------------------------------------------

def seeded_pixels(gen):
    """One RGB picture of the model's size as uint8 [H, W, 3]: smooth gradients plus noise, so patches differ."""
    s = VIT["image"]
    yy, xx = torch.meshgrid(torch.arange(s), torch.arange(s), indexing="ij")
    base = torch.stack([xx * 255 // (s - 1), yy * 255 // (s - 1), (xx + yy) * 255 // (2 * s - 2)], dim=-1)
    noise = torch.randint(-40, 41, (s, s, 3), generator=gen)
    return (base + noise).clamp(0, 255).to(torch.uint8)


def normalised(pixels):
    """What the worker's image translator feeds: RGB / 255, then (x - mean) / std, as [1, 3, H, W]."""
    x = pixels.permute(2, 0, 1).to(torch.float32) / 255.0
    return ((x - torch.tensor(MEAN)[:, None, None]) / torch.tensor(STD)[:, None, None]).unsqueeze(0)


def write_png(path, pixels):
    """A plain 8-bit RGB PNG (no Pillow here): IHDR, one zlib IDAT with filter 0 per row, IEND."""
    h, w, _ = pixels.shape
    raw = b"".join(b"\x00" + bytes(pixels[r].flatten().tolist()) for r in range(h))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
                + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def build(root):
    """Writes root/hf/<model>-<format>/ (checkpoints), root/djl/<model>-<format>/ (conversions), root/*.png and
    root/expected.json; returns the expected dict."""
    torch.manual_seed(SEED)
    gen = torch.Generator().manual_seed(SEED)
    vocab_list = fixture_vocab()
    tok = gm.tokenizer_json(vocab_list)
    vocab = tok["model"]["vocab"]
    # the shared bert-base-uncased copy has no model.type, like some exported files: the converter adds it
    del tok["model"]["type"]
    bert_sd, bert_config = bert_checkpoint(gen, len(vocab_list))
    vit_sd, vit_config, pre = vit_checkpoint(gen)

    encoded = [wp.encode(t, vocab, BERT["positions"]) for t in TEXTS]
    width = max(len(e) for e in encoded)
    ids = torch.zeros(len(TEXTS), width, dtype=torch.long)
    mask = torch.zeros_like(ids)
    for k, e in enumerate(encoded):
        ids[k, :len(e)] = torch.tensor(e)
        mask[k, :len(e)] = 1
    with torch.no_grad():
        text_logits = hf_bert_logits(bert_sd, bert_config, ids, mask, torch.zeros_like(ids))
        # each text alone too: DJL may batch or pad differently, and padding must not matter
        alone = torch.cat([hf_bert_logits(bert_sd, bert_config, ids[k:k + 1, :len(e)], mask[k:k + 1, :len(e)],
                                          torch.zeros(1, len(e), dtype=torch.long)) for k, e in enumerate(encoded)])
    assert (text_logits - alone).abs().max() < 1e-4

    pictures = [seeded_pixels(gen) for _ in range(3)]
    pixel_batch = torch.cat([normalised(p) for p in pictures])
    with torch.no_grad():
        image_logits = hf_vit_logits(vit_sd, vit_config, pixel_batch)

    expected = {"text": [], "image": [], "models": {}}
    for k, text in enumerate(TEXTS):
        expected["text"].append({"text": text, "input_ids": encoded[k], "logits": text_logits[k].tolist(),
                                 "probabilities": text_logits[k].softmax(-1).tolist()})
    for k, pic in enumerate(pictures):
        png = os.path.join(root, f"picture-{k}.png")
        write_png(png, pic)
        expected["image"].append({"png": os.path.basename(png), "pixels": pixel_batch[k].flatten().tolist(),
                                  "shape": list(pixel_batch[k].shape), "logits": image_logits[k].tolist(),
                                  "probabilities": image_logits[k].softmax(-1).tolist()})
    for fmt in ("safetensors", "bin"):
        for kind, sd, config, extra in (("bert", bert_sd, bert_config, {"tokenizer.json": tok}),
                                        ("vit", vit_sd, vit_config, {"preprocessor_config.json": pre})):
            name = f"{kind}-{fmt}"
            hf_dir = os.path.join(root, "hf", name)
            write_checkpoint(hf_dir, sd, config, fmt, extra)
            out = convert_hf.main([hf_dir, "--name", name, "--out", os.path.join(root, "djl"),
                                   "--source", "test_convert_hf.py fixture"])
            expected["models"][name] = {"kind": kind, "folder": os.path.relpath(out, root)}
    gm.write_json(os.path.join(root, "expected.json"), expected)
    return expected


# --------------------------------------------------------------------------------------------
# Python checks
# --------------------------------------------------------------------------------------------

class ConvertHfTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.root = cls.tmp.name
        cls.expected = build(cls.root)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def folder(self, name):
        return os.path.join(self.root, self.expected["models"][name]["folder"])

    def test_text_logits_match_the_reference_for_both_file_formats(self):
        for fmt in ("safetensors", "bin"):
            model = torch.jit.load(os.path.join(self.folder(f"bert-{fmt}"), f"bert-{fmt}.pt"))
            for case in self.expected["text"]:
                ids = torch.tensor([case["input_ids"]])
                with torch.no_grad():
                    logits = model(ids, torch.ones_like(ids), torch.zeros_like(ids))[0]
                diff = (logits - torch.tensor(case["logits"])).abs().max().item()
                self.assertLess(diff, 1e-4, f"{fmt}: {case['text']!r}")

    def test_image_logits_match_the_reference_for_both_file_formats(self):
        for fmt in ("safetensors", "bin"):
            model = torch.jit.load(os.path.join(self.folder(f"vit-{fmt}"), f"vit-{fmt}.pt"))
            for case in self.expected["image"]:
                x = torch.tensor(case["pixels"]).reshape(1, *case["shape"])
                with torch.no_grad():
                    diff = (model(x)[0] - torch.tensor(case["logits"])).abs().max().item()
                self.assertLess(diff, 1e-4, fmt)

    def test_the_reference_is_not_degenerate(self):
        top = {max(range(2), key=lambda k: c["logits"][k]) for c in self.expected["text"]}
        self.assertEqual(len(top), 2, "the text fixture should predict both labels")
        spread = [max(c["probabilities"]) - min(c["probabilities"]) for c in self.expected["image"]]
        self.assertGreater(max(spread), 0.05)

    def test_folders_carry_the_djl_layout_labels_preprocessing_and_a_converted_card(self):
        text = self.folder("bert-safetensors")
        with open(os.path.join(text, "tokenizer.json"), encoding="utf-8") as f:
            self.assertEqual(json.load(f)["model"]["type"], "WordPiece")
        with open(os.path.join(text, "model-card.json"), encoding="utf-8") as f:
            card = json.load(f)
        self.assertEqual(card["weights"], "converted")
        self.assertEqual(card["labels"], TEXT_LABELS)
        image = self.folder("vit-bin")
        with open(os.path.join(image, "synset.txt"), encoding="utf-8") as f:
            self.assertEqual(f.read().split(), IMAGE_LABELS)
        with open(os.path.join(image, "serving.properties"), encoding="utf-8") as f:
            props = f.read()
        self.assertIn("mean=0.485,0.456,0.406", props)
        self.assertIn("std=0.229,0.224,0.225", props)
        self.assertIn("width=224\nheight=224", props)
        self.assertIn("option.modelName=vit-bin\n", props)

    def test_safetensors_reader_handles_dtypes_and_empty_tensors(self):
        path = os.path.join(self.root, "dtypes.safetensors")
        tensors = {"f16": torch.tensor([1.5, -2.0], dtype=torch.float16),
                   "bf16": torch.tensor([[0.25, 3.0]], dtype=torch.bfloat16),
                   "i64": torch.tensor([7, -9]), "empty": torch.zeros(0, 3)}
        write_safetensors(path, tensors)
        back = convert_hf.read_safetensors(path)
        for name, t in tensors.items():
            self.assertEqual(back[name].dtype, t.dtype, name)
            self.assertTrue(torch.equal(back[name], t), name)

    def test_a_checkpoint_with_unknown_tensors_is_refused(self):
        sd, config = bert_checkpoint(torch.Generator().manual_seed(1), len(fixture_vocab()))
        sd["bert.encoder.layer.0.attention.self.rotary.weight"] = torch.zeros(2)
        folder = os.path.join(self.root, "hf", "bad")
        write_checkpoint(folder, sd, config, "safetensors", {"tokenizer.json": gm.tokenizer_json(fixture_vocab())})
        with self.assertRaises(SystemExit) as raised:
            convert_hf.main([folder, "--name", "bad", "--out", os.path.join(self.root, "djl")])
        self.assertIn("rotary", str(raised.exception))


if __name__ == "__main__":
    torch.set_num_threads(1)
    if len(sys.argv) == 3 and sys.argv[1] == "--fixture":
        os.makedirs(sys.argv[2], exist_ok=True)
        build(sys.argv[2])
        print("fixture written to " + sys.argv[2])
    else:
        unittest.main()
