#!/usr/bin/python3
"""Tests for convert_hf.py, and the fixture writer of the Java test HfConverterIT.

Small BertForSequenceClassification, DistilBertForSequenceClassification, RobertaForSequenceClassification and
ViTForImageClassification checkpoints (ViT at 224 px with patch 32 and at 96 px with patch 16) are written the way
Hugging Face writes them (HF parameter names, config.json, the tokenizer as tokenizer.json, vocab.txt or RoBERTa's
vocab.json + merges.txt, preprocessor_config.json; weights as model.safetensors and as pytorch_model.bin),
converted, and the converted TorchScript compared with a reference forward pass written here directly on the HF
state dict, following transformers' modeling_bert / modeling_distilbert / modeling_roberta / modeling_vit. The
reference shares no code with the converter's modules, so a wrong name mapping or a transposed tensor shows. Texts
are tokenized here too (wordpiece.py; a byte-level BPE written below), and HfConverterIT checks that DJL's
tokenizer gives the same ids.

  /usr/bin/python3 models/test_convert_hf.py                 # the Python checks (unittest)
  /usr/bin/python3 models/test_convert_hf.py --fixture DIR   # writes DIR/{hf,djl}/... and DIR/expected.json
"""

import json
import math
import os
import re
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
VIT = dict(image=224, patch=32, hidden=24, layers=2, heads=3, mlp=40, mean=[0.485, 0.456, 0.406],
           std=[0.229, 0.224, 0.225])
# another image and patch size, HF ViT's own mean/std
VIT96 = dict(image=96, patch=16, hidden=24, layers=2, heads=3, mlp=40, mean=[0.5, 0.5, 0.5], std=[0.5, 0.5, 0.5])
ROBERTA_PAD = 1  # roberta-base's <pad> id and pad_token_id: positions start at 2


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


def add_linear(sd, gen, name, out, inp):
    sd[name + ".weight"] = random_tensor(gen, out, inp, std=1 / math.sqrt(inp))
    sd[name + ".bias"] = random_tensor(gen, out, std=0.1)


def add_norm(sd, gen, name, h):
    sd[name + ".weight"] = 1 + random_tensor(gen, h, std=0.1)
    sd[name + ".bias"] = random_tensor(gen, h, std=0.1)


def labels_config(labels):
    return {"id2label": {str(k): v for k, v in enumerate(labels)}, "label2id": {v: k for k, v in enumerate(labels)}}


def fixture_vocab():
    words = sorted({w for t in TEXTS for w in wp.pre_tokenize(wp.normalize(t))} - {"happened"})
    # "happened" is left out so that it splits into pieces: the ## path is exercised too
    letters = list("abcdefghijklmnopqrstuvwxyz")
    return wp.SPECIAL_TOKENS + letters + ["##" + c for c in letters] + ["happen", "##ed"] + words


def bert_encoder_layers(sd, gen, prefix, h, i, n):
    """BERT's (and RoBERTa's) encoder layer names under prefix ("bert." / "roberta.")."""
    for layer in range(n):
        p = f"{prefix}encoder.layer.{layer}."
        for name, (o, inp) in {"attention.self.query": (h, h), "attention.self.key": (h, h),
                               "attention.self.value": (h, h), "attention.output.dense": (h, h),
                               "intermediate.dense": (i, h), "output.dense": (h, i)}.items():
            add_linear(sd, gen, p + name, o, inp)
        for name in ("attention.output.LayerNorm", "output.LayerNorm"):
            add_norm(sd, gen, p + name, h)


def bert_checkpoint(gen, vocab_size):
    h, i, n = BERT["hidden"], BERT["intermediate"], BERT["layers"]
    sd = {
        "bert.embeddings.word_embeddings.weight": random_tensor(gen, vocab_size, h, std=1.0),
        "bert.embeddings.position_embeddings.weight": random_tensor(gen, BERT["positions"], h),
        "bert.embeddings.token_type_embeddings.weight": random_tensor(gen, 2, h),
        # a buffer HF checkpoints carry; the converter must skip it
        "bert.embeddings.position_ids": torch.arange(BERT["positions"]).unsqueeze(0),
        "classifier.weight": random_tensor(gen, len(TEXT_LABELS), h, std=1.0),
        "classifier.bias": random_tensor(gen, len(TEXT_LABELS), std=0.1),
    }
    add_norm(sd, gen, "bert.embeddings.LayerNorm", h)
    add_linear(sd, gen, "bert.pooler.dense", h, h)
    bert_encoder_layers(sd, gen, "bert.", h, i, n)
    config = {
        "architectures": ["BertForSequenceClassification"], "model_type": "bert", "vocab_size": vocab_size,
        "hidden_size": h, "num_hidden_layers": n, "num_attention_heads": BERT["heads"], "intermediate_size": i,
        "hidden_act": "gelu", "max_position_embeddings": BERT["positions"], "type_vocab_size": 2,
        "layer_norm_eps": 1e-12, "position_embedding_type": "absolute", "pad_token_id": 0,
        **labels_config(TEXT_LABELS),
    }
    return sd, config


