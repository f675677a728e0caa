#!/usr/bin/python3
"""Convert a Hugging Face checkpoint folder into inferq's DJL model layout, without `transformers`.

Why this script exists
----------------------
The build machines cannot install `transformers` (no PyPI), but a fine-tuned checkpoint folder copied over from
elsewhere (the Hub's `config.json`, `model.safetensors` or `pytorch_model.bin`, `tokenizer.json` or `vocab.txt`,
and for ViT `preprocessor_config.json`) holds everything needed: this script maps the Hugging Face parameter names
onto generate_models.py's own BertClassifier / VitClassifier (the same parameter shapes), checks every tensor is
used exactly once, traces the model to TorchScript and writes the folder the Java side loads, with a model card
saying `"weights": "converted"`.

Supported: BertForSequenceClassification (absolute positions, gelu, 2 token types),
DistilBertForSequenceClassification (gelu), RobertaForSequenceClassification (absolute positions numbered from
pad_token_id + 1, gelu, byte-level BPE tokenizer) and ViTForImageClassification at any square image and patch size
(gelu, qkv bias, CLS-token classifier). Every text model is written with the same forward contract,
(input_ids, attention_mask, token_type_ids) (DistilBERT ignores the third), so the worker loads them alike. Labels
come from config.json's id2label; image size, mean and std from preprocessor_config.json.

Usage
-----
  /usr/bin/python3 models/convert_hf.py HF_FOLDER --name disaster [--out models/full] [--max-length 128]
      [--source "huawei-noah/... fine-tuned on ..."] [--licence "..."] [--labels a,b] [--variants]

  HF_FOLDER  a local folder (models/fetch_hf.py downloads one from huggingface.co and runs this script; or
             `huggingface-cli download REPO --local-dir HF_FOLDER` on another machine, copied over)
  --name     the model's name in inferq: the output folder and the .pt file are named after it

Needs Debian's torch (`apt-get install -y python3-torch libopenblas0-pthread`). models/test_convert_hf.py tests it.
"""

import argparse
import datetime
import json
import os
import re
import shutil
import struct
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import generate_models as gm  # noqa: E402

SAFETENSORS_DTYPES = {
    "F64": torch.float64, "F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16,
    "I64": torch.int64, "I32": torch.int32, "I16": torch.int16, "I8": torch.int8, "U8": torch.uint8,
    "BOOL": torch.bool,
}


# --------------------------------------------------------------------------------------------
# Reading checkpoints
# --------------------------------------------------------------------------------------------

def read_safetensors(path):
    """safetensors, read directly: an 8-byte little-endian header length, a JSON header naming each tensor's dtype,
    shape and [begin, end) byte range relative to the end of the header, then the raw little-endian tensor bytes."""
    with open(path, "rb") as f:
        (header_len,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(header_len).decode("utf-8"))
        data = f.read()
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        dtype = SAFETENSORS_DTYPES.get(info["dtype"])
        if dtype is None:
            raise SystemExit(f"{path}: tensor {name} has unsupported dtype {info['dtype']}")
        begin, end = info["data_offsets"]
        shape = info["shape"]
        if end == begin:
            tensors[name] = torch.zeros(shape, dtype=dtype)
            continue
        # bytearray: torch.frombuffer wants a writable buffer; clone() detaches the tensor from it
        t = torch.frombuffer(bytearray(data[begin:end]), dtype=dtype).reshape(shape).clone()
        if t.element_size() > 1 and sys.byteorder != "little":
            raise SystemExit("safetensors are little-endian; this machine is not")
        tensors[name] = t
    return tensors


def read_state_dict(folder):
    st = os.path.join(folder, "model.safetensors")
    if os.path.exists(st):
        return read_safetensors(st), "model.safetensors"
    binary = os.path.join(folder, "pytorch_model.bin")
    if os.path.exists(binary):
        # weights_only: a checkpoint from elsewhere must not run code while unpickling
        return torch.load(binary, map_location="cpu", weights_only=True), "pytorch_model.bin"
    raise SystemExit(f"{folder} has neither model.safetensors nor pytorch_model.bin (sharded checkpoints: merge "
                     f"them first)")


