"""A pure-Python copy of what Hugging Face `tokenizers` does with a bert-base-uncased `tokenizer.json`
(BertNormalizer, BertPreTokenizer, WordPiece, TemplateProcessing `[CLS] $A [SEP]`, longest-first truncation).

Why it exists: neither `tokenizers` nor `transformers` is installable on the build machines, yet the ids the models
are trained on must be exactly those DJL's HF tokenizer (the Rust library) produces at serving time. Each rule
below names the Rust behaviour it copies; TrainedTextModelsIT compares DJL's ids with the ids this module wrote
into the committed test samples.
"""

import re
import unicodedata

SPECIAL_TOKENS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]

# Rust's char::is_whitespace (Unicode White_Space). Python's str.isspace() differs: it also counts U+001C..U+001F,
# which the Rust normalizer drops as control characters instead.
_RUST_WHITESPACE = set("\t\n\x0b\x0c\r \x85\xa0\u1680\u2028\u2029\u202f\u205f\u3000") | {
    chr(c) for c in range(0x2000, 0x200B)}

_CJK_RANGES = [(0x4E00, 0x9FFF), (0x3400, 0x4DBF), (0x20000, 0x2A6DF), (0x2A700, 0x2B73F),
               (0x2B740, 0x2B81F), (0x2B920, 0x2CEAF), (0xF900, 0xFAFF), (0x2F800, 0x2FA1F)]


def _is_whitespace(c):
    return c in _RUST_WHITESPACE


def _is_control(c):
    # tokenizers' bert normalizer: \t \n \r count as whitespace; every other "Other" category (Cc Cf Cn Co Cs) goes
    if c in "\t\n\r":
        return False
    return unicodedata.category(c).startswith("C")


def _is_cjk(c):
    o = ord(c)
    return any(lo <= o <= hi for lo, hi in _CJK_RANGES)


def _is_punctuation(c):
    # is_bert_punc: ASCII punctuation (which includes symbols like $ + < = > ^ ` | ~) or any Unicode P* category
    return (c.isascii() and not c.isalnum() and 33 <= ord(c) <= 126) or unicodedata.category(c).startswith("P")


def normalize(text):
    """BertNormalizer(clean_text, handle_chinese_chars, strip_accents=None -> follows lowercase=True, lowercase)."""
    out = []
    for c in text:
        if c == "\x00" or c == "\ufffd" or _is_control(c):
            continue
        if _is_whitespace(c):
            out.append(" ")
        elif _is_cjk(c):
            out.append(" " + c + " ")
        else:
            out.append(c)
    text = "".join(out)
    # strip accents: NFD, then drop non-spacing marks (Mn); then lowercase char by char as Rust does (no
    # context-dependent final sigma as Python's str.lower() on a whole string would apply)
    text = "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")
    return "".join(c.lower() for c in text)


def pre_tokenize(text):
    """BertPreTokenizer: split on whitespace (removed), then every punctuation character becomes its own word."""
    words = []
    for chunk in text.split(" "):
        # after normalize() every whitespace character is a plain space
        current = []
        for c in chunk:
            if _is_whitespace(c):
                if current:
                    words.append("".join(current))
                current = []
            elif _is_punctuation(c):
                if current:
                    words.append("".join(current))
                current = []
                words.append(c)
            else:
                current.append(c)
        if current:
            words.append("".join(current))
    return words


def wordpiece(word, vocab, unk="[UNK]", prefix="##", max_chars=100):
    """Greedy longest-match-first; a word with any unmatched piece (or over max_chars characters) is one [UNK]."""
    if len(word) > max_chars:
        return [unk]
    pieces, start = [], 0
    while start < len(word):
        end, found = len(word), None
        while start < end:
            piece = word[start:end] if start == 0 else prefix + word[start:end]
            if piece in vocab:
                found = piece
                break
            end -= 1
        if found is None:
            return [unk]
        pieces.append(found)
        start = end
    return pieces


_SPECIAL_SPLIT = re.compile("(" + "|".join(re.escape(t) for t in SPECIAL_TOKENS) + ")")


def tokenize(text, vocab):
    """Word pieces of one text, without [CLS]/[SEP]. Special tokens written literally in the text are matched
    before normalisation, as tokenizers does for added tokens with normalized=false."""
    tokens = []
    for part in _SPECIAL_SPLIT.split(text):
        if not part:
            continue
        if part in SPECIAL_TOKENS:
            tokens.append(part)
            continue
        for word in pre_tokenize(normalize(part)):
            tokens.extend(wordpiece(word, vocab))
    return tokens


def encode(text, vocab, max_length):
    """Ids as DJL's translator gets them with addSpecialTokens, truncation=true, maxLength=max_length."""
    pieces = tokenize(text, vocab)[:max_length - 2]
    return [vocab["[CLS]"]] + [vocab[p] for p in pieces] + [vocab["[SEP]"]]


def pruned_tokenizer_json(reference, keep_tokens):
    """The reference bert-base-uncased tokenizer.json with its vocabulary cut to the special tokens followed by
    keep_tokens (in reference id order) and renumbered 0..n-1; added_tokens and the post-processor's [CLS]/[SEP]
    ids follow the new numbering. Greedy longest-match over a subset of the vocabulary segments every word whose
    pieces are all kept exactly as the full vocabulary does, so texts the pruning saw tokenize unchanged."""
    ref_vocab = reference["model"]["vocab"]
    keep = set(keep_tokens) - set(SPECIAL_TOKENS)
    ordered = SPECIAL_TOKENS + sorted(keep, key=lambda t: ref_vocab[t])
    ids = {t: i for i, t in enumerate(ordered)}
    tok = dict(reference)
    tok["added_tokens"] = [dict(a, id=ids[a["content"]]) for a in reference["added_tokens"]]
    post = dict(reference["post_processor"])
    post["special_tokens"] = {k: dict(v, ids=[ids[t] for t in v["tokens"]])
                              for k, v in reference["post_processor"]["special_tokens"].items()}
    tok["post_processor"] = post
    model = {k: v for k, v in reference["model"].items() if k not in ("type", "vocab")}
    # the shared copy's model object lacks "type"; DJL's tokenizer needs it to pick the model
    tok["model"] = {"type": "WordPiece", **model, "vocab": ids}
    return tok, ids
