#!/usr/bin/env python3
"""Train the demo BitNet b1.58 model on the prepared corpus (CPU, seeded), from scratch or, with
--init, from the weights of an earlier run of the same shape (the optimizer starts afresh).

Each document is encoded with BOS in front and EOS behind, and all documents are concatenated into one stream;
every step draws batch windows of context+1 tokens at offsets from a seeded generator, so a run
with the same arguments sees the same data in the same order.

Usage:
    OMP_WAIT_POLICY=PASSIVE nice -n 10 /usr/bin/python3 train.py --work /tmp/train-work --steps 700 [--init model.pt]
"""
import argparse
import dataclasses
import json
import math
import os
import time

import torch
import torch.nn.functional as F

from bpe import Tokenizer
from model import BitNet, Config


def token_stream(work: str, split: str, tok: Tokenizer) -> torch.Tensor:
    cache = os.path.join(work, f"{split}.tokens.pt")
    if os.path.exists(cache):
        return torch.load(cache)
    with open(os.path.join(work, f"{split}.json"), encoding="utf-8") as f:
        docs = json.load(f)
    ids: list[int] = []
    for d in docs:
        # BOS opens a document and EOS closes it, so the model learns to end a text with EOS
        ids.extend(tok.encode(d, bos=True))
        ids.append(tok.eos)
    stream = torch.tensor(ids, dtype=torch.int16 if len(tok.tokens) < 32768 else torch.int32)
    torch.save(stream, cache)
    return stream


@torch.no_grad()
def evaluate(model: BitNet, stream: torch.Tensor, context: int, max_windows: int | None = None) -> float:
    """Mean next-token cross entropy over consecutive non-overlapping windows of the stream."""
    model.eval()
    n = (len(stream) - 1) // context
    if max_windows is not None:
        n = min(n, max_windows)
    total, count = 0.0, 0
    for start in range(0, n, 8):
        rows = range(start, min(n, start + 8))
        x = torch.stack([stream[r * context:r * context + context + 1].long() for r in rows])
        logits = model(x[:, :-1])
        total += F.cross_entropy(logits.reshape(-1, logits.shape[-1]), x[:, 1:].reshape(-1), reduction="sum").item()
        count += x[:, 1:].numel()
    model.train()
    return total / count


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", default="/tmp/train-work")
    ap.add_argument("--steps", type=int, default=700)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--warmup", type=int, default=50)
    ap.add_argument("--weight-decay", type=float, default=0.05)
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--eval-every", type=int, default=100)
    ap.add_argument("--max-minutes", type=float, default=0, help="stop early (and say so) after this long; 0 = never")
    ap.add_argument("--d-model", type=int, default=256)
    ap.add_argument("--layers", type=int, default=4)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--kv-heads", type=int, default=2)
    ap.add_argument("--ffn", type=int, default=768)
    ap.add_argument("--context", type=int, default=256)
    ap.add_argument("--init", default=None,
                    help="start from this checkpoint's weights (a model.pt of a run with the same shape) instead of at random")
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    tok = Tokenizer.load(os.path.join(args.work, "tokenizer.json"))
    train = token_stream(args.work, "train", tok)
    val = token_stream(args.work, "val", tok)
    cfg = Config(vocab=len(tok.tokens), d_model=args.d_model, layers=args.layers, heads=args.heads,
                 kv_heads=args.kv_heads, ffn=args.ffn, context=args.context)
    model = BitNet(cfg)
    if args.init:
        ckpt_in = torch.load(args.init)
        if ckpt_in["config"] != dataclasses.asdict(cfg):
            raise SystemExit(f"--init {args.init} has config {ckpt_in['config']}, this run {dataclasses.asdict(cfg)}")
        model.load_state_dict(ckpt_in["state"])
        print(f"starting from {args.init} (step {ckpt_in['step']})", flush=True)
    print(f"config {cfg}; {sum(p.numel() for p in model.parameters())} parameters; "
          f"train {len(train)} tokens, val {len(val)} tokens", flush=True)

    decay = [p for n, p in model.named_parameters() if p.dim() == 2 and not n.startswith("embed")]
    other = [p for n, p in model.named_parameters() if not (p.dim() == 2 and not n.startswith("embed"))]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": args.weight_decay},
                             {"params": other, "weight_decay": 0.0}], lr=args.lr, betas=(0.9, 0.95))

    def lr_at(step: int) -> float:
        if step < args.warmup:
            return args.lr * (step + 1) / args.warmup
        progress = (step - args.warmup) / max(1, args.steps - args.warmup)
        return args.lr * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * progress)))

    data_gen = torch.Generator().manual_seed(args.seed)
    started = time.time()
    ckpt = os.path.join(args.work, "model.pt")
    step = 0
    for step in range(args.steps):
        for g in opt.param_groups:
            g["lr"] = lr_at(step)
        offsets = torch.randint(0, len(train) - cfg.context - 1, (args.batch,), generator=data_gen)
        x = torch.stack([train[o:o + cfg.context + 1].long() for o in offsets.tolist()])
        logits = model(x[:, :-1])
        loss = F.cross_entropy(logits.reshape(-1, cfg.vocab), x[:, 1:].reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        elapsed = time.time() - started
        if step % 10 == 0:
            print(f"step {step} loss {loss.item():.4f} lr {lr_at(step):.2e} "
                  f"{(step + 1) * args.batch * cfg.context / elapsed:.0f} tok/s {elapsed / 60:.1f} min", flush=True)
        if (step + 1) % args.eval_every == 0:
            print(f"step {step + 1} val_loss(32 windows) {evaluate(model, val, cfg.context, 32):.4f}", flush=True)
            torch.save({"config": dataclasses.asdict(cfg), "state": model.state_dict(), "step": step + 1}, ckpt)
        if args.max_minutes and elapsed > args.max_minutes * 60:
            print(f"stopping early at step {step + 1}: time limit of {args.max_minutes} min reached", flush=True)
            break
    steps_done = step + 1
    torch.save({"config": dataclasses.asdict(cfg), "state": model.state_dict(), "step": steps_done}, ckpt)
    train_minutes = (time.time() - started) / 60
    val_loss = evaluate(model, val, cfg.context)
    result = {"steps": steps_done, "train_minutes": round(train_minutes, 1), "val_loss": round(val_loss, 4),
              "val_perplexity": round(math.exp(val_loss), 2), "val_tokens": len(val), "train_tokens": len(train),
              "tokens_seen": steps_done * args.batch * cfg.context, "args": vars(args)}
    with open(os.path.join(args.work, "train_result.json"), "w") as f:
        json.dump(result, f, indent=1)
    print(f"done: {json.dumps(result)}", flush=True)


if __name__ == "__main__":
    main()