# --------------------------------------------------------------------------------------------
# Name mapping: Hugging Face -> generate_models.py modules
# --------------------------------------------------------------------------------------------

BERT_RULES = [
    (r"bert\.embeddings\.word_embeddings\.weight", "word_embeddings.weight"),
    (r"bert\.embeddings\.position_embeddings\.weight", "position_embeddings.weight"),
    (r"bert\.embeddings\.token_type_embeddings\.weight", "token_type_embeddings.weight"),
    (r"bert\.embeddings\.LayerNorm\.(weight|bias)", r"embeddings_norm.\1"),
    (r"bert\.encoder\.layer\.(\d+)\.attention\.self\.(query|key|value)\.(weight|bias)", r"layers.\1.attention.\2.\3"),
    (r"bert\.encoder\.layer\.(\d+)\.attention\.output\.dense\.(weight|bias)", r"layers.\1.attention.out.\2"),
    (r"bert\.encoder\.layer\.(\d+)\.attention\.output\.LayerNorm\.(weight|bias)", r"layers.\1.attention_norm.\2"),
    (r"bert\.encoder\.layer\.(\d+)\.intermediate\.dense\.(weight|bias)", r"layers.\1.intermediate.\2"),
    (r"bert\.encoder\.layer\.(\d+)\.output\.dense\.(weight|bias)", r"layers.\1.output.\2"),
    (r"bert\.encoder\.layer\.(\d+)\.output\.LayerNorm\.(weight|bias)", r"layers.\1.output_norm.\2"),
    (r"bert\.pooler\.dense\.(weight|bias)", r"pooler.\1"),
    (r"classifier\.(weight|bias)", r"classifier.\1"),
]
# buffers HF saves that our modules compute themselves
BERT_IGNORED = [r"bert\.embeddings\.position_ids"]

DISTILBERT_RULES = [
    (r"distilbert\.embeddings\.word_embeddings\.weight", "word_embeddings.weight"),
    (r"distilbert\.embeddings\.position_embeddings\.weight", "position_embeddings.weight"),
    (r"distilbert\.embeddings\.LayerNorm\.(weight|bias)", r"embeddings_norm.\1"),
    (r"distilbert\.transformer\.layer\.(\d+)\.attention\.q_lin\.(weight|bias)", r"layers.\1.attention.query.\2"),
    (r"distilbert\.transformer\.layer\.(\d+)\.attention\.k_lin\.(weight|bias)", r"layers.\1.attention.key.\2"),
    (r"distilbert\.transformer\.layer\.(\d+)\.attention\.v_lin\.(weight|bias)", r"layers.\1.attention.value.\2"),
    (r"distilbert\.transformer\.layer\.(\d+)\.attention\.out_lin\.(weight|bias)", r"layers.\1.attention.out.\2"),
    (r"distilbert\.transformer\.layer\.(\d+)\.sa_layer_norm\.(weight|bias)", r"layers.\1.attention_norm.\2"),
    (r"distilbert\.transformer\.layer\.(\d+)\.ffn\.lin1\.(weight|bias)", r"layers.\1.intermediate.\2"),
    (r"distilbert\.transformer\.layer\.(\d+)\.ffn\.lin2\.(weight|bias)", r"layers.\1.output.\2"),
    (r"distilbert\.transformer\.layer\.(\d+)\.output_layer_norm\.(weight|bias)", r"layers.\1.output_norm.\2"),
    (r"pre_classifier\.(weight|bias)", r"pre_classifier.\1"),
    (r"classifier\.(weight|bias)", r"classifier.\1"),
]
DISTILBERT_IGNORED = [r"distilbert\.embeddings\.position_ids"]

