#!/usr/bin/python3
"""Generate inferq's three model folders (disaster, sentiment, image) in DJL's layout.

Why this script exists
----------------------
inferq serves two BERT-style text classifiers and one ViT image classifier through DJL (PyTorch
engine). The real Hugging Face checkpoints (TinyBERT 4L-312D fine-tuned for disaster tweets and
sentiment, ViT-B/16 fine-tuned for human actions) cannot be downloaded on the build machines, and
HF `transformers` is not installable there. So this script builds the same architectures in pure
PyTorch, fills them with *seeded random* weights, traces them to TorchScript and writes everything
the Java side loads: `<name>.pt`, `config.json` (id2label), `serving.properties`, `model-card.json`
(`"weights": "random"`), and `tokenizer.json` (text) or `synset.txt` (image). The Java loader does not
care whether the weights are trained: a converted real checkpoint (convert_hf.py) or a trained text
model (train_text.py) drops into the same folders. Predictions of the random models are meaningless but
deterministic.

Text folders that already hold a trained or converted model (a model-card.json whose weights are not
"random", as the committed models/tiny/disaster and models/tiny/sentiment) are left alone unless
--random-text is given: this script writes random text models only where there is nothing better.

Sizes
-----
  tiny  a few hundred KB per model, committed under models/tiny (tests, local runs)
  full  exact TinyBERT 4L-312D and ViT-B/16 shapes, for benchmarks (models/full is gitignored)

Usage
-----
  /usr/bin/python3 models/generate_models.py --size tiny|full [--out DIR] [--random-text]
                                                                   (default out: models/<size>)

The image folder gets three files of the same weights: image.pt (float32, the baseline), image_bf16.pt
(attention and MLP in bfloat16, fp32 residual stream) and image_int8.pt (the MLP's Linear layers dynamically
quantised to int8, per output channel). Each variant is compared with image.pt on a fixed image set (top-1
agreement, largest probability difference, logit cosine similarity) and serving.properties lists the
candidates with the fidelity each passed; the worker measures those on the CPU it runs on and serves the
fastest (models/README.md, "Image model variants"). option.modelName stays image, the float32 fallback.

Needs Debian's torch (`apt-get install -y python3-torch libopenblas0-pthread wamerican`); use
/usr/bin/python3, not a pyenv python. TorchScript written by torch 1.13 loads in DJL's libtorch 2.7.1.

Model contracts (what the Java side feeds)
-------------------------------------------
  text:  forward(input_ids, attention_mask, token_type_ids), each int64 [batch, seq],
         seq <= max_position_embeddings; returns float32 logits [batch, num_labels].
         Padding positions (attention_mask 0) do not change a sequence's logits.
  image: forward(pixel_values) float32 [batch, 3, 224, 224], already normalised with
         mean = std = 0.5 per channel (as HF ViTImageProcessor); returns logits [batch, 15].
Both accept any batch size. After saving, every .pt is reloaded and checked against the eager
model on several shapes, and the text models are checked for padding invariance.
"""

import argparse
import copy
import hashlib
import inspect
import json
import math
import os
import random
import re
import shutil
import string
import sys
import threading
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

SEED = 20261129
BERT_REFERENCE_TOKENIZER = "/work/shared/data/bert-base-uncased/tokenizer.json"
WORD_LIST = "/usr/share/dict/american-english"

TEXT_MODELS = {
    # folder: labels (index = class id; this order is the model's output order)
    "disaster": ["not_disaster", "disaster"],
    "sentiment": ["negative", "positive"],
}
IMAGE_LABELS = [
    "calling", "clapping", "cycling", "dancing", "drinking", "eating", "fighting", "hugging",
    "laughing", "listening_to_music", "running", "sitting", "sleeping", "texting", "using_laptop",
]

SIZES = {
    "tiny": {
        "bert": dict(layers=2, hidden=32, heads=2, intermediate=64, max_positions=128),
        "vocab_size": 1500,
        "vit": dict(patch=32, hidden=32, layers=2, heads=2, mlp=64, image=224),
    },
    "full": {
        # huawei-noah/TinyBERT_General_4L_312D
        "bert": dict(layers=4, hidden=312, heads=12, intermediate=1200, max_positions=512),
        "vocab_size": 30522,
        # google/vit-base-patch16-224
        "vit": dict(patch=16, hidden=768, layers=12, heads=12, mlp=3072, image=224),
    },
}
# Images in the fixed fidelity set per size: ViT-B/16 in bfloat16 is emulated on CPUs without AVX-512 BF16 (seconds
# per image in Debian's torch), so the full size compares fewer. --fidelity-images overrides.
FIDELITY_IMAGES = {"tiny": 240, "full": 120}
SHARED_IMAGES = "/work/shared/data/images"
# A variant passes when its top-1 agrees with float32 on this share of the fidelity set, or, for random weights
# (near-uniform outputs whose top-1 flips at the slightest change), when its logits point the same way.
GATE_TOP1 = 0.99
GATE_COSINE = 0.999
# Longest sequence the Java side tokenizes to (serving.properties maxLength), for both sizes.
SERVING_MAX_LENGTH = 128
LAYER_NORM_EPS = 1e-12  # BERT and HF ViT both use 1e-12


