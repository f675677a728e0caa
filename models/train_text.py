#!/usr/bin/python3
"""Train inferq's two text classifiers (disaster, sentiment) and write them in DJL's layout.

Why this script exists
----------------------
generate_models.py fills the models with seeded random weights; these two are small enough to train from scratch
on the data sets in ../shared/data on a CPU. The model is generate_models.BertClassifier (the same forward contract
and the same parameter names the Java side and convert_hf.py rely on), the tokenizer the real bert-base-uncased
WordPiece with its vocabulary pruned to what the training split uses (see wordpiece.py for why the Python
tokenization equals DJL's).

For each model: a stratified 80/10/10 split fixed by SPLIT_SEED, training with early stopping on the validation
split, test accuracy and F1 beside a TF-IDF + logistic-regression baseline on the same split, and in
models/<size>/<name>/: <name>.pt, tokenizer.json, config.json, serving.properties, model-card.json and
eval/test-sample.jsonl (a fixed part of the test split with the ids and prediction this script computed, for the
Java test TrainedTextModelsIT). Runs are deterministic: the same command on the same torch build gives the same
metrics and weights.

Usage
-----
  /usr/bin/python3 models/train_text.py --size tiny|full [--models disaster,sentiment] [--out DIR]
      [--data DIR] [--max-epochs N]

Needs Debian's torch and scikit-learn (`apt-get install -y python3-torch libopenblas0-pthread python3-sklearn`).
"""

import argparse
import csv
import datetime
import inspect
import json
import math
import os
import random
import shutil
import sys
import threading
import time

# OpenBLAS keeps its own thread pool besides torch's (set_num_threads does not reach it in every build); one thread,
# like torch's below, before torch loads it
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import generate_models as gm  # noqa: E402
import wordpiece as wp  # noqa: E402

SPLIT_SEED = 20261201
TRAIN_SEED = 20261202
HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_DATA = os.path.normpath(os.path.join(HERE, "..", "..", "shared", "data"))
if not os.path.isdir(DEFAULT_DATA):
    DEFAULT_DATA = "/work/shared/data"

# BertClassifier shapes and training settings; max_length is both the trained sequence length (and position count)
# and serving.properties' maxLength
SIZES = {
    "tiny": dict(layers=2, hidden=64, heads=2, intermediate=256, max_length=64,
                 lr=1e-3, batch=32, max_epochs=30, patience=3, dropout=0.1, weight_decay=0.01,
                 min_count=1),
    # huawei-noah/TinyBERT_General_4L_312D shapes
    "full": dict(layers=4, hidden=312, heads=12, intermediate=1200, max_length=64,
                 lr=5e-4, batch=32, max_epochs=8, patience=2, dropout=0.1, weight_decay=0.01,
                 min_count=1),
}
SAMPLE_SIZE = 400  # texts of the test split committed for the Java test (all of it when smaller)

DATASETS = {
    "disaster": dict(
        labels=["not_disaster", "disaster"],
        name="Natural Language Processing with Disaster Tweets (Kaggle nlp-getting-started, train.csv)",
        source="Figure Eight 'Disasters on social media' via github.com/IMvision12/Tweets-Classification-NLP "
               "train.csv (blob 27ead09e); see shared/data/SOURCES.md",
        licence="not stated in the source repository (Figure Eight's Data For Everyone release; "
                "reported as CC0, unconfirmed)"),
    "sentiment": dict(
        labels=["negative", "positive"],
        name="UCI Sentiment Labelled Sentences (Kotzias et al., KDD 2015): amazon_cells, imdb, yelp",
        source="UCI ML Repository dataset 331 (doi:10.24432/C57604) via github.com/k3v1n-KI/semtement_analyzer; "
               "see shared/data/SOURCES.md",
        licence="CC BY 4.0 (UCI listing, unconfirmed here); cite Kotzias, Denil, de Freitas, Smyth, KDD 2015"),
}


# --------------------------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------------------------

def load_examples(name, data_dir):
    """[(text, label, stratum)]; the stratum keeps each source file's share equal across the splits."""
    if name == "disaster":
        path = os.path.join(data_dir, "disaster-tweets", "train.csv")
        with open(path, encoding="utf-8", newline="") as f:
            # a real CSV parser: some fields are quoted, with commas and newlines inside
            return [(r["text"], int(r["target"]), r["target"]) for r in csv.DictReader(f)]
    examples = []
    for source in ("amazon_cells", "imdb", "yelp"):
        with open(os.path.join(data_dir, "sentiment", f"{source}_labelled.txt"), encoding="utf-8") as f:
            for line in f:
                line = line.rstrip("\n")
                if not line:
                    continue
                # imdb has unbalanced quotes: split on the last TAB, not with a CSV reader
                text, label = line.rsplit("\t", 1)
                examples.append((text, int(label), f"{source}/{label}"))
    return examples