# RoBERTa's encoder has BERT's names under "roberta."; its head is classifier.dense + classifier.out_proj
ROBERTA_RULES = [(pattern.replace(r"bert\.", r"roberta\.", 1), target) for pattern, target in BERT_RULES
                 if not pattern.startswith((r"bert\.pooler", r"classifier"))] + [
    (r"classifier\.dense\.(weight|bias)", r"head_dense.\1"),
    (r"classifier\.out_proj\.(weight|bias)", r"classifier.\1"),
]
# RobertaForSequenceClassification has no pooler; a checkpoint saved from RobertaModel may carry one it never uses
ROBERTA_IGNORED = [r"roberta\.embeddings\.position_ids", r"roberta\.pooler\..*"]

VIT_RULES = [
    (r"vit\.embeddings\.cls_token", "cls_token"),
    (r"vit\.embeddings\.position_embeddings", "position_embeddings"),
    (r"vit\.embeddings\.patch_embeddings\.projection\.(weight|bias)", r"patch_embeddings.\1"),
    (r"vit\.encoder\.layer\.(\d+)\.layernorm_before\.(weight|bias)", r"layers.\1.norm_before.\2"),
    (r"vit\.encoder\.layer\.(\d+)\.attention\.attention\.(query|key|value)\.(weight|bias)",
     r"layers.\1.attention.\2.\3"),
    (r"vit\.encoder\.layer\.(\d+)\.attention\.output\.dense\.(weight|bias)", r"layers.\1.attention.out.\2"),
    (r"vit\.encoder\.layer\.(\d+)\.layernorm_after\.(weight|bias)", r"layers.\1.norm_after.\2"),
    (r"vit\.encoder\.layer\.(\d+)\.intermediate\.dense\.(weight|bias)", r"layers.\1.intermediate.\2"),
    (r"vit\.encoder\.layer\.(\d+)\.output\.dense\.(weight|bias)", r"layers.\1.output.\2"),
    (r"vit\.layernorm\.(weight|bias)", r"norm.\1"),
    (r"classifier\.(weight|bias)", r"classifier.\1"),
]
VIT_IGNORED = [r"vit\.pooler\..*"]  # ViTForImageClassification has none; a ViTModel checkpoint may


def map_state_dict(hf, rules, ignored):
    mapped, unused = {}, []
    for name, tensor in hf.items():
        # TF-era checkpoints call LayerNorm parameters gamma/beta
        key = re.sub(r"LayerNorm\.gamma$", "LayerNorm.weight", re.sub(r"LayerNorm\.beta$", "LayerNorm.bias", name))
        for pattern, target in rules:
            if re.fullmatch(pattern, key):
                mapped[re.sub(pattern, target, key)] = tensor
                break
        else:
            if not any(re.fullmatch(p, key) for p in ignored):
                unused.append(name)
    if unused:
        raise SystemExit("checkpoint tensors with no place in the model: " + ", ".join(sorted(unused)[:20]))
    return mapped


def load_into(model, mapped):
    own = model.state_dict()
    missing = sorted(set(own) - set(mapped))
    if missing:
        raise SystemExit("checkpoint lacks: " + ", ".join(missing[:20]))
    for name, tensor in mapped.items():
        if tuple(tensor.shape) != tuple(own[name].shape):
            raise SystemExit(f"{name}: checkpoint shape {tuple(tensor.shape)}, model {tuple(own[name].shape)}")
    model.load_state_dict({k: v.to(torch.float32) for k, v in mapped.items()})
    return model.eval()


# --------------------------------------------------------------------------------------------
# Text encoders beside generate_models.BertClassifier: the same post-norm layers (gm.BertLayer), other embeddings
# and heads. All take the text contract's (input_ids, attention_mask, token_type_ids).
# --------------------------------------------------------------------------------------------

def additive_mask(attention_mask):
    """[b, 1, 1, s]: 0 where attended, float32 min on padding, as BertClassifier (and transformers) do."""
    keep = attention_mask.to(torch.float32).unsqueeze(1).unsqueeze(2)
    return (1.0 - keep) * torch.finfo(torch.float32).min


