"""The text reader's network: a tagger over a frozen MiniLM's token features.

Each word-piece gets one of ``labels``: ``O`` (names nothing), ``UNK`` (names something outside the vocabulary) or
``attribute=value`` / ``attribute=value!`` (the value asked for / ruled out). MiniLM's token features carry what a
word means in its sentence; a small bidirectional GRU over them carries a negation's scope ("no glasses and a beard":
the beard is not negated). Trained by ``train.reader`` on ``train.reader_corpus``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import torch
from torch import nn

from .base import Pretrained

__all__ = ["TextReaderConfig", "TextReaderHead", "HeadStack", "token_features"]


@dataclass
class TextReaderConfig:
    vocabulary: str = "synthfaces"  # whose attributes the labels name
    labels: list = field(default_factory=lambda: ["O", "UNK"])  # "O", "UNK", "attr=value", "attr=value!"
    layers: list = field(default_factory=lambda: [3, 6])  # MiniLM hidden states read (concatenated)
    text_dim: int = 384  # MiniLM's width
    hidden: int = 128  # the GRU's width per direction

    def to_dict(self) -> dict:
        return asdict(self)


class TextReaderHead(Pretrained, nn.Module):
    """Token features ``[N, T, len(layers) * text_dim]`` and mask ``[N, T]`` -> label logits ``[N, T, labels]``."""

    model_type = "TextReaderHead"
    config_class = TextReaderConfig

    def __init__(self, config: TextReaderConfig | None = None, **kwargs):
        super().__init__()
        self.config = cfg = config or TextReaderConfig(**kwargs)
        width = cfg.text_dim * len(cfg.layers)
        self.inp = nn.Sequential(nn.LayerNorm(width), nn.Linear(width, cfg.hidden * 2), nn.GELU())
        self.gru = nn.GRU(cfg.hidden * 2, cfg.hidden, batch_first=True, bidirectional=True)
        self.out = nn.Sequential(nn.Linear(cfg.hidden * 4, cfg.hidden * 2), nn.GELU(),
                                 nn.Linear(cfg.hidden * 2, len(cfg.labels)))

    def forward(self, features: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        # padding (at the end, zeroed) is left in: a packed sequence is forty times slower on a CPU, and training
        # batches texts of similar length together
        x = self.inp(features) * mask.unsqueeze(-1).to(features.dtype)
        h, _ = self.gru(x)
        return self.out(torch.cat([x, h], dim=-1))


class HeadStack:
    """Heads of one reader (the same labels, trained with other seeds) read together: ``probs(features, mask)`` ->
    their label probabilities, averaged, ``[N, T, labels]``.

    A head's GRU steps through a text one word-piece at a time, and on a CPU each step costs the call more than the
    arithmetic. The heads' forward and backward recurrences are therefore run as one batch of ``2 * heads``
    recurrences, step by step (PyTorch's GRU equations: r, z and n gates, biases inside and outside the reset), which
    reads as the heads do one by one: for four heads 1.4 times as fast at the median text, 1.8 times at the p95
    (``bench.eval_reader --speed``). The GRU weights are copied when the stack is built: build it after the heads
    are on their device."""

    def __init__(self, heads: list[TextReaderHead]):
        self.heads = heads
        grus = [h.gru for h in heads]
        if any(g.num_layers != 1 or not g.bidirectional or not g.batch_first or not g.bias for g in grus):
            raise ValueError("HeadStack reads one-layer bidirectional GRUs with biases")
        if len({(g.input_size, g.hidden_size) for g in grus}) != 1:
            raise ValueError("HeadStack reads heads of one width")
        recurrences = [(g, sfx) for g in grus for sfx in ("", "_reverse")]  # head k forward at 2k, backward 2k + 1

        def stacked(name: str) -> torch.Tensor:  # one GRU parameter of every recurrence: [2K, ...]
            return torch.stack([getattr(g, f"{name}_l0{sfx}").detach() for g, sfx in recurrences])

        self.w_ih = stacked("weight_ih")  # [2K, 3H, in]
        self.b_ih, self.b_hh = stacked("bias_ih"), stacked("bias_hh")  # [2K, 3H]
        self.w_hh = stacked("weight_hh").transpose(1, 2).contiguous()  # W_hh^T [2K, H, 3H]

    @torch.no_grad()
    def probs(self, features: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        xs = [h.inp(features) * mask.unsqueeze(-1).to(features.dtype) for h in self.heads]  # K x [N, T, 2H]
        hs = self.recur(torch.stack(xs))  # [K, N, T, 2H]
        return torch.stack([h.out(torch.cat([x, r], -1)).softmax(-1) for h, x, r in zip(self.heads, xs, hs)]).mean(0)

    def recur(self, xs: torch.Tensor) -> torch.Tensor:
        """``xs`` [K, N, T, in] -> the K GRUs' outputs [K, N, T, 2H] (forward and backward halves)."""
        K, N, T, _ = xs.shape
        H = self.w_hh.shape[1]
        x2 = xs.repeat_interleave(2, dim=0).flatten(1, 2)  # [2K, N * T, in]
        gi = torch.baddbmm(self.b_ih[:, None], x2, self.w_ih.transpose(1, 2)).view(2 * K, N, T, 3 * H)
        gi[1::2] = gi[1::2].flip(2)  # the backward recurrences read from the end
        gi = gi.flatten(0, 1)  # [2K * N, T, 3H]
        w_hh = self.w_hh.repeat_interleave(N, dim=0)
        b_hh = self.b_hh.repeat_interleave(N, dim=0)[:, None]
        gi_rz, gi_n = gi[..., :2 * H], gi[..., 2 * H:]
        h = gi.new_zeros(2 * K * N, 1, H)
        out = []
        for t in range(T):  # six calls a step: the step's cost is the calls, not the arithmetic
            gh = torch.baddbmm(b_hh, h, w_hh)  # [2K * N, 1, 3H]
            rz = torch.sigmoid(gi_rz[:, t:t + 1] + gh[..., :2 * H])  # reset and update gates together
            n = torch.tanh(torch.addcmul(gi_n[:, t:t + 1], rz[..., :H], gh[..., 2 * H:]))
            h = torch.lerp(n, h, rz[..., H:])  # (1 - z) * n + z * h
            out.append(h)
        o = torch.cat(out, 1).view(2 * K, N, T, H)
        o[1::2] = o[1::2].flip(2)
        return torch.cat([o[0::2], o[1::2]], -1)


@torch.no_grad()
def token_features(model: nn.Module, batch: dict, layers: list[int]) -> torch.Tensor:
    """A transformers encoder's hidden states at ``layers``, concatenated: ``[N, T, len(layers) * width]``."""
    out = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"], output_hidden_states=True)
    return torch.cat([out.hidden_states[i] for i in layers], dim=-1)
