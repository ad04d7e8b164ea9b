#!/usr/bin/env python3
"""Export the trained checkpoint as a bitnet-b1.58 GGUF (I2_S ternary, F16 embedding), check it, and
write the reference logits.

Checks: the GGUF is read back with gguf_io.read, its tensors are decoded independently of the
PyTorch model, a float64 NumPy forward pass over those decoded tensors is compared with the
PyTorch eval-mode logits (which use the F16-rounded embedding), and the file size is checked.

Outputs in --out: demo.gguf, reference.json, logits.f32 (little-endian float32 [positions][vocab],
row i = logits after token i).

Usage:
    /usr/bin/python3 export_gguf.py --work /tmp/train-work --out ../../src/main/resources/dev/bitnet/examples/demo
"""
import argparse
import json
import os

import numpy as np
import torch

import gguf_io
from bpe import Tokenizer
from model import BitNet, Config, ternarize

ARCH = "bitnet-b1.58"
REFERENCE_TEXT = ("The jury said that the city had been well operated, and the mayor thanked the people "
                  "of Atlanta for their help in the election. He said the new laws would be studied next year.")
TOKENIZER_CASES = [
    "Hello, world!",
    "It's 1961 -- they'll say \"no\" and I'd agree.",
    "The man walked into the room.\nHe sat down by the window and looked at the river.",
    "  Two  spaces,\ttabs\tand 12345 digits; QUOTES: 'single' and `back`?!",
    "Caf\u00e9 na\u00efve r\u00e9sum\u00e9 \u2014 \u4e2d\u6587 \U0001F600",
]


def load(work: str) -> tuple[BitNet, Tokenizer]:
    ckpt = torch.load(os.path.join(work, "model.pt"))
    model = BitNet(Config(**ckpt["config"]))
    model.load_state_dict(ckpt["state"])
    model.eval()
    return model, Tokenizer.load(os.path.join(work, "tokenizer.json"))


def build(model: BitNet, tok: Tokenizer, name: str) -> gguf_io.Writer:
    cfg = model.cfg
    w = gguf_io.Writer()
    w.string("general.architecture", ARCH)
    w.string("general.name", name)
    w.u32("general.alignment", gguf_io.ALIGN)
    w.u32(f"{ARCH}.vocab_size", cfg.vocab)
    w.u32(f"{ARCH}.context_length", cfg.context)
    w.u32(f"{ARCH}.embedding_length", cfg.d_model)
    w.u32(f"{ARCH}.block_count", cfg.layers)
    w.u32(f"{ARCH}.feed_forward_length", cfg.ffn)
    w.u32(f"{ARCH}.rope.dimension_count", cfg.head_dim)
    w.u32(f"{ARCH}.attention.head_count", cfg.heads)
    w.u32(f"{ARCH}.attention.head_count_kv", cfg.kv_heads)
    w.f32(f"{ARCH}.attention.layer_norm_rms_epsilon", 1e-5)
    w.f32(f"{ARCH}.rope.freq_base", cfg.rope_theta)
    w.u32("general.file_type", 40)
    w.string("tokenizer.ggml.model", "gpt2")
    w.string("tokenizer.ggml.pre", "llama-bpe")
    w.strings("tokenizer.ggml.tokens", tok.tokens)
    w.i32s("tokenizer.ggml.token_type", [3 if i >= len(tok.tokens) - 3 else 1 for i in range(len(tok.tokens))])
    w.strings("tokenizer.ggml.merges", [a + " " + b for a, b in tok.merges])
    w.u32("tokenizer.ggml.bos_token_id", tok.bos)
    w.u32("tokenizer.ggml.eos_token_id", tok.eos)
    w.bool("tokenizer.ggml.add_bos_token", True)

    def f32(t: torch.Tensor) -> bytes:
        return t.detach().numpy().astype("<f4").tobytes()

    def i2s(lin) -> tuple[tuple[int, int], bytes]:
        t, s = ternarize(lin.weight.detach())
        return (lin.in_features, lin.out_features), gguf_io.pack_i2s(t.numpy(), float(s))

    emb = model.embed.weight.detach().numpy().astype("<f2")
    w.tensor("token_embd.weight", (cfg.d_model, cfg.vocab), gguf_io.F16, emb.tobytes())
    w.tensor("output_norm.weight", (cfg.d_model,), gguf_io.F32, f32(model.output_norm.weight))
    for i, b in enumerate(model.blocks):
        p = f"blk.{i}."
        w.tensor(p + "attn_norm.weight", (cfg.d_model,), gguf_io.F32, f32(b.attn_norm.weight))
        for gname, lin in (("attn_q", b.q), ("attn_k", b.k), ("attn_v", b.v), ("attn_output", b.o)):
            ne, data = i2s(lin)
            w.tensor(p + gname + ".weight", ne, gguf_io.I2_S, data)
        w.tensor(p + "attn_sub_norm.weight", (cfg.heads * cfg.head_dim,), gguf_io.F32, f32(b.attn_sub_norm.weight))
        w.tensor(p + "ffn_norm.weight", (cfg.d_model,), gguf_io.F32, f32(b.ffn_norm.weight))
        for gname, lin in (("ffn_gate", b.gate), ("ffn_up", b.up), ("ffn_down", b.down)):
            ne, data = i2s(lin)
            w.tensor(p + gname + ".weight", ne, gguf_io.I2_S, data)
        w.tensor(p + "ffn_sub_norm.weight", (cfg.ffn,), gguf_io.F32, f32(b.ffn_sub_norm.weight))
    return w