class DistilBertClassifier(torch.nn.Module):
    """DistilBertForSequenceClassification: word + position embeddings (no token types), BERT's post-norm layers,
    then pre_classifier, ReLU and classifier on the first token. token_type_ids is accepted and ignored, so the
    worker feeds DistilBERT exactly like BERT (includeTokenTypes=true)."""

    def __init__(self, vocab_size, layers, hidden, heads, intermediate, max_positions, num_labels):
        super().__init__()
        self.word_embeddings = torch.nn.Embedding(vocab_size, hidden)
        self.position_embeddings = torch.nn.Embedding(max_positions, hidden)
        self.embeddings_norm = torch.nn.LayerNorm(hidden)
        self.layers = torch.nn.ModuleList([gm.BertLayer(hidden, heads, intermediate) for _ in range(layers)])
        self.pre_classifier = torch.nn.Linear(hidden, hidden)
        self.classifier = torch.nn.Linear(hidden, num_labels)

    def forward(self, input_ids, attention_mask, token_type_ids):
        position_ids = torch.cumsum(torch.ones_like(input_ids), dim=1) - 1
        x = self.embeddings_norm(self.word_embeddings(input_ids) + self.position_embeddings(position_ids))
        mask = additive_mask(attention_mask)
        for layer in self.layers:
            x = layer(x, mask)
        return self.classifier(torch.relu(self.pre_classifier(x[:, 0])))


class RobertaClassifier(torch.nn.Module):
    """RobertaForSequenceClassification: BERT's embeddings and layers, but positions numbered from pad_id + 1 (pad
    tokens get pad_id itself, as transformers' create_position_ids_from_input_ids does), usually one token type,
    and a head of dense, tanh and out_proj on the first token (<s>) instead of a pooler."""

    def __init__(self, vocab_size, layers, hidden, heads, intermediate, max_positions, type_vocab, pad_id,
                 num_labels):
        super().__init__()
        self.pad_id = pad_id
        self.word_embeddings = torch.nn.Embedding(vocab_size, hidden)
        self.position_embeddings = torch.nn.Embedding(max_positions, hidden)
        self.token_type_embeddings = torch.nn.Embedding(type_vocab, hidden)
        self.embeddings_norm = torch.nn.LayerNorm(hidden)
        self.layers = torch.nn.ModuleList([gm.BertLayer(hidden, heads, intermediate) for _ in range(layers)])
        self.head_dense = torch.nn.Linear(hidden, hidden)
        self.classifier = torch.nn.Linear(hidden, num_labels)

    def forward(self, input_ids, attention_mask, token_type_ids):
        not_pad = input_ids.ne(self.pad_id).to(torch.long)
        position_ids = torch.cumsum(not_pad, dim=1) * not_pad + self.pad_id
        x = (self.word_embeddings(input_ids) + self.position_embeddings(position_ids)
             + self.token_type_embeddings(token_type_ids))
        x = self.embeddings_norm(x)
        mask = additive_mask(attention_mask)
        for layer in self.layers:
            x = layer(x, mask)
        return self.classifier(torch.tanh(self.head_dense(x[:, 0])))


def set_layer_norm_eps(model, eps):
    for m in model.modules():
        if isinstance(m, torch.nn.LayerNorm):
            m.eps = eps


LABEL_OVERRIDE = []  # --labels: names for a checkpoint whose id2label says LABEL_0, LABEL_1, ...


def labels_of(config):
    id2label = config.get("id2label") or {}
    if not id2label:
        raise SystemExit("config.json has no id2label: the labels' names and order are needed")
    labels = [id2label[k] for k in sorted(id2label, key=int)]
    if LABEL_OVERRIDE:
        if len(LABEL_OVERRIDE) != len(labels):
            raise SystemExit(f"--labels gives {len(LABEL_OVERRIDE)} names, the checkpoint has {len(labels)} classes")
        return list(LABEL_OVERRIDE)
    return labels


def require(config, key, allowed, default=None):
    value = config.get(key, default)
    if value not in allowed:
        raise SystemExit(f"config.json {key}={value!r} is not supported (supported: {allowed})")
    return value


