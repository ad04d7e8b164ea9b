#!/usr/bin/env python3
"""Generate text from the trained checkpoint (eval mode: the same quantized forward pass as the GGUF).

Greedy when --temperature is 0, otherwise top-k sampling from a seeded generator. Generation stops
at BOS or EOS: training documents are separated by BOS, so the model emits it where a text ends.

Usage:
    /usr/bin/python3 sample.py --work /tmp/train-work --prompt "The man said" --tokens 60 --temperature 0.8 --seed 1
"""
import argparse

import torch

from export_gguf import load


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", default="/tmp/train-work")
    ap.add_argument("--prompt", required=True)
    ap.add_argument("--tokens", type=int, default=60)
    ap.add_argument("--temperature", type=float, default=0.0)
    ap.add_argument("--top-k", type=int, default=40)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(2)
    model, tok = load(args.work)
    gen = torch.Generator().manual_seed(args.seed)
    ids = tok.encode(args.prompt, bos=True)
    start = len(ids)
    with torch.no_grad():
        for _ in range(args.tokens):
            logits = model(torch.tensor([ids[-model.cfg.context:]]))[0, -1]
            if args.temperature <= 0:
                nxt = int(logits.argmax())
            else:
                top = torch.topk(logits / args.temperature, args.top_k)
                nxt = int(top.indices[torch.multinomial(top.values.softmax(-1), 1, generator=gen)])
            if nxt in (tok.bos, tok.eos):
                break
            ids.append(nxt)
    print(args.prompt + tok.decode(ids[start:]))


if __name__ == "__main__":
    main()