def gguf_forward(path: str, tokens: list[int]) -> np.ndarray:
    """Logits computed in float64 from the GGUF's own bytes, without the PyTorch model."""
    meta, tensors = gguf_io.read(path)
    a = ARCH + "."
    d, layers = meta[a + "embedding_length"], meta[a + "block_count"]
    heads, kv_heads, hd = meta[a + "attention.head_count"], meta[a + "attention.head_count_kv"], meta[a + "rope.dimension_count"]
    eps, theta = meta[a + "attention.layer_norm_rms_epsilon"], meta[a + "rope.freq_base"]

    def get(name):
        ne, t, data = tensors[name]
        n = int(np.prod(ne))
        if t == gguf_io.F32:
            return np.frombuffer(data, "<f4", n).astype(np.float64).reshape(ne[::-1])
        if t == gguf_io.F16:
            return np.frombuffer(data, "<f2", n).astype(np.float64).reshape(ne[::-1])
        vals, scale = gguf_io.unpack_i2s(data, n)
        return vals.astype(np.float64).reshape(ne[::-1]), scale

    def norm(x, wt):
        return x / np.sqrt((x * x).mean(-1, keepdims=True) + eps) * wt

    def bitlinear(x, packed):
        t, s = packed
        sa = 127.0 / np.maximum(np.abs(x).max(-1, keepdims=True), 1e-5)
        q = np.clip(np.round(x * sa), -128, 127)
        return (q @ t.T) / sa * s

    n = len(tokens)
    half = hd // 2
    ang = np.arange(n)[:, None] * theta ** (-np.arange(half) * 2.0 / hd)[None, :]
    cos, sin = np.cos(ang)[:, None, :], np.sin(ang)[:, None, :]

    def rope(x):
        x1, x2 = x[..., :half], x[..., half:]
        return np.concatenate([x1 * cos - x2 * sin, x1 * sin + x2 * cos], -1)

    emb = get("token_embd.weight")
    h = emb[tokens]
    mask = np.triu(np.full((n, n), -np.inf), 1)
    for i in range(layers):
        p = f"blk.{i}."
        x = norm(h, get(p + "attn_norm.weight"))
        q = rope(bitlinear(x, get(p + "attn_q.weight")).reshape(n, heads, hd))
        k = rope(bitlinear(x, get(p + "attn_k.weight")).reshape(n, kv_heads, hd))
        v = bitlinear(x, get(p + "attn_v.weight")).reshape(n, kv_heads, hd)
        out = np.empty((n, heads, hd))
        for hh in range(heads):
            kvh = hh // (heads // kv_heads)
            att = q[:, hh] @ k[:, kvh].T / np.sqrt(hd) + mask
            att = np.exp(att - att.max(-1, keepdims=True))
            out[:, hh] = (att / att.sum(-1, keepdims=True)) @ v[:, kvh]
        h = h + bitlinear(norm(out.reshape(n, heads * hd), get(p + "attn_sub_norm.weight")), get(p + "attn_output.weight"))
        x = norm(h, get(p + "ffn_norm.weight"))
        m = np.maximum(bitlinear(x, get(p + "ffn_gate.weight")), 0) ** 2 * bitlinear(x, get(p + "ffn_up.weight"))
        h = h + bitlinear(norm(m, get(p + "ffn_sub_norm.weight")), get(p + "ffn_down.weight"))
    return norm(h, get("output_norm.weight")) @ emb.T