def stratified_split(examples, seed):
    """80/10/10 per stratum, after a seeded shuffle of each stratum (in file order before it)."""
    rng = random.Random(seed)
    strata = {}
    for i, ex in enumerate(examples):
        strata.setdefault(ex[2], []).append(i)
    train, val, test = [], [], []
    for key in sorted(strata):
        idx = strata[key]
        rng.shuffle(idx)
        n_val = n_test = round(len(idx) * 0.1)
        test += idx[:n_test]
        val += idx[n_test:n_test + n_val]
        train += idx[n_test + n_val:]
    return sorted(train), sorted(val), sorted(test)


# --------------------------------------------------------------------------------------------
# Model
# --------------------------------------------------------------------------------------------

def train_logits(model, ids, mask, types, p):
    """BertClassifier.forward with dropout after the embeddings, each sub-block and the pooler. Dropout is only
    for training: the traced model is the plain forward (eval), so the served contract is unchanged."""
    position_ids = torch.cumsum(torch.ones_like(ids), dim=1) - 1
    x = (model.word_embeddings(ids) + model.position_embeddings(position_ids)
         + model.token_type_embeddings(types))
    x = F.dropout(model.embeddings_norm(x), p)
    keep = mask.to(torch.float32).unsqueeze(1).unsqueeze(2)
    additive_mask = (1.0 - keep) * torch.finfo(torch.float32).min
    for layer in model.layers:
        x = layer.attention_norm(x + F.dropout(layer.attention(x, additive_mask), p))
        x = layer.output_norm(x + F.dropout(layer.output(F.gelu(layer.intermediate(x))), p))
    pooled = F.dropout(torch.tanh(model.pooler(x[:, 0])), p)
    return model.classifier(pooled)


def init_bert(model):
    """BERT's own init: normal(0, 0.02) weights and embeddings, zero biases, LayerNorm 1/0."""
    for name, param in model.named_parameters():
        if param.dim() == 1:
            (torch.nn.init.ones_ if "norm" in name and name.endswith("weight") else torch.nn.init.zeros_)(param)
        else:
            torch.nn.init.normal_(param, std=0.02)
    with torch.no_grad():
        model.word_embeddings.weight[0].zero_()  # [PAD]


def batch_tensors(encoded, pad_id):
    width = max(len(e) for e in encoded)
    ids = torch.full((len(encoded), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(encoded), width), dtype=torch.long)
    for i, e in enumerate(encoded):
        ids[i, :len(e)] = torch.tensor(e)
        mask[i, :len(e)] = 1
    return ids, mask, torch.zeros_like(ids)


def predict(model, encoded, pad_id, batch=128):
    model.eval()
    with torch.no_grad():
        # sorted by length so that batches carry little padding; results put back in input order
        order = sorted(range(len(encoded)), key=lambda i: len(encoded[i]))
        logits = [None] * len(encoded)
        for s in range(0, len(order), batch):
            chunk = order[s:s + batch]
            res = model(*batch_tensors([encoded[i] for i in chunk], pad_id))
            for i, row in zip(chunk, res):
                logits[i] = row
    return torch.stack(logits)


def metrics(pred, gold):
    tp = sum(1 for p, g in zip(pred, gold) if p == 1 and g == 1)
    fp = sum(1 for p, g in zip(pred, gold) if p == 1 and g == 0)
    fn = sum(1 for p, g in zip(pred, gold) if p == 0 and g == 1)
    acc = sum(1 for p, g in zip(pred, gold) if p == g) / len(gold)
    f1 = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
    return {"accuracy": round(acc, 4), "f1": round(f1, 4)}


