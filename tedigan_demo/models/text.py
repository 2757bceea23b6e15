"""Text side of the embedded family: a sentence encoder (MiniLM), the text -> W+ mapper, and the image encoder
trained contrastively against the sentence embeddings (the embedded family's text-image similarity).
"""

from __future__ import annotations

import functools
import threading
from collections import OrderedDict
from dataclasses import asdict, dataclass, field

import torch
import torch.nn.functional as F
from torch import nn

from .base import Pretrained

__all__ = ["memoize_texts", "SentenceEncoder", "TextMapperConfig", "TextMapper", "ImageTextConfig", "ImageTextEncoder"]


def memoize_texts(max_items: int = 4096):
    """For a frozen text encoder's ``method(self, texts) -> [len(texts), D]``, when ``self.memoize`` is set (the
    pipeline sets it; training leaves it off): keep each text's row, least recently used dropped first, and encode
    only texts not seen before, one at a time, so that a text's row never depends on what it was batched with and
    the same inputs give the same images whatever came before. A demo meets the same descriptions again and again
    (a new seed, another sample count, the redescription's prompts)."""

    def wrap(method):
        @functools.wraps(method)
        def cached(self, texts):
            texts = list(texts)
            if not getattr(self, "memoize", False):
                return method(self, texts)
            store = self.__dict__.setdefault("_text_rows", OrderedDict())
            lock = self.__dict__.setdefault("_text_rows_lock", threading.Lock())
            with lock:
                rows = {t: store[t] for t in texts if t in store}
                for t in rows:
                    store.move_to_end(t)
            new = {t: method(self, [t])[0].clone() for t in dict.fromkeys(texts) if t not in rows}
            if new:
                rows.update(new)
                with lock:
                    store.update(new)
                    while len(store) > max_items:
                        store.popitem(last=False)
            return torch.stack([rows[t] for t in texts])

        return cached

    return wrap


class SentenceEncoder(nn.Module):
    """A transformers encoder with mean pooling and L2 normalisation (the sentence-transformers recipe)."""

    def __init__(self, model: nn.Module, tokenizer, max_length: int = 64):
        super().__init__()
        self.model, self.tokenizer, self.max_length = model, tokenizer, max_length
        self.dim = model.config.hidden_size

    @memoize_texts()
    @torch.no_grad()
    def forward(self, texts: list[str]) -> torch.Tensor:
        """``texts`` -> unit vectors ``[len(texts), dim]`` (frozen: rows are memoised per text)."""
        batch = self.tokenizer(list(texts), padding=True, truncation=True, max_length=self.max_length,
                               return_tensors="pt").to(self.model.device)
        hidden = self.model(**batch).last_hidden_state
        mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
        return F.normalize(pooled, dim=-1)


@dataclass
class TextMapperConfig:
    text_dim: int = 384  # Sentence embedding size.
    hidden: int = 512  # Width of the MLP.
    num_layers: int = 10  # W+ entries of the generator.
    w_dim: int = 128  # Dimensionality of w.

    def to_dict(self) -> dict:
        return asdict(self)


class TextMapper(Pretrained, nn.Module):
    """Sentence embedding ``[N, text_dim]`` -> W+ code ``[N, num_layers, w_dim]`` (offset from ``w_avg``)."""

    model_type = "TextMapper"
    config_class = TextMapperConfig

    def __init__(self, config: TextMapperConfig | None = None, **kwargs):
        super().__init__()
        self.config = cfg = config or TextMapperConfig(**kwargs)
        self.net = nn.Sequential(nn.Linear(cfg.text_dim, cfg.hidden), nn.SiLU(), nn.Linear(cfg.hidden, cfg.hidden),
                                 nn.SiLU(), nn.Linear(cfg.hidden, cfg.num_layers * cfg.w_dim))
        self.register_buffer("w_avg", torch.zeros(1, 1, cfg.w_dim))

    def forward(self, text_embedding: torch.Tensor) -> torch.Tensor:
        return self.w_avg + self.net(text_embedding).view(-1, self.config.num_layers, self.config.w_dim)


@dataclass
class ImageTextConfig:
    resolution: int = 64  # Input resolution.
    widths: list[int] = field(default_factory=lambda: [32, 64, 128, 128])  # Channels per stride-2 stage.
    embed_dim: int = 384  # Shared space: the sentence encoder's.

    def to_dict(self) -> dict:
        return asdict(self)


class ImageTextEncoder(Pretrained, nn.Module):
    """Image ``[N, 3, R, R]`` in [-1, 1] -> unit vector in the sentence-embedding space (CLIP-style, trained with a
    contrastive loss against frozen sentence embeddings)."""

    model_type = "ImageTextEncoder"
    config_class = ImageTextConfig

    def __init__(self, config: ImageTextConfig | None = None, **kwargs):
        super().__init__()
        self.config = cfg = config or ImageTextConfig(**kwargs)
        layers: list[nn.Module] = []
        in_ch = 3
        for w in cfg.widths:
            layers += [nn.Conv2d(in_ch, w, 3, padding=1), nn.GroupNorm(8, w), nn.SiLU(),
                       nn.Conv2d(w, w, 3, stride=2, padding=1), nn.GroupNorm(8, w), nn.SiLU()]
            in_ch = w
        side = cfg.resolution // 2 ** len(cfg.widths)
        self.trunk = nn.Sequential(*layers, nn.Flatten(), nn.Linear(in_ch * side * side, 512), nn.SiLU(),
                                   nn.Linear(512, cfg.embed_dim))
        self.logit_scale = nn.Parameter(torch.tensor(2.6593))  # log(1 / 0.07), as in CLIP

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        if images.shape[-1] != self.config.resolution:
            images = F.interpolate(images, size=self.config.resolution, mode="area")
        return F.normalize(self.trunk(images), dim=-1)