# --------------------------------------------------------------------------------------------
# Models (pure PyTorch, same parameter shapes as HF BertForSequenceClassification and
# ViTForImageClassification). Written without Python-side shape constants so that a trace
# generalises to any batch size and sequence length.
# --------------------------------------------------------------------------------------------

class SelfAttention(nn.Module):
    def __init__(self, hidden, heads):
        super().__init__()
        self.heads = heads
        self.head_dim = hidden // heads
        self.query = nn.Linear(hidden, hidden)
        self.key = nn.Linear(hidden, hidden)
        self.value = nn.Linear(hidden, hidden)
        self.out = nn.Linear(hidden, hidden)

    def split(self, x):
        # [b, s, h] -> [b, heads, s, head_dim]; b and s stay symbolic (-1 / size()) in the trace
        return x.view(x.size(0), -1, self.heads, self.head_dim).transpose(1, 2)

    def forward(self, x, additive_mask):
        q, k, v = self.split(self.query(x)), self.split(self.key(x)), self.split(self.value(x))
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(self.head_dim)
        if additive_mask is not None:
            scores = scores + additive_mask
        ctx = torch.matmul(torch.softmax(scores, dim=-1), v)
        ctx = ctx.transpose(1, 2).reshape(x.size(0), -1, self.heads * self.head_dim)
        return self.out(ctx)


class BertLayer(nn.Module):
    """Post-norm transformer block (BERT)."""

    def __init__(self, hidden, heads, intermediate):
        super().__init__()
        self.attention = SelfAttention(hidden, heads)
        self.attention_norm = nn.LayerNorm(hidden, eps=LAYER_NORM_EPS)
        self.intermediate = nn.Linear(hidden, intermediate)
        self.output = nn.Linear(intermediate, hidden)
        self.output_norm = nn.LayerNorm(hidden, eps=LAYER_NORM_EPS)

    def forward(self, x, additive_mask):
        x = self.attention_norm(x + self.attention(x, additive_mask))
        return self.output_norm(x + self.output(F.gelu(self.intermediate(x))))


class BertClassifier(nn.Module):
    def __init__(self, vocab_size, layers, hidden, heads, intermediate, max_positions, num_labels):
        super().__init__()
        self.word_embeddings = nn.Embedding(vocab_size, hidden, padding_idx=0)
        self.position_embeddings = nn.Embedding(max_positions, hidden)
        self.token_type_embeddings = nn.Embedding(2, hidden)
        self.embeddings_norm = nn.LayerNorm(hidden, eps=LAYER_NORM_EPS)
        self.layers = nn.ModuleList(
            [BertLayer(hidden, heads, intermediate) for _ in range(layers)])
        self.pooler = nn.Linear(hidden, hidden)
        self.classifier = nn.Linear(hidden, num_labels)

    def forward(self, input_ids, attention_mask, token_type_ids):
        # position ids 0..seq-1 computed from the input itself (no baked-in length)
        position_ids = torch.cumsum(torch.ones_like(input_ids), dim=1) - 1
        x = (self.word_embeddings(input_ids) + self.position_embeddings(position_ids)
             + self.token_type_embeddings(token_type_ids))
        x = self.embeddings_norm(x)
        # additive mask [b, 1, 1, s]: 0 where attended, float32 min where padding, so padded keys
        # get exactly zero attention weight
        keep = attention_mask.to(torch.float32).unsqueeze(1).unsqueeze(2)
        additive_mask = (1.0 - keep) * torch.finfo(torch.float32).min
        for layer in self.layers:
            x = layer(x, additive_mask)
        pooled = torch.tanh(self.pooler(x[:, 0]))
        return self.classifier(pooled)


class VitLayer(nn.Module):
    """Pre-norm transformer block (ViT)."""

    def __init__(self, hidden, heads, mlp):
        super().__init__()
        self.norm_before = nn.LayerNorm(hidden, eps=LAYER_NORM_EPS)
        self.attention = SelfAttention(hidden, heads)
        self.norm_after = nn.LayerNorm(hidden, eps=LAYER_NORM_EPS)
        self.intermediate = nn.Linear(hidden, mlp)
        self.output = nn.Linear(mlp, hidden)

    def forward(self, x):
        x = x + self.attention(self.norm_before(x), None)
        return x + self.output(F.gelu(self.intermediate(self.norm_after(x))))


class VitClassifier(nn.Module):
    def __init__(self, patch, hidden, layers, heads, mlp, image, num_labels):
        super().__init__()
        num_patches = (image // patch) ** 2
        self.patch_embeddings = nn.Conv2d(3, hidden, kernel_size=patch, stride=patch)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, hidden))
        self.position_embeddings = nn.Parameter(torch.zeros(1, num_patches + 1, hidden))
        self.layers = nn.ModuleList([VitLayer(hidden, heads, mlp) for _ in range(layers)])
        self.norm = nn.LayerNorm(hidden, eps=LAYER_NORM_EPS)
        self.classifier = nn.Linear(hidden, num_labels)

    def forward(self, pixel_values):
        x = self.patch_embeddings(pixel_values).flatten(2).transpose(1, 2)  # [b, patches, h]
        cls = self.cls_token.expand(pixel_values.size(0), -1, -1)
        x = torch.cat([cls, x], dim=1) + self.position_embeddings
        for layer in self.layers:
            x = layer(x)
        return self.classifier(self.norm(x)[:, 0])