def distilbert_checkpoint(gen, vocab_size):
    """transformers' DistilBertForSequenceClassification names: q_lin/k_lin/v_lin/out_lin, sa_layer_norm, ffn.lin1/2,
    output_layer_norm, pre_classifier; config keys dim / n_layers / n_heads / hidden_dim."""
    h, i, n = BERT["hidden"], BERT["intermediate"], BERT["layers"]
    sd = {
        "distilbert.embeddings.word_embeddings.weight": random_tensor(gen, vocab_size, h, std=1.0),
        "distilbert.embeddings.position_embeddings.weight": random_tensor(gen, BERT["positions"], h),
        "classifier.weight": random_tensor(gen, len(TEXT_LABELS), h, std=1.0),
        "classifier.bias": random_tensor(gen, len(TEXT_LABELS), std=0.1),
    }
    add_norm(sd, gen, "distilbert.embeddings.LayerNorm", h)
    add_linear(sd, gen, "pre_classifier", h, h)
    for layer in range(n):
        p = f"distilbert.transformer.layer.{layer}."
        for name, (o, inp) in {"attention.q_lin": (h, h), "attention.k_lin": (h, h), "attention.v_lin": (h, h),
                               "attention.out_lin": (h, h), "ffn.lin1": (i, h), "ffn.lin2": (h, i)}.items():
            add_linear(sd, gen, p + name, o, inp)
        for name in ("sa_layer_norm", "output_layer_norm"):
            add_norm(sd, gen, p + name, h)
    config = {
        "architectures": ["DistilBertForSequenceClassification"], "model_type": "distilbert",
        "vocab_size": vocab_size, "dim": h, "n_layers": n, "n_heads": BERT["heads"], "hidden_dim": i,
        "activation": "gelu", "max_position_embeddings": BERT["positions"], "sinusoidal_pos_embds": False,
        "pad_token_id": 0, "seq_classif_dropout": 0.2, **labels_config(TEXT_LABELS),
    }
    return sd, config


def roberta_checkpoint(gen, vocab_size):
    """transformers' RobertaForSequenceClassification: BERT's encoder under "roberta.", one token type, positions
    offset by the pad id (max_position_embeddings = positions + 2), classifier.dense + classifier.out_proj."""
    h, i, n = BERT["hidden"], BERT["intermediate"], BERT["layers"]
    positions = BERT["positions"] + ROBERTA_PAD + 1
    sd = {
        "roberta.embeddings.word_embeddings.weight": random_tensor(gen, vocab_size, h, std=1.0),
        "roberta.embeddings.position_embeddings.weight": random_tensor(gen, positions, h),
        "roberta.embeddings.token_type_embeddings.weight": random_tensor(gen, 1, h),
        "roberta.embeddings.position_ids": torch.arange(positions).unsqueeze(0),
        "classifier.out_proj.weight": random_tensor(gen, len(TEXT_LABELS), h, std=1.0),
        "classifier.out_proj.bias": random_tensor(gen, len(TEXT_LABELS), std=0.1),
    }
    add_norm(sd, gen, "roberta.embeddings.LayerNorm", h)
    add_linear(sd, gen, "classifier.dense", h, h)
    bert_encoder_layers(sd, gen, "roberta.", h, i, n)
    config = {
        "architectures": ["RobertaForSequenceClassification"], "model_type": "roberta", "vocab_size": vocab_size,
        "hidden_size": h, "num_hidden_layers": n, "num_attention_heads": BERT["heads"], "intermediate_size": i,
        "hidden_act": "gelu", "max_position_embeddings": positions, "type_vocab_size": 1, "layer_norm_eps": 1e-5,
        "position_embedding_type": "absolute", "pad_token_id": ROBERTA_PAD, "bos_token_id": 0, "eos_token_id": 2,
        **labels_config(TEXT_LABELS),
    }
    return sd, config