# --------------------------------------------------------------------------------------------
# Conversion
# --------------------------------------------------------------------------------------------

def tokenizer_for(folder, model_type):
    """The checkpoint's tokenizer as a tokenizers JSON dict; model_type is what the architecture needs: WordPiece
    (BERT, DistilBERT) or BPE (RoBERTa). DJL's tokenizer runs the file's own normalizer, pre-tokenizer and
    post-processor, so a checkpoint's tokenizer.json passes through as it is."""
    path = os.path.join(folder, "tokenizer.json")
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            tok = json.load(f)
        model = tok.get("model", {})
        if "type" not in model:
            # some exported files omit it; DJL's tokenizer needs it to choose the model
            tok["model"] = {"type": "BPE" if "merges" in model else "WordPiece", **model}
        if tok["model"]["type"] != model_type:
            raise SystemExit(f"tokenizer.json model type {tok['model']['type']} is not {model_type}")
        return tok
    if model_type == "BPE":
        return roberta_tokenizer_json(folder)
    vocab_txt = os.path.join(folder, "vocab.txt")
    if os.path.exists(vocab_txt):
        with open(vocab_txt, encoding="utf-8") as f:
            vocab = [line.rstrip("\n") for line in f]
        # the uncased BERT pipeline (what generate_models.py writes); a cased checkpoint needs its tokenizer.json
        return gm.tokenizer_json(vocab)
    raise SystemExit(f"{folder} has neither tokenizer.json nor vocab.txt")


ROBERTA_SPECIALS = ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]


def roberta_tokenizer_json(folder):
    """Many RoBERTa fine-tunes ship only the slow tokenizer's vocab.json + merges.txt: this builds the tokenizers
    JSON that transformers' fast RobertaTokenizer would (byte-level pre-tokenizer, BPE, `<s> … </s>`)."""
    vocab_path, merges_path = os.path.join(folder, "vocab.json"), os.path.join(folder, "merges.txt")
    if not (os.path.exists(vocab_path) and os.path.exists(merges_path)):
        raise SystemExit(f"{folder} has neither tokenizer.json nor vocab.json + merges.txt")
    with open(vocab_path, encoding="utf-8") as f:
        vocab = json.load(f)
    with open(merges_path, encoding="utf-8") as f:
        merges = [line.rstrip("\n") for line in f if line.strip() and not line.startswith("#version")]
    missing = [t for t in ROBERTA_SPECIALS if t not in vocab]
    if missing:
        raise SystemExit(f"vocab.json lacks RoBERTa's special tokens {missing}")
    tok_config = {}
    if os.path.exists(os.path.join(folder, "tokenizer_config.json")):
        with open(os.path.join(folder, "tokenizer_config.json"), encoding="utf-8") as f:
            tok_config = json.load(f)
    prefix = bool(tok_config.get("add_prefix_space", False))
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [{"id": vocab[t], "content": t, "single_word": False, "lstrip": t == "<mask>",
                          "rstrip": False, "normalized": False, "special": True} for t in ROBERTA_SPECIALS],
        "normalizer": None,
        "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": prefix, "trim_offsets": True, "use_regex": True},
        "post_processor": {"type": "RobertaProcessing", "sep": ["</s>", vocab["</s>"]], "cls": ["<s>", vocab["<s>"]],
                           "trim_offsets": True, "add_prefix_space": prefix},
        "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
        "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": "",
                  "end_of_word_suffix": "", "fuse_unk": False, "byte_fallback": False, "vocab": vocab,
                  "merges": merges},
    }


def convert_bert(config, hf):
    require(config, "hidden_act", ["gelu"], "gelu")
    require(config, "position_embedding_type", ["absolute"], "absolute")
    require(config, "type_vocab_size", [2], 2)
    c = dict(layers=config["num_hidden_layers"], hidden=config["hidden_size"], heads=config["num_attention_heads"],
             intermediate=config["intermediate_size"], max_positions=config["max_position_embeddings"])
    model = gm.BertClassifier(config["vocab_size"], c["layers"], c["hidden"], c["heads"], c["intermediate"],
                              c["max_positions"], len(labels_of(config)))
    set_layer_norm_eps(model, config.get("layer_norm_eps", 1e-12))
    load_into(model, map_state_dict(hf, BERT_RULES, BERT_IGNORED))
    return model, c, c["max_positions"], "WordPiece"