class Bf16VitLayer(nn.Module):
    """A VitLayer whose attention and MLP run in bfloat16 (weights stored bf16; AMX/AVX-512 BF16 kernels in
    libtorch) while the residual stream and both LayerNorms stay float32. Casting only the two sub-blocks keeps
    top-1 agreement with the fp32 model >= 99% on the fixed image set (models/README.md); a model cast to bf16
    as a whole (residual stream included) is slightly faster but drifts further (98.75%)."""

    def __init__(self, layer):
        super().__init__()
        self.norm_before = layer.norm_before
        self.norm_after = layer.norm_after
        self.attention = layer.attention.to(torch.bfloat16)
        self.intermediate = layer.intermediate.to(torch.bfloat16)
        self.output = layer.output.to(torch.bfloat16)

    def forward(self, x):
        x = x + self.attention(self.norm_before(x).to(torch.bfloat16), None).to(torch.float32)
        h = self.norm_after(x).to(torch.bfloat16)
        return x + self.output(F.gelu(self.intermediate(h))).to(torch.float32)


def bf16_variant(model):
    """A copy of a VitClassifier with every transformer layer as a Bf16VitLayer; patch embedding, final norm and
    classifier stay float32, so it takes and returns float32 like the original."""
    variant = copy.deepcopy(model)
    variant.layers = nn.ModuleList([Bf16VitLayer(layer) for layer in variant.layers])
    return variant.eval()


def int8_variant(model):
    """A copy of a VitClassifier whose MLP Linear layers (intermediate and output: two thirds of a layer's
    multiply-adds) are dynamically quantised to int8, weights per output channel, activations per tensor at run time
    (quantized::linear_dynamic; fbgemm in DJL's libtorch on x86). Attention, LayerNorms, patch embedding and
    classifier stay float32. Quantising every Linear was faster still but drifted too far from float32 on the random
    weights (logit cosine 0.997 against 0.9993 for the MLP alone, ViT-B/16), see models/README.md."""
    from torch.ao.quantization import per_channel_dynamic_qconfig, quantize_dynamic
    spec = {f"layers.{i}.{part}": per_channel_dynamic_qconfig
            for i in range(len(model.layers)) for part in ("intermediate", "output")}
    return quantize_dynamic(copy.deepcopy(model), spec, dtype=torch.qint8).eval()


# name suffix, precision (serving.properties' variant.<name>.precision), builder from the float32 model
IMAGE_VARIANTS = [("_bf16", "bf16", bf16_variant), ("_int8", "int8", int8_variant)]


def init_weights(model, calibration_inputs, classifier_gain=2.0):
    """Seeded random init that gives visibly different outputs for different inputs.

    HF's own init (normal std 0.02 everywhere) makes a random model nearly constant: attention is
    uniform and the [CLS] vector barely depends on the input, so every probability is ~0.5. Here
    weight matrices get unit gain (std 1/sqrt(fan_in)), embeddings std 0.02 (followed by
    LayerNorm, or small next to the patch projection), LayerNorm 1/0, biases 0. The classifier
    gets std classifier_gain/sqrt(hidden), and its bias is then set to minus the mean logit over
    a fixed seeded batch, so that the predicted classes spread over the labels instead of one
    label winning everywhere."""
    for name, p in model.named_parameters():
        if name.startswith("classifier."):
            continue
        if p.dim() == 1:
            is_norm_weight = "norm" in name and name.endswith("weight")
            nn.init.ones_(p) if is_norm_weight else nn.init.zeros_(p)
        elif name.startswith("patch_embeddings"):
            nn.init.normal_(p, std=1 / math.sqrt(p[0].numel()))
        elif "embeddings" in name or name == "cls_token":
            nn.init.normal_(p, std=0.02)
        else:
            nn.init.normal_(p, std=1 / math.sqrt(p.shape[1]))
    hidden = model.classifier.weight.shape[1]
    nn.init.normal_(model.classifier.weight, std=classifier_gain / math.sqrt(hidden))
    nn.init.zeros_(model.classifier.bias)
    model.eval()
    with torch.no_grad():
        model.classifier.bias.copy_(-model(*calibration_inputs).mean(dim=0))


# --------------------------------------------------------------------------------------------
# Tokenizer
# --------------------------------------------------------------------------------------------

