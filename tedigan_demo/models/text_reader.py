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

__all__ = ["TextReaderConfig", "TextReaderHead", "token_features"]


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


@torch.no_grad()
def token_features(model: nn.Module, batch: dict, layers: list[int]) -> torch.Tensor:
    """A transformers encoder's hidden states at ``layers``, concatenated: ``[N, T, len(layers) * width]``."""
    out = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"], output_hidden_states=True)
    return torch.cat([out.hidden_states[i] for i in layers], dim=-1)