def convert_distilbert(config, hf):
    require(config, "activation", ["gelu"], "gelu")
    c = dict(layers=config["n_layers"], hidden=config["dim"], heads=config["n_heads"],
             intermediate=config["hidden_dim"], max_positions=config["max_position_embeddings"])
    model = DistilBertClassifier(config["vocab_size"], c["layers"], c["hidden"], c["heads"], c["intermediate"],
                                 c["max_positions"], len(labels_of(config)))
    # transformers' DistilBERT builds every LayerNorm with eps 1e-12, whatever the config says
    set_layer_norm_eps(model, 1e-12)
    load_into(model, map_state_dict(hf, DISTILBERT_RULES, DISTILBERT_IGNORED))
    return model, c, c["max_positions"], "WordPiece"


def convert_roberta(config, hf):
    require(config, "hidden_act", ["gelu"], "gelu")
    require(config, "position_embedding_type", ["absolute"], "absolute")
    pad = config.get("pad_token_id", 1)
    c = dict(layers=config["num_hidden_layers"], hidden=config["hidden_size"], heads=config["num_attention_heads"],
             intermediate=config["intermediate_size"], max_positions=config["max_position_embeddings"],
             type_vocab_size=config.get("type_vocab_size", 1), pad_token_id=pad)
    model = RobertaClassifier(config["vocab_size"], c["layers"], c["hidden"], c["heads"], c["intermediate"],
                              c["max_positions"], c["type_vocab_size"], pad, len(labels_of(config)))
    set_layer_norm_eps(model, config.get("layer_norm_eps", 1e-5))
    load_into(model, map_state_dict(hf, ROBERTA_RULES, ROBERTA_IGNORED))
    # positions start at pad + 1: 514 position embeddings hold 512 tokens
    return model, c, c["max_positions"] - pad - 1, "BPE"


TEXT_CONVERTERS = {
    "BertForSequenceClassification": convert_bert,
    "DistilBertForSequenceClassification": convert_distilbert,
    "RobertaForSequenceClassification": convert_roberta,
}


def convert_text(arch_name, folder, config, hf, args):
    labels = labels_of(config)
    model, c, max_tokens, tokenizer_type = TEXT_CONVERTERS[arch_name](config, hf)
    tok = tokenizer_for(folder, tokenizer_type)
    max_length = args.max_length or min(512, max_tokens)
    if max_length > max_tokens:
        raise SystemExit(f"--max-length {max_length} exceeds the {max_tokens} tokens the model's positions hold")

    out = fresh_folder(args)
    gen = torch.Generator().manual_seed(gm.SEED)
    example = gm.random_text_batch(gen, 2, 8, config["vocab_size"])
    loaded = gm.save_traced(model, example, os.path.join(out, args.name + ".pt"))
    with torch.no_grad():
        worst = 0.0
        for b, s in ((1, 5), (3, 17), (2, min(64, max_length))):
            inputs = gm.random_text_batch(gen, b, s, config["vocab_size"], lengths=[max(1, s - i) for i in range(b)])
            worst = max(worst, gm.max_diff(loaded(*inputs), model(*inputs)))
    gm.check(worst < 1e-4, f"TorchScript vs eager, 3 shapes with padding: max diff {worst:.2e}")
    gm.write_json(os.path.join(out, "tokenizer.json"), tok)
    hf_config = dict(config)
    hf_config.update(gm.labels_config(labels))
    hf_config["inferq_weights"] = "converted from a Hugging Face checkpoint (models/convert_hf.py)"
    gm.write_json(os.path.join(out, "config.json"), hf_config)
    gm.write_text(os.path.join(out, "serving.properties"), gm.TEXT_SERVING.format(
        name=args.name, max_length=max_length, max_positions=max_tokens))
    arch = {"type": arch_name, **c, "vocab_size": config["vocab_size"]}
    return out, labels, arch, "text-classification"


