#!/usr/bin/env python3
"""Build the tokenizer fixtures under Fixtures/tokenizers/: small tokenizers trained offline with
the `tokenizers` package, a corpus of test strings, and what `tokenizers` makes of each string.

Produces:

    Fixtures/tokenizers/train.txt                 the training text (written once, then reused:
                                                  Python standard-library docstrings + a
                                                  multilingual block written here)
    Fixtures/tokenizers/corpus.json               {"strings": [...]} >= 1,000 test strings: ASCII,
                                                  accents (NFC and NFD), CJK, emoji (ZWJ, flags,
                                                  skin tones), runs of spaces/tabs/newlines, odd
                                                  whitespace, digits, contractions, code, control
                                                  characters, every fixture's special tokens
    Fixtures/tokenizers/NAME/tokenizer.json       one per family variant (see TOKENIZERS)
    Fixtures/tokenizers/NAME/expected.json        {"ids": [[...] per corpus string] (encode with
                                                  add_special_tokens=True), "decoded": [decode(ids)
                                                  or null when equal to the string],
                                                  "decode_cases": [{"ids", "text", "text_skip_special"}]
                                                  random id sequences (invalid UTF-8 included)}

Variants: byte-level BPE as GPT-2 (ByteLevel pre-tokenizer with its built-in regex), GPT-NeoX
(NFC, added non-special whitespace tokens), Qwen2 (NFC, Split regex + ByteLevel, chat specials),
Llama 3 (Split regex + ByteLevel, ignore_merges, BOS template); SentencePiece-style BPE as
Llama 2 (Prepend/Replace normalizer, byte fallback, Replace/ByteFallback/Fuse/Strip decoder,
BOS template) and as the Metaspace conversion (Metaspace pre-tokenizer and decoder, byte
fallback) in two settings. Nothing is downloaded. Deterministic: rerunning rewrites the same files
(for the same `tokenizers` version).

    pip install tokenizers
    python3 tools/make-tokenizer-fixtures.py
"""

import importlib
import inspect
import json
import os
import random
import unicodedata

import tokenizers
from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Fixtures", "tokenizers")
VOCAB_SIZE = 512
CORPUS_SIZE = 1200
DECODE_CASES = 200
# SentencePiece-style: the most frequent characters; the rest go through byte fallback.
SP_ALPHABET = 120

TRAIN_MODULES = ["collections", "json", "re", "string", "textwrap", "functools", "itertools", "heapq", "csv",
                 "random", "tempfile"]
HELD_OUT_MODULES = ["statistics", "difflib", "shutil", "logging"]

MULTILINGUAL = """\
Le café est très bon, mais la crème brûlée est meilleure. Où est la bibliothèque ? À bientôt !
Übermäßig große Straßen führen über die Brücke; Grüße aus München. Das Mädchen läuft schnell.
El niño comió piña en la mañana. ¿Cómo estás? ¡Qué día tan bonito! Señor Muñoz habla español.
Ångström, smörgåsbord, Øresund, æble, naïve, coöperate, façade, jalapeño, São Paulo, Kraków.
Быстрая коричневая лиса прыгает через ленивую собаку. Привет, мир! Спасибо большое.
Η γρήγορη καφέ αλεπού πηδά πάνω από τον τεμπέλη σκύλο. Καλημέρα κόσμε.
日本語のテキストを少し書きます。東京は大きな都市です。今日はいい天気ですね。ありがとう。
中文字符也在这里。我们今天学习分词器。北京和上海都是大城市。谢谢你的帮助。
한국어 문장도 있습니다. 안녕하세요, 세계! 감사합니다. 서울은 큰 도시입니다.
العربية لغة جميلة. مرحبا بالعالم. שלום עולם. हिन्दी में कुछ शब्द। ภาษาไทยก็มีด้วย
Emoji: 👍 🙂 🙃 🎉 🚀 ❤️ 👨‍👩‍👧‍👦 🇫🇷 🇯🇵 👋🏽 ✨ 🔥 — and symbols: € £ ¥ © ® ™ ° ± × ÷ … “quoted” ‘single’.
Numbers: 0 1 2 3 12 123 1234 12345 3.14159 2,718 1e-9 0x1F 100% $42.50 #7 v1.2.3 2024-01-31.
Contractions: it's, don't, I'm, they've, we'll, she'd, you're, IT'S, DON'T, I'LL.
"""