SPECIAL_TOKENS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
BASE_CHARS = list(string.ascii_lowercase) + list(string.digits) + list(string.punctuation)
# Always in the tiny vocab, before the word-list sample: frequent function words and words the
# demos and tests use for the two text tasks.
COMMON_WORDS = """
the of and to in is you that it he was for on are as with his they at be this have from or one
had by word but not what all were we when your can said there use an each which she do how their
if will up other about out many then them these so some her would make like him into time has
look two more write go see number no way could people my than first water been call who its now
find long down day did get come made may part over new after also back just good very much well
me our very too any most only know take year give us think say help tell great where here why
again off away still last never before while must big high such even because same own under
fire flood earthquake storm hurricane tornado wildfire smoke burning burn crash accident explosion
emergency evacuate evacuation rescue killed dead death injured police disaster damage collapse
wreck bomb attack shooting warning alert danger quake tsunami volcano landslide drought heat
love great happy excellent amazing awesome wonderful best perfect nice fun enjoy enjoyed beautiful
hate bad terrible awful worst boring sad angry poor broken disappointed slow wrong horrible ugly
movie film food service place staff price phone today tonight tomorrow night morning home city
town road car train bus plane street house building school work friend family news video photo
""".split()


def word_list():
    """Lowercase ASCII words from Debian's wamerican list (no apostrophes, no accents)."""
    with open(WORD_LIST, encoding="utf-8") as f:
        return sorted({w.strip() for w in f if re.fullmatch(r"[a-z]+", w.strip())})


def build_vocab(size):
    vocab = list(SPECIAL_TOKENS) + BASE_CHARS + ["##" + c for c in BASE_CHARS]
    seen = set(vocab)
    for w in COMMON_WORDS:
        if w not in seen:
            vocab.append(w)
            seen.add(w)
    words = [w for w in word_list() if w not in seen]
    remaining = size - len(vocab)
    if size <= 5000:
        # tiny: a deterministic sample of short words, kept in alphabetical order
        short = [w for w in words if 2 <= len(w) <= 7]
        vocab += sorted(random.Random(SEED).sample(short, remaining))
    else:
        # full fallback: shortest words first (alphabetical within a length)
        words.sort(key=lambda w: (len(w), w))
        if len(words) < remaining:
            raise SystemExit(f"word list has only {len(words)} usable words, need {remaining}")
        vocab += words[:remaining]
    assert len(vocab) == size and len(set(vocab)) == size
    return vocab


def tokenizer_json(vocab):
    """HF tokenizers JSON (bert-base-uncased structure) for a WordPiece vocab."""
    ids = {tok: i for i, tok in enumerate(vocab)}
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [
            {"id": ids[t], "content": t, "single_word": False, "lstrip": False, "rstrip": False,
             "normalized": False, "special": True}
            for t in SPECIAL_TOKENS
        ],
        "normalizer": {"type": "BertNormalizer", "clean_text": True, "handle_chinese_chars": True,
                       "strip_accents": None, "lowercase": True},
        "pre_tokenizer": {"type": "BertPreTokenizer"},
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}},
                       {"Sequence": {"id": "A", "type_id": 0}},
                       {"SpecialToken": {"id": "[SEP]", "type_id": 0}}],
            "pair": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}},
                     {"Sequence": {"id": "A", "type_id": 0}},
                     {"SpecialToken": {"id": "[SEP]", "type_id": 0}},
                     {"Sequence": {"id": "B", "type_id": 1}},
                     {"SpecialToken": {"id": "[SEP]", "type_id": 1}}],
            "special_tokens": {
                t: {"id": t, "ids": [ids[t]], "tokens": [t]} for t in ("[CLS]", "[SEP]")
            },
        },
        "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": True},
        "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
                  "max_input_chars_per_word": 100, "vocab": ids},
    }


def make_tokenizer(size):
    """Returns (tokenizer dict, vocab size, pad id, source description)."""
    want = SIZES[size]["vocab_size"]
    if size == "full" and os.path.exists(BERT_REFERENCE_TOKENIZER):
        with open(BERT_REFERENCE_TOKENIZER, encoding="utf-8") as f:
            tok = json.load(f)
        model = tok["model"]
        # normalise: the reference file's model object has no "type"; put it first, as HF does
        tok["model"] = {"type": "WordPiece", **{k: v for k, v in model.items() if k != "type"}}
        n = len(tok["model"]["vocab"])
        assert n == want, f"reference vocab has {n} entries, expected {want}"
        return tok, n, tok["model"]["vocab"]["[PAD]"], "copied from " + BERT_REFERENCE_TOKENIZER
    vocab = build_vocab(want)
    return tokenizer_json(vocab), len(vocab), 0, f"built from {WORD_LIST}"


# --------------------------------------------------------------------------------------------
# Files
# --------------------------------------------------------------------------------------------

def write_json(path, obj):
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        json.dump(obj, f, indent=2, ensure_ascii=False)
        f.write("\n")


def write_text(path, text):
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)


def labels_config(labels):
    return {"id2label": {str(i): l for i, l in enumerate(labels)},
            "label2id": {l: i for i, l in enumerate(labels)}}


def bert_config(c, vocab_size, pad_id, labels):
    return {
        "architectures": ["BertForSequenceClassification"],
        "model_type": "bert",
        "vocab_size": vocab_size,
        "hidden_size": c["hidden"],
        "num_hidden_layers": c["layers"],
        "num_attention_heads": c["heads"],
        "intermediate_size": c["intermediate"],
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": c["max_positions"],
        "type_vocab_size": 2,
        "initializer_range": 0.02,
        "layer_norm_eps": LAYER_NORM_EPS,
        "pad_token_id": pad_id,
        "position_embedding_type": "absolute",
        "problem_type": "single_label_classification",
        **labels_config(labels),
        "inferq_weights": "seeded random, not trained (models/generate_models.py)",
    }