def preprocessor(folder, config):
    path = os.path.join(folder, "preprocessor_config.json")
    pre = {}
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            pre = json.load(f)
    size = pre.get("size") or square(config, "image_size", 224)
    if isinstance(size, dict):
        height, width = size.get("height", size.get("shortest_edge")), size.get("width", size.get("shortest_edge"))
    elif isinstance(size, (list, tuple)):
        height, width = size
    else:
        height = width = size
    mean = pre.get("image_mean", [0.5, 0.5, 0.5])
    std = pre.get("image_std", [0.5, 0.5, 0.5])
    if pre.get("do_rescale", True) is False or abs(pre.get("rescale_factor", 1 / 255) - 1 / 255) > 1e-9:
        raise SystemExit("only rescale by 1/255 (the Java side's ToTensor) is supported")
    return int(height), int(width), [float(m) for m in mean], [float(s) for s in std]


def square(config, key, default):
    """ViTConfig's image_size and patch_size: an int, or [height, width] (only square ones are supported)."""
    value = config.get(key, default)
    if isinstance(value, (list, tuple)):
        if len(value) != 2 or value[0] != value[1]:
            raise SystemExit(f"config.json {key}={value}: only square sizes are supported")
        value = value[0]
    return int(value)


def convert_vit(folder, config, hf, args):
    labels = labels_of(config)
    require(config, "hidden_act", ["gelu"], "gelu")
    require(config, "qkv_bias", [True], True)
    require(config, "num_channels", [3], 3)
    height, width, mean, std = preprocessor(folder, config)
    image, patch = square(config, "image_size", 224), square(config, "patch_size", 16)
    if (height, width) != (image, image):
        raise SystemExit(f"preprocessor size {height}x{width} differs from the model's image_size {image}")
    if image % patch:
        raise SystemExit(f"image_size {image} is not a multiple of patch_size {patch}")
    c = dict(patch=patch, hidden=config["hidden_size"], layers=config["num_hidden_layers"],
             heads=config["num_attention_heads"], mlp=config["intermediate_size"], image=image)
    model = gm.VitClassifier(c["patch"], c["hidden"], c["layers"], c["heads"], c["mlp"], c["image"], len(labels))
    set_layer_norm_eps(model, config.get("layer_norm_eps", 1e-12))
    load_into(model, map_state_dict(hf, VIT_RULES, VIT_IGNORED))

    out = fresh_folder(args)
    gen = torch.Generator().manual_seed(gm.SEED)
    example = torch.rand(2, 3, image, image, generator=gen)
    loaded = gm.save_traced(model, example, os.path.join(out, args.name + ".pt"))
    with torch.no_grad():
        worst = max(gm.max_diff(loaded(x), model(x))
                    for x in (torch.rand(b, 3, image, image, generator=gen) * 2 - 1 for b in (1, 3)))
    gm.check(worst < 1e-4, f"TorchScript vs eager, batch 1 and 3: max diff {worst:.2e}")
    variants = ""
    if args.variants:
        images = gm.fidelity_images(args.fidelity_images, image, mean, std)
        variants = gm.write_image_variants(out, args.name, model, example, images, random_weights=False)
    gm.write_text(os.path.join(out, "synset.txt"), "".join(label + "\n" for label in labels))
    hf_config = dict(config)
    hf_config.update(gm.labels_config(labels))
    hf_config["inferq_weights"] = "converted from a Hugging Face checkpoint (models/convert_hf.py)"
    gm.write_json(os.path.join(out, "config.json"), hf_config)
    serving = gm.IMAGE_SERVING.format(model_name=args.name, variants=variants)
    serving = serving.replace("mean=0.5,0.5,0.5", "mean=" + ",".join(repr(m) for m in mean))
    serving = serving.replace("std=0.5,0.5,0.5", "std=" + ",".join(repr(s) for s in std))
    serving = serving.replace("width=224\nheight=224", f"width={width}\nheight={height}")
    serving = serving.replace("[batch, 3, 224, 224]", f"[batch, 3, {height}, {width}]")
    serving = serving.replace("image.pt (TorchScript, float32), the variants listed below",
                              f"{args.name}.pt (TorchScript, float32), the variants listed below if converted with"
                              " --variants")
    gm.write_text(os.path.join(out, "serving.properties"), serving)
    arch = {"type": "ViTForImageClassification", **c}
    return out, labels, arch, "image-classification"