def write_training_text(path):
    parts = []
    for name in TRAIN_MODULES:
        parts.append(module_text(name))
    parts.append(MULTILINGUAL * 3)
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n\n".join(parts))


def module_text(name):
    module = importlib.import_module(name)
    docs = [inspect.getdoc(module) or ""]
    for attr in sorted(dir(module)):
        obj = getattr(module, attr)
        if attr.startswith("_") or not (inspect.isfunction(obj) or inspect.isclass(obj)):
            continue
        if getattr(obj, "__module__", "") == name:
            docs.append(inspect.getdoc(obj) or "")
    return "\n\n".join(d for d in docs if d)


# ---------------------------------------------------------------------------------------------
# Tokenizers

GPT2_SPECIALS = ["<|endoftext|>"]
NEOX_SPECIALS = ["<|endoftext|>", "<|padding|>"]
QWEN_SPECIALS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
LLAMA3_SPECIALS = ["<|begin_of_text|>", "<|end_of_text|>", "<|eot_id|>"]
SP_SPECIALS = ["<unk>", "<s>", "</s>"]

QWEN_PATTERN = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*"
                r"|\s*[\r\n]+|\s+(?!\S)|\s+")
LLAMA3_PATTERN = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*"
                  r"|\s*[\r\n]+|\s+(?!\S)|\s+")


def byte_level(lines, specials, normalizer=None, split=None, ignore_merges=False):
    tok = Tokenizer(models.BPE(ignore_merges=ignore_merges))
    if normalizer is not None:
        tok.normalizer = normalizer
    if split is None:
        tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    else:
        tok.pre_tokenizer = pre_tokenizers.Sequence([
            pre_tokenizers.Split(Regex(split), behavior="isolated", invert=False),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
        ])
    tok.decoder = decoders.ByteLevel()
    tok.post_processor = processors.ByteLevel(trim_offsets=False)
    trainer = trainers.BpeTrainer(vocab_size=VOCAB_SIZE, special_tokens=specials,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    tok.train_from_iterator(lines, trainer)
    return tok


def sentencepiece(lines, style):
    """A Llama-2-style BPE: trained with a Metaspace pre-tokenizer (so merges stay inside words),
    then given the 256 <0xNN> byte tokens after the specials, as Llama 2's vocabulary has them."""
    tok = Tokenizer(models.BPE(unk_token="<unk>", byte_fallback=True, fuse_unk=True))
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    trainer = trainers.BpeTrainer(vocab_size=VOCAB_SIZE, special_tokens=SP_SPECIALS, limit_alphabet=SP_ALPHABET,
                                  show_progress=False)
    tok.train_from_iterator(lines, trainer)
    spec = json.loads(tok.to_str())
    old = spec["model"]["vocab"]
    vocab = {t: i for t, i in old.items() if i < len(SP_SPECIALS)}
    for b in range(256):
        vocab[f"<0x{b:02X}>"] = len(vocab)
    for t, _ in sorted(old.items(), key=lambda kv: kv[1]):
        if t not in vocab:
            vocab[t] = len(vocab)
    spec["model"]["vocab"] = vocab
    for added in spec["added_tokens"]:
        added["id"] = vocab[added["content"]]
    if style == "llama2":
        spec["normalizer"] = {"type": "Sequence", "normalizers": [
            {"type": "Prepend", "prepend": "▁"},
            {"type": "Replace", "pattern": {"String": " "}, "content": "▁"}]}
        spec["pre_tokenizer"] = None
        spec["decoder"] = {"type": "Sequence", "decoders": [
            {"type": "Replace", "pattern": {"String": "▁"}, "content": " "},
            {"type": "ByteFallback"}, {"type": "Fuse"},
            {"type": "Strip", "content": " ", "start": 1, "stop": 0}]}
    else:
        scheme, split = {"metaspace": ("first", False), "metaspace-split": ("always", True)}[style]
        spec["normalizer"] = None
        spec["pre_tokenizer"] = {"type": "Metaspace", "replacement": "▁", "prepend_scheme": scheme, "split": split}
        spec["decoder"] = {"type": "Sequence", "decoders": [
            {"type": "ByteFallback"},
            {"type": "Metaspace", "replacement": "▁", "prepend_scheme": scheme, "split": split}]}
    if style in ("llama2", "metaspace"):
        bos = vocab["<s>"]
        spec["post_processor"] = {
            "type": "TemplateProcessing",
            "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
            "pair": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                     {"SpecialToken": {"id": "<s>", "type_id": 1}}, {"Sequence": {"id": "B", "type_id": 1}}],
            "special_tokens": {"<s>": {"id": "<s>", "ids": [bos], "tokens": ["<s>"]}}}
    return Tokenizer.from_str(json.dumps(spec, ensure_ascii=False))