def train_model(cfg, vocab_size, pad_id, train_enc, train_y, val_enc, val_y, labels, max_epochs, log):
    torch.manual_seed(TRAIN_SEED)
    model = gm.BertClassifier(vocab_size, cfg["layers"], cfg["hidden"], cfg["heads"], cfg["intermediate"],
                              cfg["max_length"], len(labels))
    init_bert(model)
    decay = [p for n, p in model.named_parameters() if p.dim() > 1]
    no_decay = [p for n, p in model.named_parameters() if p.dim() <= 1]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": cfg["weight_decay"]},
                             {"params": no_decay, "weight_decay": 0.0}], lr=cfg["lr"])
    steps_per_epoch = math.ceil(len(train_enc) / cfg["batch"])
    total, warmup = steps_per_epoch * max_epochs, steps_per_epoch
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min((s + 1) / warmup, max(0.0, (total - s) / max(1, total - warmup))))
    rng = random.Random(TRAIN_SEED)
    best, best_state, best_epoch, stale = None, None, 0, 0
    for epoch in range(1, max_epochs + 1):
        model.train()
        order = list(range(len(train_enc)))
        rng.shuffle(order)
        seen, loss_sum = 0, 0.0
        for s in range(0, len(order), cfg["batch"]):
            chunk = order[s:s + cfg["batch"]]
            ids, mask, types = batch_tensors([train_enc[i] for i in chunk], pad_id)
            y = torch.tensor([train_y[i] for i in chunk])
            loss = F.cross_entropy(train_logits(model, ids, mask, types, cfg["dropout"]), y)
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            loss_sum += loss.item() * len(chunk)
            seen += len(chunk)
        logits = predict(model, val_enc, pad_id)
        val_loss = F.cross_entropy(logits, torch.tensor(val_y)).item()
        m = metrics(logits.argmax(-1).tolist(), val_y)
        # early stopping on validation accuracy, validation loss breaking ties
        score = (m["accuracy"], -val_loss)
        improved = best is None or score > best
        log(f"  epoch {epoch:2d}: train loss {loss_sum / seen:.4f}  val loss {val_loss:.4f}  "
            f"val acc {m['accuracy']:.4f}  f1 {m['f1']:.4f}{'  *' if improved else ''}")
        if improved:
            best, best_epoch, stale = score, epoch, 0
            best_state = {k: v.clone() for k, v in model.state_dict().items()}
        else:
            stale += 1
            if stale >= cfg["patience"]:
                break
    model.load_state_dict(best_state)
    model.eval()
    return model, best_epoch, epoch