def vit_checkpoint(gen, spec):
    h, m, n, p = spec["hidden"], spec["mlp"], spec["layers"], spec["patch"]
    patches = (spec["image"] // p) ** 2
    sd = {
        "vit.embeddings.cls_token": random_tensor(gen, 1, 1, h, std=1.0),
        "vit.embeddings.position_embeddings": random_tensor(gen, 1, patches + 1, h),
        "vit.embeddings.patch_embeddings.projection.weight": random_tensor(gen, h, 3, p, p,
                                                                           std=1 / math.sqrt(3 * p * p)),
        "vit.embeddings.patch_embeddings.projection.bias": random_tensor(gen, h, std=0.1),
        "classifier.weight": random_tensor(gen, len(IMAGE_LABELS), h, std=1.0),
        "classifier.bias": random_tensor(gen, len(IMAGE_LABELS), std=0.1),
    }
    add_norm(sd, gen, "vit.layernorm", h)
    for layer in range(n):
        q = f"vit.encoder.layer.{layer}."
        for name, (o, inp) in {"attention.attention.query": (h, h), "attention.attention.key": (h, h),
                               "attention.attention.value": (h, h), "attention.output.dense": (h, h),
                               "intermediate.dense": (m, h), "output.dense": (h, m)}.items():
            add_linear(sd, gen, q + name, o, inp)
        for name in ("layernorm_before", "layernorm_after"):
            add_norm(sd, gen, q + name, h)
    config = {
        "architectures": ["ViTForImageClassification"], "model_type": "vit", "image_size": spec["image"],
        "patch_size": p, "num_channels": 3, "hidden_size": h, "num_hidden_layers": n,
        "num_attention_heads": spec["heads"], "intermediate_size": m, "hidden_act": "gelu",
        "layer_norm_eps": 1e-12, "qkv_bias": True, **labels_config(IMAGE_LABELS),
    }
    preprocessor = {"do_normalize": True, "do_rescale": True, "do_resize": True, "image_mean": spec["mean"],
                    "image_std": spec["std"], "rescale_factor": 1 / 255, "resample": 2,
                    "size": {"height": spec["image"], "width": spec["image"]},
                    "image_processor_type": "ViTImageProcessor"}
    return sd, config, preprocessor


def write_checkpoint(folder, sd, config, fmt, extra):
    """extra: file name -> a dict (written as JSON) or a str (written as it is)."""
    os.makedirs(folder, exist_ok=True)
    gm.write_json(os.path.join(folder, "config.json"), config)
    for name, content in extra.items():
        if isinstance(content, str):
            gm.write_text(os.path.join(folder, name), content)
        else:
            gm.write_json(os.path.join(folder, name), content)
    if fmt == "safetensors":
        write_safetensors(os.path.join(folder, "model.safetensors"), sd)
    else:
        torch.save(sd, os.path.join(folder, "pytorch_model.bin"))


# --------------------------------------------------------------------------------------------
# RoBERTa's byte-level BPE, written from GPT-2's encoder.py (bytes_to_unicode, the pre-tokenizing regex, rank-ordered
# merges): the reference tokenization DJL's tokenizer must reproduce from the converted folder
# --------------------------------------------------------------------------------------------

def bytes_to_unicode():
    visible = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + \
        list(range(ord("®"), ord("ÿ") + 1))
    chars, extra = {}, 0
    for b in range(256):
        if b in visible:
            chars[b] = chr(b)
        else:
            chars[b] = chr(256 + extra)
            extra += 1
    return chars


BYTE_CHARS = bytes_to_unicode()
# GPT-2's pattern with \p{L} / \p{N} as ASCII classes: the fixture texts are ASCII (checked in bpe_words)
GPT2_SPLIT = re.compile(r"""'s|'t|'re|'ve|'m|'ll|'d| ?[A-Za-z]+| ?[0-9]+| ?[^\sA-Za-z0-9]+|\s+(?!\S)|\s+""")


def bpe_words(text):
    assert text.isascii(), "the reference pre-tokenizer covers ASCII only"
    return ["".join(BYTE_CHARS[b] for b in w.encode("utf-8")) for w in GPT2_SPLIT.findall(text)]


def bpe(word, ranks):
    """GPT-2's bpe(): merge the adjacent pair of lowest rank everywhere in the word until no pair has a rank."""
    parts = list(word)
    while len(parts) > 1:
        first, second = min(zip(parts, parts[1:]), key=lambda pair: ranks.get(pair, math.inf))
        if (first, second) not in ranks:
            break
        merged, k = [], 0
        while k < len(parts):
            if k < len(parts) - 1 and parts[k] == first and parts[k + 1] == second:
                merged.append(first + second)
                k += 2
            else:
                merged.append(parts[k])
                k += 1
        parts = merged
    return parts


def roberta_fixture_tokenizer():
    """(vocab dict, merges list): RoBERTa's four leading specials, the 256 byte characters, tokens merged from the
    fixture texts' words (" happened" only up to " happen", so it splits), <mask> last."""
    vocab = {t: k for k, t in enumerate(["<s>", "<pad>", "</s>", "<unk>"])}
    for b in range(256):
        vocab[BYTE_CHARS[b]] = len(vocab)
    merges = []
    for word in dict.fromkeys(w for t in TEXTS for w in bpe_words(t)):
        stop = len(word) - 2 if word.endswith("happened") else len(word)
        for end in range(2, stop + 1):
            pair = (word[:end - 1], word[end - 1])
            if pair not in merges:
                merges.append(pair)
                vocab.setdefault(word[:end], len(vocab))
    vocab["<mask>"] = len(vocab)
    return vocab, [f"{a} {b}" for a, b in merges]


def roberta_encode(text, vocab, merges):
    ranks = {tuple(m.split(" ")): k for k, m in enumerate(merges)}
    return [vocab["<s>"]] + [vocab[p] for w in bpe_words(text) for p in bpe(w, ranks)] + [vocab["</s>"]]


def roberta_tokenizer_json(vocab, merges):
    """The layout of roberta-base's tokenizer.json on the Hub."""
    specials = ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]
    return {
        "version": "1.0", "truncation": None, "padding": None,
        "added_tokens": [{"id": vocab[t], "content": t, "single_word": False, "lstrip": t == "<mask>",
                          "rstrip": False, "normalized": t != "<mask>", "special": True} for t in specials],
        "normalizer": None,
        "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True},
        "post_processor": {"type": "RobertaProcessing", "sep": ["</s>", 2], "cls": ["<s>", 0],
                           "trim_offsets": True, "add_prefix_space": False},
        "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
        "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": "",
                  "end_of_word_suffix": "", "fuse_unk": False, "byte_fallback": False, "vocab": vocab,
                  "merges": merges},
    }