def with_bos_template(tok, bos):
    spec = json.loads(tok.to_str())
    bos_id = spec["model"]["vocab"][bos]
    spec["post_processor"] = {
        "type": "Sequence", "processors": [
            {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": False, "use_regex": True},
            {"type": "TemplateProcessing",
             "single": [{"SpecialToken": {"id": bos, "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
             "pair": [{"SpecialToken": {"id": bos, "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                      {"SpecialToken": {"id": bos, "type_id": 1}}, {"Sequence": {"id": "B", "type_id": 1}}],
             "special_tokens": {bos: {"id": bos, "ids": [bos_id], "tokens": [bos]}}}]}
    return Tokenizer.from_str(json.dumps(spec, ensure_ascii=False))


def build_tokenizers(lines):
    result = {}
    result["gpt2"] = byte_level(lines, GPT2_SPECIALS)
    neox = byte_level(lines, NEOX_SPECIALS, normalizer=normalizers.NFC())
    # GPT-NeoX's file has non-special added tokens for runs of spaces, matched after normalization.
    neox.add_tokens([tokenizers.AddedToken(" " * n, normalized=True, special=False) for n in (2, 4, 8)])
    result["neox"] = neox
    qwen = byte_level(lines, QWEN_SPECIALS, normalizer=normalizers.NFC(), split=QWEN_PATTERN)
    result["qwen2"] = qwen
    llama3 = byte_level(lines, LLAMA3_SPECIALS, split=LLAMA3_PATTERN, ignore_merges=True)
    result["llama3"] = with_bos_template(llama3, "<|begin_of_text|>")
    for style in ("llama2", "metaspace", "metaspace-split"):
        result[style] = sentencepiece(lines, style)
    # Added tokens with lstrip/rstrip/single_word, as some files have (e.g. Phi's, Gemma's).
    result["metaspace-split"].add_special_tokens([tokenizers.AddedToken("<mask>", lstrip=True, rstrip=True)])
    result["gpt2"].add_tokens([tokenizers.AddedToken("hello", single_word=True, normalized=False)])
    return result


# ---------------------------------------------------------------------------------------------
# Corpus

FRAGMENTS = [
    "Hello, world!", "hello world", "The quick brown fox jumps over the lazy dog.", "café", "naïve façade",
    "e\u0301cole", "Cafe\u0301 au lait", "A\u030angstro\u0308m", "ﬁne ﬂour", "Ｆｕｌｌｗｉｄｔｈ", "①②③",
    "日本語", "東京タワー", "中文", "我爱北京天安门", "한국어", "안녕하세요", "Привет", "Γειά σου",
    "مرحبا", "שלום", "नमस्ते", "สวัสดี", "👍", "👨‍👩‍👧‍👦", "🇫🇷🇯🇵", "👋🏽", "❤️", "🙂🙃", "🚀✨🔥",
    "  ", "   ", "    ", "\t", "\t\t", "\n", "\n\n", "\r\n", " \n ", "\n   \n", "\u00a0", "\u3000",
    "\u2028", "\u000b", "\u000c", "\u0085", "\u200b", "x\u200dy", "\x00", "\x1b[0m", "\x7f",
    "0", "7", "42", "123", "1234", "12345678", "3.14159", "1,000,000", "1e-9", "0x1F", "v1.2.3",
    "it's", "don't", "I'm", "they've", "we'll", "she'd", "you're", "IT'S", "I'LL", "'s", "''", "'",
    "ſ", "'ſ", "K", "def f(x):\n    return x ** 2\n", "if (a && b) { c(); }", "<html><body>",
    "path/to/file.txt", "user@example.com", "https://example.org/a?b=c&d=e", "--flag=value",
    "¿Qué?", "¡Hola!", "Straße", "ß", "ÆØÅ", "œuvre", "İstanbul", "ǅ", "ᾧ", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "𠀋",
    "<|endoftext|>", "<|padding|>", "<|im_start|>", "<|im_end|>", "<|begin_of_text|>", "<|eot_id|>",
    "<s>", "</s>", "<unk>", "<mask>", " <mask> ", "<|endoftext|><|endoftext|>", "<s>hello</s>",
    "hello", " hello", "hellohello", "hello!", "say hello there", "▁", "▁▁x", "<0x41>", "\\n",
]

SEPARATORS = ["", " ", "  ", "\n", "\t", " \n", "", "", " "]


def build_corpus(held_out):
    rng = random.Random(8)
    words = held_out.split()
    lines = [line for line in held_out.splitlines() if line.strip()]
    strings = [""] + FRAGMENTS[:]
    strings += MULTILINGUAL.splitlines()
    while len(strings) < CORPUS_SIZE:
        kind = rng.random()
        if kind < 0.25:
            s = rng.choice(lines)[: rng.randint(5, 90)]
        elif kind < 0.5:
            n = rng.randint(1, 8)
            s = " ".join(rng.choice(words) for _ in range(n))
        elif kind < 0.8:
            pieces = [rng.choice(FRAGMENTS + words) for _ in range(rng.randint(2, 5))]
            s = "".join(p + rng.choice(SEPARATORS) for p in pieces)
        else:
            s = rng.choice(MULTILINGUAL.splitlines())
            a = rng.randint(0, len(s))
            s = s[a: a + rng.randint(1, 40)]
            if rng.random() < 0.3:
                s = unicodedata.normalize("NFD", s)
        if rng.random() < 0.15:
            s = rng.choice(["  ", " ", "\n", "\t"]) + s
        if rng.random() < 0.15:
            s = s + rng.choice(["  ", " ", "\n", "\n\n", "   \n"])
        strings.append(s)
    return strings[:CORPUS_SIZE]


def expected(tok, corpus, rng):
    ids = [tok.encode(s).ids for s in corpus]
    decoded = []
    for s, i in zip(corpus, ids):
        d = tok.decode(i, skip_special_tokens=False)
        decoded.append(None if d == s else d)
    cases = []
    size = tok.get_vocab_size(with_added_tokens=True)
    for _ in range(DECODE_CASES):
        seq = [rng.randrange(size) for _ in range(rng.randint(1, 16))]
        cases.append({"ids": seq, "text": tok.decode(seq, skip_special_tokens=False),
                      "text_skip_special": tok.decode(seq, skip_special_tokens=True)})
    return {"tokenizers_version": tokenizers.__version__, "ids": ids, "decoded": decoded, "decode_cases": cases}


def dump(obj, path, compact=False):
    with open(path, "w", encoding="utf-8") as f:
        if compact:
            # One corpus entry per line keeps diffs readable and the file small.
            f.write("{\n")
            items = list(obj.items())
            for k, (key, value) in enumerate(items):
                f.write(f"{json.dumps(key)}: ")
                if isinstance(value, list):
                    f.write("[\n" + ",\n".join(json.dumps(v, ensure_ascii=False, separators=(",", ":")) for v in value) + "\n]")
                else:
                    f.write(json.dumps(value, ensure_ascii=False))
                f.write(",\n" if k + 1 < len(items) else "\n")
            f.write("}\n")
        else:
            json.dump(obj, f, ensure_ascii=False, indent=1)
            f.write("\n")


def main():
    os.makedirs(OUT, exist_ok=True)
    train_path = os.path.join(OUT, "train.txt")
    if not os.path.exists(train_path):
        write_training_text(train_path)
    with open(train_path, encoding="utf-8") as f:
        lines = f.read().splitlines()
    held_out = "\n".join(module_text(m) for m in HELD_OUT_MODULES)
    corpus = build_corpus(held_out)
    dump({"strings": corpus}, os.path.join(OUT, "corpus.json"), compact=True)
    rng = random.Random(9)
    for name, tok in build_tokenizers(lines).items():
        folder = os.path.join(OUT, name)
        os.makedirs(folder, exist_ok=True)
        spec = json.loads(tok.to_str())
        dump(spec, os.path.join(folder, "tokenizer.json"))
        # Expectations come from the file as written, loaded back: what a user would load.
        loaded = Tokenizer.from_file(os.path.join(folder, "tokenizer.json"))
        dump(expected(loaded, corpus, rng), os.path.join(folder, "expected.json"), compact=True)
        print(f"{name}: vocab {loaded.get_vocab_size()}, {sum(len(i) for i in expected(loaded, corpus[:50], random.Random(0))['ids'])} ids in the first 50 strings")


if __name__ == "__main__":
    main()