def vit_config(c, labels):
    return {
        "architectures": ["ViTForImageClassification"],
        "model_type": "vit",
        "image_size": c["image"],
        "patch_size": c["patch"],
        "num_channels": 3,
        "hidden_size": c["hidden"],
        "num_hidden_layers": c["layers"],
        "num_attention_heads": c["heads"],
        "intermediate_size": c["mlp"],
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.0,
        "attention_probs_dropout_prob": 0.0,
        "initializer_range": 0.02,
        "layer_norm_eps": LAYER_NORM_EPS,
        "qkv_bias": True,
        "problem_type": "single_label_classification",
        **labels_config(labels),
        "inferq_weights": "seeded random, not trained (models/generate_models.py)",
    }


TEXT_SERVING = """\
# DJL model folder: {name}.pt (TorchScript), tokenizer.json, config.json (id2label).
engine=PyTorch
application=nlp/text_classification
# DJL ignores translatorFactory when a model is loaded with optModelPath on a local folder;
# the Java side passes the same factory explicitly. Kept so the folder is self-describing.
translatorFactory=ai.djl.huggingface.translator.TextClassificationTranslatorFactory
# file name of the TorchScript model without .pt
option.modelName={name}
# the model takes (input_ids, attention_mask, token_type_ids), in that order, all int64
includeTokenTypes=true
# tokens per sequence including [CLS]/[SEP]; the model itself accepts up to {max_positions}
maxLength={max_length}
truncation=true
padding=true
"""

IMAGE_SERVING = """\
# DJL model folder: image.pt (TorchScript, float32), the variants listed below (the same weights in other
# precisions), synset.txt (labels, one per line), config.json. See models/README.md.
engine=PyTorch
application=cv/image_classification
# DJL ignores translatorFactory when a model is loaded with optModelPath on a local folder;
# the Java side passes the factory explicitly.
translatorFactory=ai.djl.modality.cv.translator.ImageClassificationTranslatorFactory
# file name of the TorchScript model without .pt: the float32 baseline, what plain DJL loads
option.modelName={model_name}
{variants}# the model takes float32 [batch, 3, 224, 224], RGB, scaled to 0..1 then normalised
width=224
height=224
resize=true
normalize=true
# mean/std 0.5 as in HF ViTImageProcessor (DJL's own normalize=true would use ImageNet values;
# the Java side reads mean/std below itself)
mean=0.5,0.5,0.5
std=0.5,0.5,0.5
applySoftmax=true
topK=5
# batching, under DJL Serving's keys: ViT-B/16 gains little past 4 images per pass on a CPU, while a
# batch of 32 would keep each image in it waiting for seconds (the text models use the worker's defaults)
batchSize=4
maxBatchDelay=0
"""


# --------------------------------------------------------------------------------------------
# Verification
# --------------------------------------------------------------------------------------------

def max_diff(a, b):
    return (a - b).abs().max().item()


def check(cond, message):
    print(("  ok   " if cond else "  FAIL ") + message)
    if not cond:
        raise SystemExit("verification failed: " + message)


def random_text_batch(gen, batch, seq, vocab_size, lengths=None):
    ids = torch.randint(5, vocab_size, (batch, seq), generator=gen)
    ids[:, 0] = 2  # any fixed first token, like [CLS]
    mask = torch.ones(batch, seq, dtype=torch.long)
    if lengths is not None:
        for i, n in enumerate(lengths):
            mask[i, n:] = 0
    types = torch.zeros(batch, seq, dtype=torch.long)
    return ids, mask, types


def verify_text(eager, loaded, vocab_size, max_positions, num_labels):
    gen = torch.Generator().manual_seed(SEED + 1)
    shapes = [(1, 5), (3, 17), (8, 64), (2, max_positions)]
    with torch.no_grad():
        for b, s in shapes:
            inputs = random_text_batch(gen, b, s, vocab_size)
            out, ref = loaded(*inputs), eager(*inputs)
            check(out.shape == (b, num_labels) and out.dtype == torch.float32
                  and max_diff(out, ref) < 1e-4,
                  f"shape {b}x{s} -> {tuple(out.shape)} {out.dtype}, "
                  f"max diff vs eager {max_diff(out, ref):.2e}")
        # padding: each sequence alone (no padding) vs inside a padded batch, with random junk
        # ids and token types in the padded positions
        lengths = [7, 20, 33]
        ids, mask, types = random_text_batch(gen, 3, 40, vocab_size, lengths)
        types[:, 30:] = 1
        padded = loaded(ids, mask, types)
        worst = 0.0
        for i, n in enumerate(lengths):
            alone = loaded(ids[i:i + 1, :n], mask[i:i + 1, :n], types[i:i + 1, :n])
            worst = max(worst, max_diff(alone[0], padded[i]))
        check(worst < 1e-4, f"padding invariance (lengths {lengths} padded to 40), "
                            f"max diff {worst:.2e}")
        # not degenerate: different inputs give visibly different probabilities
        ids, mask, types = random_text_batch(gen, 16, 24, vocab_size)
        probs = torch.softmax(loaded(ids, mask, types), dim=-1)
        p, top = probs[:, -1], probs.argmax(dim=-1)
        check(p.max() - p.min() > 0.2 and len(set(top.tolist())) == num_labels,
              f"not degenerate: 16 random inputs give p(label {num_labels - 1}) in "
              f"[{p.min():.3f}, {p.max():.3f}], top-1 counts {torch.bincount(top).tolist()}")