def baseline(train_texts, train_y, val_texts, val_y, test_texts, test_y):
    """TF-IDF (word 1-2 grams, sublinear tf) + logistic regression, C chosen on the validation split."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    vec = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1)
    xtr, xva, xte = vec.fit_transform(train_texts), vec.transform(val_texts), vec.transform(test_texts)
    best = None
    for c in (0.25, 0.5, 1, 2, 4, 8, 16, 32):
        clf = LogisticRegression(C=c, solver="liblinear", max_iter=1000).fit(xtr, train_y)
        acc = metrics(clf.predict(xva).tolist(), val_y)["accuracy"]
        if best is None or acc > best[0]:
            best = (acc, c, clf)
    return metrics(best[2].predict(xte).tolist(), test_y), best[1]


# --------------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------------

def verify(eager, loaded, encoded, pad_id, log):
    """The reloaded TorchScript against the eager model on real texts, in several batch shapes, and padding
    invariance (a text alone vs. in a padded batch)."""
    with torch.no_grad():
        worst = 0.0
        for b in (1, 3, 16):
            inputs = batch_tensors(encoded[:b], pad_id)
            worst = max(worst, gm.max_diff(loaded(*inputs), eager(*inputs)))
        gm.check(worst < 1e-4, f"TorchScript vs eager on real texts, batch 1/3/16: max diff {worst:.2e}")
        padded = loaded(*batch_tensors(encoded[:16], pad_id))
        worst = max(gm.max_diff(loaded(*batch_tensors([e], pad_id))[0], padded[i]) for i, e in enumerate(encoded[:16]))
        gm.check(worst < 1e-4, f"padding invariance, 16 texts: max diff {worst:.2e}")


def run(name, size, out_root, data_dir, max_epochs_override, command):
    started = time.time()
    cfg = dict(SIZES[size])
    if max_epochs_override:
        cfg["max_epochs"] = max_epochs_override
    spec = DATASETS[name]
    labels = spec["labels"]
    log = print
    examples = load_examples(name, data_dir)
    train_idx, val_idx, test_idx = stratified_split(examples, SPLIT_SEED)
    log(f"{name}: {len(examples)} examples, split train {len(train_idx)} / val {len(val_idx)} / "
        f"test {len(test_idx)} (seed {SPLIT_SEED})")

    with open(os.path.join(data_dir, "bert-base-uncased", "tokenizer.json"), encoding="utf-8") as f:
        reference = json.load(f)
    full_vocab = reference["model"]["vocab"]
    counts = {}
    for i in train_idx:
        for t in wp.tokenize(examples[i][0], full_vocab):
            counts[t] = counts.get(t, 0) + 1
    # every single ASCII letter/digit, alone and as a continuation, so that unseen words still split into pieces
    # the model has seen rather than becoming [UNK]
    base = [c for c in "abcdefghijklmnopqrstuvwxyz0123456789"]
    base += ["##" + c for c in base]
    keep = {t for t, n in counts.items() if n >= cfg["min_count"]} | {t for t in base if t in full_vocab}
    tokenizer, vocab = wp.pruned_tokenizer_json(reference, keep)
    pad_id = vocab["[PAD]"]
    log(f"  vocabulary: {len(vocab)} of {len(full_vocab)} bert-base-uncased tokens "
        f"(used by the training split, plus specials and single characters)")

    def enc(idx):
        return [wp.encode(examples[i][0], vocab, cfg["max_length"]) for i in idx]

    train_enc, val_enc, test_enc = enc(train_idx), enc(val_idx), enc(test_idx)
    ys = lambda idx: [examples[i][1] for i in idx]  # noqa: E731
    train_y, val_y, test_y = ys(train_idx), ys(val_idx), ys(test_idx)

    t0 = time.time()
    model, best_epoch, epochs_run = train_model(cfg, len(vocab), pad_id, train_enc, train_y, val_enc, val_y,
                                                labels, cfg["max_epochs"], log)
    training_seconds = time.time() - t0
    test_logits = predict(model, test_enc, pad_id)
    test_pred = test_logits.argmax(-1).tolist()
    test_m = metrics(test_pred, test_y)
    texts = lambda idx: [examples[i][0] for i in idx]  # noqa: E731
    base_m, base_c = baseline(texts(train_idx), train_y, texts(val_idx), val_y, texts(test_idx), test_y)
    log(f"  test: accuracy {test_m['accuracy']:.4f} f1 {test_m['f1']:.4f}  |  baseline TF-IDF+LR (C={base_c}): "
        f"accuracy {base_m['accuracy']:.4f} f1 {base_m['f1']:.4f}  |  best epoch {best_epoch} of {epochs_run}, "
        f"{training_seconds:.0f}s")

    folder = os.path.join(out_root, name)
    if os.path.isdir(folder):
        shutil.rmtree(folder)
    os.makedirs(os.path.join(folder, "eval"))
    example = batch_tensors(train_enc[:2], pad_id)
    loaded = gm.save_traced(model, example, os.path.join(folder, name + ".pt"))
    verify(model, loaded, test_enc, pad_id, log)
    gm.write_json(os.path.join(folder, "tokenizer.json"), tokenizer)
    bert = dict(layers=cfg["layers"], hidden=cfg["hidden"], heads=cfg["heads"], intermediate=cfg["intermediate"],
                max_positions=cfg["max_length"])
    config = gm.bert_config(bert, len(vocab), pad_id, labels)
    config["inferq_weights"] = "trained from scratch (models/train_text.py); see model-card.json"
    gm.write_json(os.path.join(folder, "config.json"), config)
    gm.write_text(os.path.join(folder, "serving.properties"), gm.TEXT_SERVING.format(
        name=name, max_length=cfg["max_length"], max_positions=cfg["max_length"]))

    # the committed sample: a seeded choice of test texts, in test-split order, with what this script computed
    sample_pos = sorted(random.Random(SPLIT_SEED + 1).sample(range(len(test_idx)), min(SAMPLE_SIZE, len(test_idx))))
    probs = torch.softmax(test_logits, dim=-1)
    with open(os.path.join(folder, "eval", "test-sample.jsonl"), "w", encoding="utf-8", newline="\n") as f:
        for k in sample_pos:
            f.write(json.dumps({"text": examples[test_idx[k]][0], "label": labels[test_y[k]],
                                "predicted": labels[test_pred[k]],
                                "score": round(probs[k, test_pred[k]].item(), 6),
                                "input_ids": test_enc[k]}, ensure_ascii=False) + "\n")
    sample_m = metrics([test_pred[k] for k in sample_pos], [test_y[k] for k in sample_pos])

    card = {
        "name": name,
        "task": "text-classification",
        "labels": labels,
        "architecture": {"type": "BertForSequenceClassification", "layers": cfg["layers"],
                         "hidden": cfg["hidden"], "heads": cfg["heads"], "intermediate": cfg["intermediate"],
                         "max_positions": cfg["max_length"], "vocab_size": len(vocab),
                         "tokenizer": "bert-base-uncased WordPiece, vocabulary pruned to the training split"},
        "weights": "trained",
        "dataset": {"name": spec["name"], "source": spec["source"], "licence": spec["licence"]},
        "split": {"seed": SPLIT_SEED, "stratified_by": "label" if name == "disaster" else "source file and label",
                  "train": len(train_idx), "validation": len(val_idx), "test": len(test_idx)},
        "training": {"seed": TRAIN_SEED, "epochs_run": epochs_run, "best_epoch": best_epoch,
                     "max_length": cfg["max_length"], "lr": cfg["lr"], "batch": cfg["batch"],
                     "dropout": cfg["dropout"], "weight_decay": cfg["weight_decay"],
                     "early_stopping": f"validation accuracy, patience {cfg['patience']}",
                     "torch": torch.__version__, "threads": torch.get_num_threads()},
        "metrics": {
            "test": test_m,
            "baseline_tfidf_logreg": dict(base_m, C=base_c),
            "sample": dict(sample_m, file="eval/test-sample.jsonl", size=len(sample_pos)),
        },
        "date": datetime.date.today().isoformat(),
        "training_seconds": round(training_seconds, 1),
        "command": command,
    }
    gm.write_json(os.path.join(folder, "model-card.json"), card)
    size_bytes = os.path.getsize(os.path.join(folder, name + ".pt"))
    log(f"  wrote {folder}: {name}.pt {size_bytes:,d} B, sha256 {gm.sha256(os.path.join(folder, name + '.pt'))}; "
        f"sample of {len(sample_pos)}: accuracy {sample_m['accuracy']:.4f}; {time.time() - started:.0f}s in all")
    return card


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", choices=sorted(SIZES), default="tiny")
    parser.add_argument("--models", default="disaster,sentiment")
    parser.add_argument("--out", help="output folder (default models/<size>)")
    parser.add_argument("--data", default=DEFAULT_DATA, help="the shared data folder (default %(default)s)")
    parser.add_argument("--max-epochs", type=int, help="cap on epochs (default per size)")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="override a SIZES setting for this run, e.g. --set dropout=0.2 (for experiments)")
    args = parser.parse_args()
    for item in args.set:
        key, value = item.split("=", 1)
        if key not in SIZES[args.size]:
            raise SystemExit(f"--set {key}: not a setting ({', '.join(SIZES[args.size])})")
        SIZES[args.size][key] = type(SIZES[args.size][key])(value)
    # One thread: CPU kernels split work by thread count, so results are bit-identical only for a fixed count; and
    # these small matrices gain little from a second thread, while on a busy 2-core machine OpenMP threads waiting
    # on each other made an epoch ten times slower.
    torch.set_num_threads(1)
    torch.set_num_interop_threads(1)
    torch.use_deterministic_algorithms(True)
    out = args.out or os.path.join(HERE, args.size)
    command = "/usr/bin/python3 models/train_text.py --size " + args.size + (
        f" --models {args.models}" if args.models != "disaster,sentiment" else "") + (
        f" --max-epochs {args.max_epochs}" if args.max_epochs else "") + "".join(f" --set {i}" for i in args.set)
    print(f"inferq text models: size={args.size} out={out} torch={torch.__version__} data={args.data}")
    for name in args.models.split(","):
        run(name, args.size, out, args.data, args.max_epochs, command)


def _run(outcome):
    try:
        outcome.append(main())
    except BaseException as e:  # re-raised by the caller
        outcome.append(e)


if __name__ == "__main__":
    # TorchScript keeps the traced Python stack as debug info; as in generate_models.py, plain file names and a
    # fresh thread keep the .pt bytes independent of the checkout's location
    gm._path_independent_debug_info()
    for f in [obj for obj in list(globals().values()) if inspect.isfunction(obj) and obj.__module__ == __name__]:
        f.__code__ = f.__code__.replace(co_filename=os.path.basename(__file__))
    result = []
    worker = threading.Thread(target=_run, args=(result,), name="train")
    worker.start()
    worker.join()
    if isinstance(result[0], BaseException):
        raise result[0]
    sys.exit(result[0])
