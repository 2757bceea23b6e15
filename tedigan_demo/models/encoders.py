"""Encoders into W+ for the embedded family: an image (or sketch, or label map) -> ``wp [N, num_layers, w_dim]``.

The code is predicted as an offset from the generator's average ``w`` (stored as the buffer ``w_avg``), so an
untrained encoder already lands in the middle of the generator's range, as in IDInvert and pSp.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import torch
import torch.nn.functional as F
from torch import nn

from .base import Pretrained

__all__ = ["EncoderConfig", "WPlusEncoder"]


@dataclass
class EncoderConfig:
    resolution: int = 64  # Input resolution.
    in_channels: int = 3  # 3 for RGB, 1 for a sketch, number of classes for a one-hot label map.
    num_layers: int = 10  # W+ entries of the target generator.
    w_dim: int = 128  # Dimensionality of w.
    widths: list[int] = field(default_factory=lambda: [48, 96, 192, 256])  # Channels per stride-2 stage.

    def to_dict(self) -> dict:
        return asdict(self)


class WPlusEncoder(Pretrained, nn.Module):
    """CNN trunk, then one linear head per layer group of W+ (coarse from the deepest features, fine from the
    shallowest, as in pSp's feature pyramid)."""

    model_type = "WPlusEncoder"
    config_class = EncoderConfig

    def __init__(self, config: EncoderConfig | None = None, **kwargs):
        super().__init__()
        self.config = config = config or EncoderConfig(**kwargs)
        self.stages = nn.ModuleList()
        in_ch = config.in_channels
        for w in config.widths:
            self.stages.append(nn.Sequential(
                nn.Conv2d(in_ch, w, 3, padding=1), nn.GroupNorm(8, w), nn.SiLU(),
                nn.Conv2d(w, w, 3, stride=2, padding=1), nn.GroupNorm(8, w), nn.SiLU()))
            in_ch = w
        # heads read the last three stages (pyramid levels): deep -> early layers, shallow -> late layers
        self.levels = [len(config.widths) - 1, len(config.widths) - 2, len(config.widths) - 3]
        splits = [config.num_layers // 3] * 3
        splits[2] += config.num_layers - sum(splits)
        self.splits = splits
        self.heads = nn.ModuleList()
        for level, count in zip(self.levels, splits):
            ch = config.widths[level]
            self.heads.append(nn.Sequential(nn.AdaptiveAvgPool2d(4), nn.Flatten(),
                                            nn.Linear(ch * 16, 512), nn.SiLU(), nn.Linear(512, count * config.w_dim)))
        self.register_buffer("w_avg", torch.zeros(1, 1, config.w_dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``[N, in_channels, R, R]`` (images in [-1, 1]) -> ``wp [N, num_layers, w_dim]``."""
        if x.ndim != 4 or x.shape[1] != self.config.in_channels:
            raise ValueError(f"expected [N, {self.config.in_channels}, H, W], got {list(x.shape)}")
        if x.shape[-1] != self.config.resolution or x.shape[-2] != self.config.resolution:
            x = F.interpolate(x, size=self.config.resolution, mode="area")
        feats = []
        for stage in self.stages:
            x = stage(x)
            feats.append(x)
        parts = [head(feats[level]).view(x.shape[0], count, -1)
                 for head, level, count in zip(self.heads, self.levels, self.splits)]
        return self.w_avg + torch.cat(parts, 1)