@torch.no_grad()
def greedy(model: BitNet, tokens: list[int], count: int) -> list[int]:
    out = list(tokens)
    for _ in range(count):
        out.append(int(model(torch.tensor([out[-model.cfg.context:]]))[0, -1].argmax()))
    return out[len(tokens):]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", default="/tmp/train-work")
    ap.add_argument("--out", required=True)
    ap.add_argument("--name", default="bitnet-demo-brown")
    args = ap.parse_args()
    torch.set_num_threads(2)
    model, tok = load(args.work)
    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, "demo.gguf")
    build(model, tok, args.name).write(path)
    size = os.path.getsize(path)
    if size > 20 * 1024 * 1024:
        raise SystemExit(f"{path} is {size} bytes, over the 20 MB limit")

    tokens = tok.encode(REFERENCE_TEXT, bos=True)
    if tok.decode(tokens) != REFERENCE_TEXT:
        raise SystemExit("tokenizer does not round-trip the reference text")
    with torch.no_grad():
        ref = model(torch.tensor([tokens]))[0].numpy().astype(np.float32)
    independent = gguf_forward(path, tokens)
    diff = np.abs(independent - ref)
    top2 = np.sort(ref, axis=-1)[:, -2:]
    gap = top2[:, 1] - top2[:, 0]
    agree = independent.argmax(-1) == ref.argmax(-1)
    print(f"GGUF re-read vs PyTorch: mean abs {diff.mean():.5f}, max abs {diff.max():.5f}, "
          f"argmax agreement {agree.sum()}/{len(tokens)} (disagreements at gaps {gap[~agree].round(3).tolist()}); "
          f"logit std {ref.std():.3f}")
    if diff.mean() > 0.04 or diff.max() > 0.3 or not np.all(agree | (gap < 0.25)):
        raise SystemExit("the GGUF does not reproduce the PyTorch logits within the fixture tolerance")

    ref.astype("<f4").tofile(os.path.join(args.out, "logits.f32"))
    prompt = tokens[:16]
    reference = {
        "text": REFERENCE_TEXT,
        "tokens": tokens,
        "vocab": model.cfg.vocab,
        "positions": len(tokens),
        "logits_file": "logits.f32",
        "greedy": {"prompt": prompt, "generated": greedy(model, prompt, 16)},
        "tokenizer_cases": [{"text": t, "ids": tok.encode(t)} for t in TOKENIZER_CASES],
    }
    with open(os.path.join(args.out, "reference.json"), "w", encoding="utf-8") as f:
        json.dump(reference, f, ensure_ascii=False, indent=1)
    print(f"wrote {path} ({size} bytes), reference.json and logits.f32 ({len(tokens)} positions)")


if __name__ == "__main__":
    main()