def verify_image(eager, loaded, image, num_labels, batches, samples):
    gen = torch.Generator().manual_seed(SEED + 2)
    with torch.no_grad():
        for b in batches:
            x = torch.rand(b, 3, image, image, generator=gen) * 2 - 1  # normalised range
            out, ref = loaded(x), eager(x)
            check(out.shape == (b, num_labels) and out.dtype == torch.float32
                  and max_diff(out, ref) < 1e-4,
                  f"batch {b} -> {tuple(out.shape)} {out.dtype}, "
                  f"max diff vs eager {max_diff(out, ref):.2e}")
        x = torch.rand(samples, 3, image, image, generator=gen) * 2 - 1
        top = torch.softmax(loaded(x), dim=-1).max(dim=-1)
        check(len(set(top.indices.tolist())) > 1,
              f"not degenerate: {samples} random images give top-1 classes {top.indices.tolist()}, "
              f"top-1 p in [{top.values.min():.3f}, {top.values.max():.3f}]")


def verify_variant(name, loaded, image, num_labels):
    """A variant keeps the float32 model's contract: float32 [batch, 3, image, image] in, float32 logits out, any
    batch size. How close its answers are is fidelity()'s business."""
    gen = torch.Generator().manual_seed(SEED + 4)
    with torch.no_grad():
        for b in (1, 3):
            out = loaded(torch.rand(b, 3, image, image, generator=gen) * 2 - 1)
            check(out.shape == (b, num_labels) and out.dtype == torch.float32,
                  f"{name}: batch {b} -> {tuple(out.shape)} {out.dtype}")


def shifted(img, deltas):
    """img with each RGB channel shifted by its delta, clamped to 0..255."""
    from PIL import Image
    return Image.merge("RGB", [band.point(lambda v, d=d: max(0, min(255, v + d)))
                               for band, d in zip(img.split(), deltas)])