# --------------------------------------------------------------------------------------------
# Reference forward passes on the HF state dict (transformers' modeling_bert / _distilbert / _roberta / _vit)
# --------------------------------------------------------------------------------------------

def _attention(x, sd, prefix, heads, additive_mask, names=("query", "key", "value")):
    b, s, h = x.shape
    d = h // heads

    def proj(name):
        return F.linear(x, sd[prefix + name + ".weight"], sd[prefix + name + ".bias"]) \
            .view(b, s, heads, d).permute(0, 2, 1, 3)

    q, k, v = (proj(n) for n in names)
    scores = q @ k.transpose(-1, -2) / math.sqrt(d)
    if additive_mask is not None:
        scores = scores + additive_mask
    return (scores.softmax(-1) @ v).permute(0, 2, 1, 3).reshape(b, s, h)


def _bert_encoder(sd, prefix, config, x, mask):
    h, eps = config["hidden_size"], config["layer_norm_eps"]
    additive = (1.0 - mask[:, None, None, :].to(torch.float32)) * torch.finfo(torch.float32).min
    for layer in range(config["num_hidden_layers"]):
        p = f"{prefix}encoder.layer.{layer}."
        ctx = _attention(x, sd, p + "attention.self.", config["num_attention_heads"], additive)
        a = F.linear(ctx, sd[p + "attention.output.dense.weight"], sd[p + "attention.output.dense.bias"])
        x = F.layer_norm(a + x, (h,), sd[p + "attention.output.LayerNorm.weight"],
                         sd[p + "attention.output.LayerNorm.bias"], eps)
        inter = F.gelu(F.linear(x, sd[p + "intermediate.dense.weight"], sd[p + "intermediate.dense.bias"]))
        out = F.linear(inter, sd[p + "output.dense.weight"], sd[p + "output.dense.bias"])
        x = F.layer_norm(out + x, (h,), sd[p + "output.LayerNorm.weight"], sd[p + "output.LayerNorm.bias"], eps)
    return x