def fresh_folder(args):
    out = os.path.join(args.out, args.name)
    if os.path.isdir(out):
        shutil.rmtree(out)
    os.makedirs(out)
    return out


def main(argv=None, command=None):
    """argv: the converter's arguments (default sys.argv[1:]); command: what the model card records as the command
    that made the folder (default this script with argv), for a caller such as fetch_hf.py."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", help="Hugging Face checkpoint folder")
    parser.add_argument("--name", required=True, help="inferq model name (output folder and .pt name)")
    parser.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "full"))
    parser.add_argument("--max-length", type=int, help="text: serving maxLength (default min(512, positions))")
    parser.add_argument("--source", help="where the checkpoint comes from, for the model card")
    parser.add_argument("--licence", default="as stated by the checkpoint's source", help="for the model card")
    parser.add_argument("--dataset", default="as stated by the checkpoint's source", help="for the model card")
    parser.add_argument("--variants", action="store_true",
                        help="ViT: also write <name>_bf16.pt and <name>_int8.pt with their fidelity against float32, "
                             "as candidates the worker measures (models/README.md)")
    parser.add_argument("--fidelity-images", type=int, default=240,
                        help="ViT with --variants: images in the fixed fidelity set (default 240)")
    parser.add_argument("--labels", help="comma-separated label names in class-id order, replacing id2label's")
    args = parser.parse_args(argv)
    LABEL_OVERRIDE[:] = args.labels.split(",") if args.labels else []
    torch.set_num_threads(min(2, os.cpu_count() or 1))
    with open(os.path.join(args.folder, "config.json"), encoding="utf-8") as f:
        config = json.load(f)
    hf, weights_file = read_state_dict(args.folder)
    arch_names = config.get("architectures") or []
    text = [a for a in arch_names if a in TEXT_CONVERTERS]
    if text:
        out, labels, arch, task = convert_text(text[0], args.folder, config, hf, args)
    elif "ViTForImageClassification" in arch_names:
        out, labels, arch, task = convert_vit(args.folder, config, hf, args)
    else:
        raise SystemExit(f"architectures {arch_names}: supported are {', '.join(TEXT_CONVERTERS)} and "
                         f"ViTForImageClassification")
    source = args.source or os.path.abspath(args.folder)
    card = {
        "name": args.name,
        "task": task,
        "labels": labels,
        "architecture": arch,
        "weights": "converted",
        "dataset": {"name": args.dataset, "source": source, "licence": args.licence},
        "metrics": {},
        "date": datetime.date.today().isoformat(),
        "command": command or "/usr/bin/python3 models/convert_hf.py " + " ".join(sys.argv[1:] if argv is None
                                                                                else argv),
        "note": f"converted from {weights_file} by models/convert_hf.py; metrics are the checkpoint's own, "
                f"not measured here",
    }
    gm.write_json(os.path.join(out, "model-card.json"), card)
    print(f"{args.name}: {arch['type']} from {weights_file} -> {out} ({len(labels)} labels)")
    if LABEL_OVERRIDE:
        # --labels renames by class id only: show what each id was called, for a check against the model card
        own = config["id2label"]
        print("  labels renamed: " + ", ".join(f"{k} {own[k]} -> {labels[i]}"
                                              for i, k in enumerate(sorted(own, key=int))))
    return out


if __name__ == "__main__":
    main()
