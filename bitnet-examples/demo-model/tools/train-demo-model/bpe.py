#!/usr/bin/env python3
"""Byte-level BPE (GPT-2 byte alphabet, LLaMA-3 pre-tokenizer): training and encoding.

Vocabulary layout: ids 0..255 are the 256 single bytes in byte order, then one token per learned
merge in rank order, then the three control tokens <|begin_of_text|>, <|end_of_text|>, <|eot_id|>.
Encoding follows Hugging Face semantics for LLaMA-3 tokenizers: a pre-token that is itself in the
vocabulary becomes that one token ("ignore_merges"); otherwise the lowest-ranked adjacent pair is
merged until none is left.

Usage (training):
    /usr/bin/python3 bpe.py /tmp/train-work/train.json 4096 /tmp/train-work/tokenizer.json
"""
import collections
import json
import sys

import regex

LLAMA3_PATTERN = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}"
                  r"| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+")
SPECIALS = ("<|begin_of_text|>", "<|end_of_text|>", "<|eot_id|>")
_SPLIT = regex.compile(LLAMA3_PATTERN)


def bytes_to_unicode() -> dict[int, str]:
    """GPT-2's reversible map from bytes to printable characters."""
    keep = list(range(ord("!"), ord("~") + 1)) + list(range(0xA1, 0xAC + 1)) + list(range(0xAE, 0xFF + 1))
    chars = keep[:]
    extra = 0
    for b in range(256):
        if b not in keep:
            keep.append(b)
            chars.append(256 + extra)
            extra += 1
    return {b: chr(c) for b, c in zip(keep, chars)}


BYTE_CHARS = bytes_to_unicode()
CHAR_BYTES = {c: b for b, c in BYTE_CHARS.items()}


def pre_tokens(text: str) -> list[str]:
    """Pre-tokenize and map each piece to its byte-character string."""
    return ["".join(BYTE_CHARS[b] for b in piece.encode("utf-8")) for piece in _SPLIT.findall(text)]


def train(docs: list[str], vocab_size: int) -> list[tuple[str, str]]:
    """Learn vocab_size - 256 - len(SPECIALS) merges by pair frequency (ties: first pair seen)."""
    counts = collections.Counter()
    for d in docs:
        counts.update(pre_tokens(d))
    words = [list(w) for w in counts]
    freq = list(counts.values())
    pairs: collections.Counter = collections.Counter()
    where: dict[tuple[str, str], set[int]] = collections.defaultdict(set)
    for i, w in enumerate(words):
        for a, b in zip(w, w[1:]):
            pairs[(a, b)] += freq[i]
            where[(a, b)].add(i)
    merges: list[tuple[str, str]] = []
    target = vocab_size - 256 - len(SPECIALS)
    while len(merges) < target and pairs:
        best = max(pairs.items(), key=lambda kv: (kv[1], kv[0]))[0]
        if pairs[best] < 2:
            break
        merges.append(best)
        joined = best[0] + best[1]
        for i in list(where.pop(best, ())):
            w, f = words[i], freq[i]
            for a, b in zip(w, w[1:]):
                pairs[(a, b)] -= f
                if pairs[(a, b)] <= 0:
                    del pairs[(a, b)]
            out, j = [], 0
            while j < len(w):
                if j + 1 < len(w) and w[j] == best[0] and w[j + 1] == best[1]:
                    out.append(joined)
                    j += 2
                else:
                    out.append(w[j])
                    j += 1
            words[i] = out
            for a, b in zip(out, out[1:]):
                pairs[(a, b)] += f
                where[(a, b)].add(i)
    return merges


class Tokenizer:
    """Encoder/decoder over a vocabulary built from merges (see module doc for the id layout)."""

    def __init__(self, merges: list[tuple[str, str]]):
        self.merges = merges
        self.tokens = [BYTE_CHARS[b] for b in range(256)] + [a + b for a, b in merges] + list(SPECIALS)
        self.ids = {t: i for i, t in enumerate(self.tokens)}
        if len(self.ids) != len(self.tokens):
            raise ValueError("duplicate token in vocabulary")
        self.ranks = {m: r for r, m in enumerate(merges)}
        self.bos = self.ids[SPECIALS[0]]
        self.eos = self.ids[SPECIALS[1]]
        self.eot = self.ids[SPECIALS[2]]
        self._cache: dict[str, list[int]] = {}

    @classmethod
    def load(cls, path: str) -> "Tokenizer":
        with open(path, encoding="utf-8") as f:
            return cls([tuple(m.split(" ")) for m in json.load(f)["merges"]])

    def save(self, path: str) -> None:
        with open(path, "w", encoding="utf-8") as f:
            json.dump({"merges": [a + " " + b for a, b in self.merges]}, f, ensure_ascii=False)

    def _bpe(self, piece: str) -> list[int]:
        if piece in self.ids:
            return [self.ids[piece]]
        parts = list(piece)
        while len(parts) > 1:
            ranked = [(self.ranks.get((a, b), 1 << 30), k) for k, (a, b) in enumerate(zip(parts, parts[1:]))]
            rank, k = min(ranked)
            if rank == 1 << 30:
                break
            parts[k:k + 2] = [parts[k] + parts[k + 1]]
        return [self.ids[p] for p in parts]

    def encode(self, text: str, bos: bool = False) -> list[int]:
        out = [self.bos] if bos else []
        for piece in pre_tokens(text):
            ids = self._cache.get(piece)
            if ids is None:
                ids = self._bpe(piece)
                self._cache[piece] = ids
            out.extend(ids)
        return out

    def decode(self, ids: list[int]) -> str:
        data = bytearray()
        for i in ids:
            tok = self.tokens[i]
            if tok in SPECIALS:
                continue
            data.extend(CHAR_BYTES[c] for c in tok)
        return data.decode("utf-8", errors="replace")


def main() -> None:
    src, size, dst = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    with open(src, encoding="utf-8") as f:
        docs = json.load(f)
    tok = Tokenizer(train(docs, size))
    tok.save(dst)
    n = sum(len(tok.encode(d)) for d in docs)
    print(f"vocab {len(tok.tokens)}, {len(tok.merges)} merges, {n} tokens on {src}")


if __name__ == "__main__":
    main()