def hf_bert_logits(sd, config, ids, mask):
    h, eps = config["hidden_size"], config["layer_norm_eps"]
    positions = torch.arange(ids.shape[1]).unsqueeze(0).expand_as(ids)
    e = "bert.embeddings."
    x = (sd[e + "word_embeddings.weight"][ids] + sd[e + "position_embeddings.weight"][positions]
         + sd[e + "token_type_embeddings.weight"][torch.zeros_like(ids)])
    x = F.layer_norm(x, (h,), sd[e + "LayerNorm.weight"], sd[e + "LayerNorm.bias"], eps)
    x = _bert_encoder(sd, "bert.", config, x, mask)
    pooled = torch.tanh(F.linear(x[:, 0], sd["bert.pooler.dense.weight"], sd["bert.pooler.dense.bias"]))
    return F.linear(pooled, sd["classifier.weight"], sd["classifier.bias"])


def hf_distilbert_logits(sd, config, ids, mask):
    h, heads = config["dim"], config["n_heads"]
    d = h // heads
    e = "distilbert.embeddings."
    positions = torch.arange(ids.shape[1]).unsqueeze(0).expand_as(ids)
    x = sd[e + "word_embeddings.weight"][ids] + sd[e + "position_embeddings.weight"][positions]
    x = F.layer_norm(x, (h,), sd[e + "LayerNorm.weight"], sd[e + "LayerNorm.bias"], 1e-12)
    b, s, _ = x.shape
    for layer in range(config["n_layers"]):
        p = f"distilbert.transformer.layer.{layer}."

        def lin(name, t):
            return F.linear(t, sd[p + name + ".weight"], sd[p + name + ".bias"])

        def heads_of(t):
            return t.view(b, s, heads, d).transpose(1, 2)

        # modeling_distilbert: q scaled before the product, masked_fill with the dtype's minimum
        q = heads_of(lin("attention.q_lin", x)) / math.sqrt(d)
        scores = q @ heads_of(lin("attention.k_lin", x)).transpose(2, 3)
        scores = scores.masked_fill((mask == 0).view(b, 1, 1, s), torch.finfo(scores.dtype).min)
        ctx = (scores.softmax(-1) @ heads_of(lin("attention.v_lin", x))).transpose(1, 2).reshape(b, s, h)
        sa = F.layer_norm(lin("attention.out_lin", ctx) + x, (h,), sd[p + "sa_layer_norm.weight"],
                          sd[p + "sa_layer_norm.bias"], 1e-12)
        ffn = lin("ffn.lin2", F.gelu(lin("ffn.lin1", sa)))
        x = F.layer_norm(ffn + sa, (h,), sd[p + "output_layer_norm.weight"], sd[p + "output_layer_norm.bias"], 1e-12)
    pooled = F.relu(F.linear(x[:, 0], sd["pre_classifier.weight"], sd["pre_classifier.bias"]))
    return F.linear(pooled, sd["classifier.weight"], sd["classifier.bias"])


def hf_roberta_logits(sd, config, ids, mask):
    h, eps, pad = config["hidden_size"], config["layer_norm_eps"], config["pad_token_id"]
    # create_position_ids_from_input_ids: non-pad tokens count from pad + 1, pad tokens get pad
    not_pad = ids.ne(pad).int()
    positions = (torch.cumsum(not_pad, dim=1).type_as(not_pad) * not_pad).long() + pad
    e = "roberta.embeddings."
    x = (sd[e + "word_embeddings.weight"][ids] + sd[e + "position_embeddings.weight"][positions]
         + sd[e + "token_type_embeddings.weight"][torch.zeros_like(ids)])
    x = F.layer_norm(x, (h,), sd[e + "LayerNorm.weight"], sd[e + "LayerNorm.bias"], eps)
    x = _bert_encoder(sd, "roberta.", config, x, mask)
    dense = torch.tanh(F.linear(x[:, 0], sd["classifier.dense.weight"], sd["classifier.dense.bias"]))
    return F.linear(dense, sd["classifier.out_proj.weight"], sd["classifier.out_proj.bias"])


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

