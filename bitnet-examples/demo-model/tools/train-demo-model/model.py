"""BitNet b1.58 at small scale, as described in shared/docs/bitnet-format.md sections 1.2 and 1.3.

Every projection inside a block is a BitLinear: absmean ternary weights (one scale per tensor) and
per-token absmax int8 activations, both in the forward pass, with straight-through gradients.
The embedding is tied to the LM head and is not quantized; the head sees no activation quantization.
"""
import dataclasses
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

EPS = 1e-5


@dataclasses.dataclass(frozen=True)
class Config:
    vocab: int = 4096
    d_model: int = 256
    layers: int = 4
    heads: int = 4
    kv_heads: int = 4
    ffn: int = 768
    context: int = 256
    rope_theta: float = 10000.0

    @property
    def head_dim(self) -> int:
        return self.d_model // self.heads


def ternarize(w: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Absmean ternarization: (T in {-1,0,1}, s_w) with W ~ T * s_w."""
    scale = w.abs().mean().clamp(min=EPS)
    return (w / scale).round().clamp(-1, 1), scale


def quantize_activations(x: torch.Tensor) -> torch.Tensor:
    """Per-token absmax int8 fake quantization: returns q / s_a."""
    s = 127.0 / x.abs().amax(dim=-1, keepdim=True).clamp(min=EPS)
    return (x * s).round().clamp(-128, 127) / s


class BitLinear(nn.Linear):
    """Linear layer without bias whose forward pass uses ternary weights and int8 activations."""

    def __init__(self, n_in: int, n_out: int):
        super().__init__(n_in, n_out, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        t, s = ternarize(self.weight)
        if self.training:
            # Straight-through estimator: forward sees the quantized values, backward the identity.
            xq = x + (quantize_activations(x) - x).detach()
            wq = self.weight + (t * s - self.weight).detach()
            return F.linear(xq, wq)
        return F.linear(quantize_activations(x), t) * s


class RMSNorm(nn.Module):
    def __init__(self, dim: int):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + EPS) * self.weight


def rope_tables(cfg: Config, length: int) -> tuple[torch.Tensor, torch.Tensor]:
    half = cfg.head_dim // 2
    inv = cfg.rope_theta ** (-torch.arange(half, dtype=torch.float64) * 2.0 / cfg.head_dim)
    ang = torch.arange(length, dtype=torch.float64)[:, None] * inv[None, :]
    return ang.cos().float(), ang.sin().float()


def apply_rope(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    """NeoX rotate-half RoPE on [batch, heads, seq, head_dim]: pairs (j, j + head_dim/2)."""
    half = x.shape[-1] // 2
    a, b = x[..., :half], x[..., half:]
    return torch.cat((a * cos - b * sin, a * sin + b * cos), dim=-1)


class Block(nn.Module):
    def __init__(self, cfg: Config):
        super().__init__()
        self.cfg = cfg
        hd = cfg.head_dim
        self.attn_norm = RMSNorm(cfg.d_model)
        self.q = BitLinear(cfg.d_model, cfg.heads * hd)
        self.k = BitLinear(cfg.d_model, cfg.kv_heads * hd)
        self.v = BitLinear(cfg.d_model, cfg.kv_heads * hd)
        self.attn_sub_norm = RMSNorm(cfg.heads * hd)
        self.o = BitLinear(cfg.heads * hd, cfg.d_model)
        self.ffn_norm = RMSNorm(cfg.d_model)
        self.gate = BitLinear(cfg.d_model, cfg.ffn)
        self.up = BitLinear(cfg.d_model, cfg.ffn)
        self.ffn_sub_norm = RMSNorm(cfg.ffn)
        self.down = BitLinear(cfg.ffn, cfg.d_model)

    def forward(self, h, cos, sin, mask):
        cfg = self.cfg
        bsz, n, _ = h.shape
        hd = cfg.head_dim
        x = self.attn_norm(h)
        q = self.q(x).view(bsz, n, cfg.heads, hd).transpose(1, 2)
        k = self.k(x).view(bsz, n, cfg.kv_heads, hd).transpose(1, 2)
        v = self.v(x).view(bsz, n, cfg.kv_heads, hd).transpose(1, 2)
        q, k = apply_rope(q, cos, sin), apply_rope(k, cos, sin)
        group = cfg.heads // cfg.kv_heads
        if group > 1:
            k = k.repeat_interleave(group, dim=1)
            v = v.repeat_interleave(group, dim=1)
        att = (q @ k.transpose(-1, -2)) * (1.0 / math.sqrt(hd)) + mask
        a = (att.softmax(-1) @ v).transpose(1, 2).reshape(bsz, n, cfg.heads * hd)
        h = h + self.o(self.attn_sub_norm(a))
        x = self.ffn_norm(h)
        m = F.relu(self.gate(x)).square() * self.up(x)
        return h + self.down(self.ffn_sub_norm(m))


class BitNet(nn.Module):
    def __init__(self, cfg: Config):
        super().__init__()
        self.cfg = cfg
        self.embed = nn.Embedding(cfg.vocab, cfg.d_model)
        self.blocks = nn.ModuleList(Block(cfg) for _ in range(cfg.layers))
        self.output_norm = RMSNorm(cfg.d_model)
        cos, sin = rope_tables(cfg, cfg.context)
        self.register_buffer("cos", cos, persistent=False)
        self.register_buffer("sin", sin, persistent=False)
        for p in self.parameters():
            if p.dim() == 2:
                nn.init.normal_(p, std=0.02)

    def embedding(self) -> torch.Tensor:
        """The embedding as the GGUF stores it in eval mode (F16), full precision while training."""
        e = self.embed.weight
        return e if self.training else e.half().float()

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        n = tokens.shape[1]
        e = self.embedding()
        h = F.embedding(tokens, e)
        mask = torch.full((n, n), float("-inf")).triu(1)
        cos, sin = self.cos[:n], self.sin[:n]
        for b in self.blocks:
            h = b(h, cos, sin, mask)
        return self.output_norm(h) @ e.t()