def fidelity_images(count, size, mean, std):
    """A fixed image set, normalised as the worker feeds the model: each image in SHARED_IMAGES (when present) as it
    is, mirrored, three 3/4 crops and three colour shifts (as the worker's FidelityImages test set), then seeded
    synthetic pictures (gradients with random discs and boxes) up to count. [count, 3, size, size] float32."""
    from PIL import Image, ImageDraw, ImageOps
    pictures = []
    if os.path.isdir(SHARED_IMAGES):
        for file in sorted(os.listdir(SHARED_IMAGES)):
            try:
                with Image.open(os.path.join(SHARED_IMAGES, file)) as opened:
                    rgba = opened.convert("RGBA")
            except OSError:
                continue
            img = Image.alpha_composite(Image.new("RGBA", rgba.size, "white"), rgba).convert("RGB")
            w, h = img.size
            cw, ch = w * 3 // 4, h * 3 // 4
            pictures += [img, ImageOps.mirror(img), img.crop((0, 0, cw, ch)),
                         img.crop((w // 4, h // 4, w // 4 + cw, h // 4 + ch)),
                         img.crop((w // 8, h // 8, w // 8 + cw, h // 8 + ch)),
                         shifted(img, (30, -20, 10)), shifted(img, (-25, 15, 35)),
                         shifted(ImageOps.mirror(img), (10, 10, -30))]
    rng = random.Random(SEED)
    colour = lambda: tuple(rng.randrange(256) for _ in range(3))
    while len(pictures) < count:
        w, h = 64 + rng.randrange(400), 64 + rng.randrange(400)
        a, b = colour(), colour()
        img = Image.linear_gradient("L").resize((w, h))
        img = Image.composite(Image.new("RGB", (w, h), b), Image.new("RGB", (w, h), a), img)
        draw = ImageDraw.Draw(img)
        for _ in range(3 + rng.randrange(12)):
            x, y = rng.randrange(w), rng.randrange(h)
            box = (x, y, x + 5 + rng.randrange(w // 2), y + 5 + rng.randrange(h // 2))
            (draw.ellipse if rng.random() < 0.5 else draw.rectangle)(box, fill=colour())
        pictures.append(img)
    mean_t = torch.tensor(mean).view(3, 1, 1)
    std_t = torch.tensor(std).view(3, 1, 1)
    tensors = []
    for img in pictures[:count]:
        resized = img.resize((size, size), Image.BILINEAR)
        x = torch.frombuffer(bytearray(resized.tobytes()), dtype=torch.uint8).view(size, size, 3)
        tensors.append((x.permute(2, 0, 1).to(torch.float32) / 255 - mean_t) / std_t)
    return torch.stack(tensors)


def logits_of(model, images, batch=8):
    with torch.no_grad():
        return torch.cat([model(images[i:i + batch]) for i in range(0, len(images), batch)])


def fidelity(reference_logits, logits, random_weights):
    """serving.properties' variant.<name>.fidelity: top-1 agreement, largest probability difference and mean logit
    cosine similarity against float32 on the same images, and whether the variant passed the gate."""
    top1 = (logits.argmax(-1) == reference_logits.argmax(-1)).float().mean().item()
    prob_diff = max_diff(torch.softmax(logits, -1), torch.softmax(reference_logits, -1))
    cosine = F.cosine_similarity(logits, reference_logits, dim=-1).mean().item()
    passed = top1 >= GATE_TOP1 or (random_weights and cosine >= GATE_COSINE)
    return (f"images={len(logits)} top1={top1:.3f} max_prob_diff={prob_diff:.4f} cosine={cosine:.5f} "
            f"passed={'true' if passed else 'false'}")


def write_image_variants(folder, base, model, example, images, random_weights):
    """Traces each of IMAGE_VARIANTS beside <base>.pt, measures its fidelity against the float32 model on images, and
    returns serving.properties' variants block."""
    num_labels = model.classifier.out_features
    t0 = time.time()
    reference = logits_of(model, images)
    print(f"{base}: float32 on {len(images)} fidelity images in {time.time() - t0:.1f}s")
    lines = [
        "# candidates for the worker, all the same weights: it skips those the CPU cannot run fast (bf16 without",
        "# AVX-512 BF16 / AMX) or that failed the fidelity gate (top-1 agreement with float32 >= 99%, or for random",
        "# weights logit cosine >= 0.999), times the rest and serves the fastest (models/README.md)",
        "variants=" + ",".join([base] + [base + suffix for suffix, _, _ in IMAGE_VARIANTS]),
        f"variant.{base}.engine=PyTorch",
        f"variant.{base}.precision=fp32",
        f"variant.{base}.fidelity=reference",
    ]
    for suffix, precision, build in IMAGE_VARIANTS:
        name = base + suffix
        t0 = time.time()
        loaded = save_traced(build(model), example, os.path.join(folder, name + ".pt"))
        verify_variant(name, loaded, images.shape[-1], num_labels)
        measured = fidelity(reference, logits_of(loaded, images), random_weights)
        print(f"  {name}: {measured} ({time.time() - t0:.1f}s)")
        lines += [f"variant.{name}.engine=PyTorch", f"variant.{name}.precision={precision}",
                  f"variant.{name}.fidelity={measured}"]
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------------

def save_traced(model, example, path):
    model.eval()
    with torch.no_grad():
        # check_trace=False: the reloaded file is compared with the eager model below, on more
        # shapes than the trace example
        traced = torch.jit.trace(model, example, check_trace=False)
    torch.jit.save(traced, path)
    return torch.jit.load(path)


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", choices=sorted(SIZES), default="tiny")
    parser.add_argument("--out", help="output folder (default models/<size>)")
    parser.add_argument("--random-text", action="store_true",
                        help="write random text models even over trained or converted ones")
    parser.add_argument("--fidelity-images", type=int,
                        help="images in the fixed set the image variants are compared on (default: "
                             + ", ".join(f"{k} {v}" for k, v in FIDELITY_IMAGES.items()) + ")")
    args = parser.parse_args()
    out = args.out or os.path.join(here, args.size)
    cfg = SIZES[args.size]
    torch.set_num_threads(min(2, os.cpu_count() or 1))
    started = time.time()
    print(f"inferq models: size={args.size} out={out} torch={torch.__version__} seed={SEED}")

    tok, vocab_size, pad_id, tok_source = make_tokenizer(args.size)
    print(f"tokenizer: {vocab_size} entries, {tok_source}")

    b = cfg["bert"]
    for offset, (name, labels) in enumerate(TEXT_MODELS.items(), start=1):
        t0 = time.time()
        folder = os.path.join(out, name)
        kept = non_random_weights(folder)
        if kept and not args.random_text:
            print(f"{name}: keeping the {kept} model in {folder} (--random-text replaces it)")
            continue
        if os.path.isdir(folder):
            shutil.rmtree(folder)
        os.makedirs(folder)
        # one seed per model, so a model does not depend on which others were built before it
        torch.manual_seed(SEED + offset)
        model = BertClassifier(vocab_size, b["layers"], b["hidden"], b["heads"],
                               b["intermediate"], b["max_positions"], len(labels))
        calibration_gen = torch.Generator().manual_seed(SEED + 100)
        lengths = torch.randint(4, 48, (64,), generator=calibration_gen).tolist()
        init_weights(model, random_text_batch(calibration_gen, 64, 48, vocab_size, lengths))
        example = random_text_batch(torch.Generator().manual_seed(SEED), 2, 8, vocab_size)
        loaded = save_traced(model, example, os.path.join(folder, name + ".pt"))
        write_json(os.path.join(folder, "tokenizer.json"), tok)
        write_json(os.path.join(folder, "config.json"), bert_config(b, vocab_size, pad_id, labels))
        write_text(os.path.join(folder, "serving.properties"), TEXT_SERVING.format(
            name=name, max_length=SERVING_MAX_LENGTH, max_positions=b["max_positions"]))
        write_json(os.path.join(folder, "model-card.json"), random_card(
            name, "text-classification", labels,
            {"type": "BertForSequenceClassification", **b, "vocab_size": vocab_size}, args.size,
            "models/train_text.py trains this model; models/convert_hf.py converts a fine-tuned checkpoint"))
        print(f"{name}: traced in {time.time() - t0:.1f}s; verifying")
        verify_text(model, loaded, vocab_size, b["max_positions"], len(labels))

    v = cfg["vit"]
    t0 = time.time()
    folder = os.path.join(out, "image")
    if os.path.isdir(folder):
        shutil.rmtree(folder)
    os.makedirs(folder)
    torch.manual_seed(SEED + 3)
    model = VitClassifier(v["patch"], v["hidden"], v["layers"], v["heads"], v["mlp"], v["image"],
                          len(IMAGE_LABELS))
    calibration = torch.rand(8 if args.size == "tiny" else 4, 3, v["image"], v["image"],
                             generator=torch.Generator().manual_seed(SEED + 100)) * 2 - 1
    init_weights(model, (calibration,))
    example = torch.rand(2, 3, v["image"], v["image"], generator=torch.Generator().manual_seed(SEED))
    loaded = save_traced(model, example, os.path.join(folder, "image.pt"))
    write_text(os.path.join(folder, "synset.txt"), "".join(l + "\n" for l in IMAGE_LABELS))
    write_json(os.path.join(folder, "config.json"), vit_config(v, IMAGE_LABELS))
    write_json(os.path.join(folder, "model-card.json"), random_card(
        "image", "image-classification", IMAGE_LABELS, {"type": "ViTForImageClassification", **v}, args.size,
        "models/convert_hf.py converts a fine-tuned ViTForImageClassification checkpoint into this folder"))
    print(f"image: traced in {time.time() - t0:.1f}s; verifying")
    # ViT-B/16 takes seconds per image in Debian's torch on 2 cores: fewer checks for full
    verify_image(model, loaded, v["image"], len(IMAGE_LABELS),
                 *(([1, 3, 5], 8) if args.size == "tiny" else ([1, 2], 4)))
    images = fidelity_images(args.fidelity_images or FIDELITY_IMAGES[args.size], v["image"], [0.5] * 3, [0.5] * 3)
    variants = write_image_variants(folder, "image", model, example, images, random_weights=True)
    write_text(os.path.join(folder, "serving.properties"),
               IMAGE_SERVING.format(model_name="image", variants=variants))

    print(f"\nwritten in {time.time() - started:.1f}s:")
    total = 0
    for root, _, files in sorted(os.walk(out)):
        for f in sorted(files):
            p = os.path.join(root, f)
            n = os.path.getsize(p)
            total += n
            digest = "  sha256 " + sha256(p) if f.endswith(".pt") else ""
            print(f"  {os.path.relpath(p, out):28s} {n:>11,d} B{digest}")
    print(f"  {'total':28s} {total:>11,d} B")


def non_random_weights(folder):
    """The weights kind ("trained", "converted", ...) of the model in folder, or None when it has none or only
    random weights."""
    try:
        with open(os.path.join(folder, "model-card.json"), encoding="utf-8") as f:
            weights = json.load(f).get("weights")
    except (OSError, ValueError):
        return None
    return weights if weights and weights != "random" else None


def random_card(name, task, labels, architecture, size, replace_with):
    return {
        "name": name,
        "task": task,
        "labels": labels,
        "architecture": architecture,
        "weights": "random",
        "dataset": {"name": "none", "source": "none", "licence": "none"},
        "metrics": {},
        "command": f"/usr/bin/python3 models/generate_models.py --size {size}",
        "note": "The weights are seeded random, not trained: predictions are meaningless (but deterministic) "
                "unless a trained or converted model replaces this one. " + replace_with + " (models/README.md).",
    }


def _path_independent_debug_info():
    """TorchScript keeps, as debug info, the Python stack of every traced op (file and line).
    Name this file plainly 'generate_models.py' there, and (see below) trace on a fresh thread so
    the absolute path of the __main__ frame is not on the stack either: the .pt bytes then do
    not depend on where the checkout lives (only on this file's content and the torch build)."""
    name = os.path.basename(__file__)
    for obj in list(globals().values()):
        if getattr(obj, "__module__", None) != __name__:
            continue
        functions = [obj] if inspect.isfunction(obj) else (
            [f for f in vars(obj).values() if inspect.isfunction(f)] if inspect.isclass(obj) else [])
        for f in functions:
            f.__code__ = f.__code__.replace(co_filename=name)


def _run(outcome):
    try:
        outcome.append(main())
    except BaseException as e:  # incl. SystemExit from a failed check: re-raised by the caller
        outcome.append(e)


if __name__ == "__main__":
    _path_independent_debug_info()
    result = []
    worker = threading.Thread(target=_run, args=(result,), name="generate")
    worker.start()
    worker.join()
    if isinstance(result[0], BaseException):
        raise result[0]
    sys.exit(result[0])
