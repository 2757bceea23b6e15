"""Attribute classifier of the procedural face domain: image -> one softmax per attribute.

Used to evaluate the generator (accuracy, confidence, Fréchet distance in its feature space) and to describe
images back in words (redescription).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import torch
import torch.nn.functional as F
from torch import nn

from ..synthfaces import ATTRIBUTES
from .base import Pretrained

__all__ = ["ClassifierConfig", "AttributeClassifier"]


@dataclass
class ClassifierConfig:
    resolution: int = 64  # Input resolution.
    widths: list[int] = field(default_factory=lambda: [32, 64, 128, 128])  # Channels per stride-2 stage.
    feature_dim: int = 256  # Width of the shared feature vector.
    num_values: list[int] = field(default_factory=lambda: [len(a.values) for a in ATTRIBUTES])  # Per attribute.

    def to_dict(self) -> dict:
        return asdict(self)


class AttributeClassifier(Pretrained, nn.Module):
    """A small CNN; ``forward`` returns a list of logits ``[N, num_values[k]]``, ``features`` the shared vector."""

    model_type = "AttributeClassifier"
    config_class = ClassifierConfig

    def __init__(self, config: ClassifierConfig | None = None, **kwargs):
        super().__init__()
        self.config = config = config or ClassifierConfig(**kwargs)
        layers: list[nn.Module] = []
        in_ch = 3
        for w in config.widths:
            layers += [nn.Conv2d(in_ch, w, 3, padding=1), nn.BatchNorm2d(w), nn.SiLU(),
                       nn.Conv2d(w, w, 3, stride=2, padding=1), nn.BatchNorm2d(w), nn.SiLU()]
            in_ch = w
        self.trunk = nn.Sequential(*layers)
        side = config.resolution // 2 ** len(config.widths)
        self.project = nn.Sequential(nn.Flatten(), nn.Linear(in_ch * side * side, config.feature_dim), nn.SiLU())
        self.heads = nn.ModuleList(nn.Linear(config.feature_dim, n) for n in config.num_values)

    def features(self, images: torch.Tensor) -> torch.Tensor:
        """``[N, 3, R, R]`` in [-1, 1] (resized to the trained resolution) -> ``[N, feature_dim]``."""
        if images.shape[-1] != self.config.resolution:
            images = F.interpolate(images, size=self.config.resolution, mode="area")
        return self.project(self.trunk(images))

    def perceptual(self, images: torch.Tensor) -> torch.Tensor:
        """Features after each stride-2 block, each scaled by 1/sqrt(channels) and flattened: ``[N, F]``. The
        perceptual network of the embedded family (the role VGG16 conv4_3 plays for the FFHQ families)."""
        if images.shape[-1] != self.config.resolution:
            images = F.interpolate(images, size=self.config.resolution, mode="area")
        feats, out = [], images
        for i, layer in enumerate(self.trunk):
            out = layer(out)
            if i % 6 == 5 and i < 6 * (len(self.config.widths) - 1):  # end of a block, all but the deepest
                feats.append(out.flatten(1) / out.shape[1] ** 0.5)
        return torch.cat(feats, 1)

    def forward(self, images: torch.Tensor) -> list[torch.Tensor]:
        f = self.features(images)
        return [head(f) for head in self.heads]

    @torch.no_grad()
    def predict(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Most likely value index and its probability per attribute, both ``[N, num_attributes]``."""
        probs = [logits.softmax(-1) for logits in self(images)]
        conf, idx = zip(*(p.max(-1) for p in probs))
        return torch.stack(idx, 1), torch.stack(conf, 1)