def seeded_pixels(gen, size):
    """One RGB picture of the model's size as uint8 [H, W, 3]: smooth gradients plus noise, so patches differ."""
    yy, xx = torch.meshgrid(torch.arange(size), torch.arange(size), indexing="ij")
    base = torch.stack([xx * 255 // (size - 1), yy * 255 // (size - 1), (xx + yy) * 255 // (2 * size - 2)], dim=-1)
    noise = torch.randint(-40, 41, (size, size, 3), generator=gen)
    return (base + noise).clamp(0, 255).to(torch.uint8)


def normalised(pixels, spec):
    """What the worker's image preparation feeds: RGB / 255, then (x - mean) / std, as [1, 3, H, W]."""
    x = pixels.permute(2, 0, 1).to(torch.float32) / 255.0
    mean, std = torch.tensor(spec["mean"])[:, None, None], torch.tensor(spec["std"])[:, None, None]
    return ((x - mean) / std).unsqueeze(0)


def write_png(path, pixels):
    """A plain 8-bit RGB PNG (no Pillow here): IHDR, one zlib IDAT with filter 0 per row, IEND."""
    h, w, _ = pixels.shape
    raw = b"".join(b"\x00" + bytes(pixels[r].flatten().tolist()) for r in range(h))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
                + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def text_cases(encoded, logits_of, pad_id):
    """Reference logits of each text alone (what HF gives), after checking that the same texts as one padded batch
    (right padding with the model's pad id, attention_mask 0) give the same logits."""
    alone = torch.cat([logits_of(torch.tensor([e]), torch.ones(1, len(e), dtype=torch.long)) for e in encoded])
    width = max(len(e) for e in encoded)
    ids = torch.full((len(encoded), width), pad_id, dtype=torch.long)
    mask = torch.zeros_like(ids)
    for k, e in enumerate(encoded):
        ids[k, :len(e)] = torch.tensor(e)
        mask[k, :len(e)] = 1
    assert (logits_of(ids, mask) - alone).abs().max() < 1e-4
    return [{"text": t, "input_ids": e, "logits": alone[k].tolist(), "probabilities": alone[k].softmax(-1).tolist()}
            for k, (t, e) in enumerate(zip(TEXTS, encoded))]


def build(root):
    """Writes root/hf/<model>/ (checkpoints), root/djl/<model>/ (conversions), root/<model>-<k>.png and
    root/expected.json ({"models": {name: {"kind", "folder", "cases"}}}); returns the expected dict."""
    torch.manual_seed(SEED)
    gen = torch.Generator().manual_seed(SEED)
    vocab_list = fixture_vocab()
    tok = gm.tokenizer_json(vocab_list)
    wordpiece_vocab = tok["model"]["vocab"]
    # the shared bert-base-uncased copy has no model.type, like some exported files: the converter adds it
    del tok["model"]["type"]
    bpe_vocab, bpe_merges = roberta_fixture_tokenizer()
    wordpiece_ids = [wp.encode(t, wordpiece_vocab, BERT["positions"]) for t in TEXTS]
    bpe_ids = [roberta_encode(t, bpe_vocab, bpe_merges) for t in TEXTS]

    bert_sd, bert_config = bert_checkpoint(gen, len(vocab_list))
    distil_sd, distil_config = distilbert_checkpoint(gen, len(vocab_list))
    roberta_sd, roberta_config = roberta_checkpoint(gen, len(bpe_vocab))
    with torch.no_grad():
        bert_cases = text_cases(wordpiece_ids, lambda i, m: hf_bert_logits(bert_sd, bert_config, i, m), 0)
        distil_cases = text_cases(wordpiece_ids, lambda i, m: hf_distilbert_logits(distil_sd, distil_config, i, m),
                                  0)
        roberta_cases = text_cases(bpe_ids, lambda i, m: hf_roberta_logits(roberta_sd, roberta_config, i, m),
                                   ROBERTA_PAD)
    merges_txt = "#version: 0.2\n" + "".join(m + "\n" for m in bpe_merges)

    # name -> (kind, format, state dict, config, extra files, cases or the ViT spec)
    models = {}
    for fmt in ("safetensors", "bin"):
        models[f"bert-{fmt}"] = ("text", fmt, bert_sd, bert_config, {"tokenizer.json": tok}, bert_cases)
    models["distilbert-safetensors"] = ("text", "safetensors", distil_sd, distil_config,
                                        {"vocab.txt": "".join(t + "\n" for t in vocab_list)}, distil_cases)
    models["roberta-safetensors"] = ("text", "safetensors", roberta_sd, roberta_config,
                                     {"tokenizer.json": roberta_tokenizer_json(bpe_vocab, bpe_merges)}, roberta_cases)
    # the slow tokenizer's files only, as many RoBERTa fine-tunes ship them
    models["roberta-bin"] = ("text", "bin", roberta_sd, roberta_config,
                             {"vocab.json": bpe_vocab, "merges.txt": merges_txt}, roberta_cases)
    for name, spec, formats in (("vit", VIT, ("safetensors", "bin")), ("vit96", VIT96, ("safetensors",))):
        sd, config, pre = vit_checkpoint(gen, spec)
        pictures = [seeded_pixels(gen, spec["image"]) for _ in range(3)]
        pixel_batch = torch.cat([normalised(p, spec) for p in pictures])
        with torch.no_grad():
            logits = hf_vit_logits(sd, config, pixel_batch)
        cases = []
        for k, pic in enumerate(pictures):
            png = f"{name}-{k}.png"
            write_png(os.path.join(root, png), pic)
            cases.append({"png": png, "pixels": pixel_batch[k].flatten().tolist(), "shape": list(pixel_batch[k].shape),
                          "logits": logits[k].tolist(), "probabilities": logits[k].softmax(-1).tolist()})
        for fmt in formats:
            models[f"{name}-{fmt}"] = ("image", fmt, sd, config, {"preprocessor_config.json": pre}, cases)

    expected = {"models": {}}
    for name, (kind, fmt, sd, config, extra, cases) in models.items():
        hf_dir = os.path.join(root, "hf", name)
        write_checkpoint(hf_dir, sd, config, fmt, extra)
        out = convert_hf.main([hf_dir, "--name", name, "--out", os.path.join(root, "djl"),
                               "--source", "test_convert_hf.py fixture"])
        expected["models"][name] = {"kind": kind, "folder": os.path.relpath(out, root), "cases": cases}
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

    def models(self, kind):
        return {n: m for n, m in self.expected["models"].items() if m["kind"] == kind}

    def load(self, name):
        return torch.jit.load(os.path.join(self.folder(name), name + ".pt"))

    def test_every_text_architecture_and_file_format_gives_the_reference_logits(self):
        self.assertEqual(set(self.models("text")), {"bert-safetensors", "bert-bin", "distilbert-safetensors",
                                                    "roberta-safetensors", "roberta-bin"})
        for name, entry in self.models("text").items():
            model = self.load(name)
            for case in entry["cases"]:
                ids = torch.tensor([case["input_ids"]])
                with torch.no_grad():
                    logits = model(ids, torch.ones_like(ids), torch.zeros_like(ids))[0]
                diff = (logits - torch.tensor(case["logits"])).abs().max().item()
                self.assertLess(diff, 1e-4, f"{name}: {case['text']!r}")

    def test_padding_with_any_pad_id_leaves_a_texts_logits_unchanged(self):
        # DJL pads a batch on the right with the tokenizer's pad id, or 0 when tokenizer.json names none; RoBERTa's
        # positions depend on which ids are padding, so both must give each text its unpadded logits
        for name, entry in self.models("text").items():
            model = self.load(name)
            cases = entry["cases"]
            width = max(len(c["input_ids"]) for c in cases)
            for pad in (0, 1):
                ids = torch.full((len(cases), width), pad, dtype=torch.long)
                mask = torch.zeros_like(ids)
                for k, c in enumerate(cases):
                    ids[k, :len(c["input_ids"])] = torch.tensor(c["input_ids"])
                    mask[k, :len(c["input_ids"])] = 1
                with torch.no_grad():
                    logits = model(ids, mask, torch.zeros_like(ids))
                diff = (logits - torch.tensor([c["logits"] for c in cases])).abs().max().item()
                self.assertLess(diff, 1e-4, f"{name}, padded with {pad}")

    def test_roberta_positions_start_after_the_pad_id(self):
        # a model numbering positions from 0 (as BERT) would read other position embeddings: the logits must differ
        sd, config = roberta_checkpoint(torch.Generator().manual_seed(SEED), len(roberta_fixture_tokenizer()[0]))
        ids = torch.tensor([self.expected["models"]["roberta-bin"]["cases"][0]["input_ids"]])
        shifted = dict(config, pad_token_id=ROBERTA_PAD - 1)
        with torch.no_grad():
            diff = (hf_roberta_logits(sd, config, ids, torch.ones_like(ids))
                    - hf_roberta_logits(sd, shifted, ids, torch.ones_like(ids))).abs().max().item()
        self.assertGreater(diff, 1e-3)

    def test_every_image_size_and_file_format_gives_the_reference_logits(self):
        self.assertEqual(set(self.models("image")), {"vit-safetensors", "vit-bin", "vit96-safetensors"})
        for name, entry in self.models("image").items():
            model = self.load(name)
            for case in entry["cases"]:
                x = torch.tensor(case["pixels"]).reshape(1, *case["shape"])
                with torch.no_grad():
                    diff = (model(x)[0] - torch.tensor(case["logits"])).abs().max().item()
                self.assertLess(diff, 1e-4, name)

    def test_the_reference_is_not_degenerate(self):
        for name, entry in self.models("text").items():
            top = {max(range(2), key=lambda k: c["logits"][k]) for c in entry["cases"]}
            self.assertEqual(len(top), 2, f"{name}: the text fixture should predict both labels")
        for name, entry in self.models("image").items():
            spread = [max(c["probabilities"]) - min(c["probabilities"]) for c in entry["cases"]]
            self.assertGreater(max(spread), 0.05, name)

    def test_the_bpe_fixture_exercises_merge_ranks_and_words_left_in_pieces(self):
        # "nothing" was merged letter by letter after "th" had a lower rank (from "the"), so rank order splits it;
        # " happened" has merges only up to " happen"
        vocab, merges = roberta_fixture_tokenizer()
        tokens = {i: t for t, i in vocab.items()}
        self.assertEqual([tokens[i] for i in roberta_encode("nothing at all happened", vocab, merges)],
                         ["<s>", "no", "th", "i", "n", "g", "Ġat", "Ġall", "Ġhappen", "e", "d", "</s>"])

    def read(self, name, file):
        with open(os.path.join(self.folder(name), file), encoding="utf-8") as f:
            return json.load(f) if file.endswith(".json") else f.read()

    def test_folders_carry_the_djl_layout_labels_preprocessing_and_a_converted_card(self):
        self.assertEqual(self.read("bert-safetensors", "tokenizer.json")["model"]["type"], "WordPiece")
        card = self.read("bert-safetensors", "model-card.json")
        self.assertEqual(card["weights"], "converted")
        self.assertEqual(card["labels"], TEXT_LABELS)
        self.assertEqual(self.read("vit-bin", "synset.txt").split(), IMAGE_LABELS)
        props = self.read("vit-bin", "serving.properties")
        self.assertIn("mean=0.485,0.456,0.406", props)
        self.assertIn("std=0.229,0.224,0.225", props)
        self.assertIn("width=224\nheight=224", props)
        self.assertIn("option.modelName=vit-bin\n", props)
        props = self.read("vit96-safetensors", "serving.properties")
        self.assertIn("width=96\nheight=96", props)
        self.assertIn("[batch, 3, 96, 96]", props)
        self.assertIn("mean=0.5,0.5,0.5", props)

    def test_text_folders_name_their_architecture_and_keep_the_three_input_contract(self):
        for name, arch in (("distilbert-safetensors", "DistilBertForSequenceClassification"),
                           ("roberta-bin", "RobertaForSequenceClassification")):
            self.assertEqual(self.read(name, "model-card.json")["architecture"]["type"], arch)
            self.assertIn("includeTokenTypes=true\n", self.read(name, "serving.properties"))
        # RoBERTa: 42 position embeddings, the first two never used by a token
        self.assertIn(f"maxLength={BERT['positions']}\n", self.read("roberta-bin", "serving.properties"))

    def test_roberta_tokenizer_built_from_vocab_and_merges_matches_the_hubs_layout(self):
        built = self.read("roberta-bin", "tokenizer.json")
        vocab, merges = roberta_fixture_tokenizer()
        hub = roberta_tokenizer_json(vocab, merges)
        for key in ("normalizer", "pre_tokenizer", "post_processor", "decoder", "model"):
            self.assertEqual(built[key], hub[key], key)
        self.assertEqual([(t["id"], t["content"]) for t in built["added_tokens"]],
                         [(t["id"], t["content"]) for t in hub["added_tokens"]])

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
