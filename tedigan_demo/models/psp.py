"""pSp's GradualStyleEncoder and e4e's Encoder4Editing on an IR-SE-50 backbone, in the official layout.

Richardson et al., "Encoding in Style: a StyleGAN Encoder for Image-to-Image Translation" (CVPR 2021), used by
TediGAN's multi-modal extension for sketch -> face and label map -> face at 1024 px; Tov et al., "Designing an
Encoder for StyleGAN Image Manipulation" (SIGGRAPH 2021), the FFHQ image encoder. Both have the same parameters
(names of eladrich/pixel2style2pixel and omertov/encoder4editing) and differ only in how the heads' outputs become
W+ codes (``encoder_type``). Equations from ``tests/compat/psp_encoder_*.json`` and ``e4e_ffhq_encode.json``.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from torch import nn

from .base import Pretrained

__all__ = ["PSPEncoderConfig", "GradualStyleEncoder", "PSPEncoder", "PSP_INPUT_RESOLUTION", "ENCODER_TYPES"]

PSP_INPUT_RESOLUTION = 256  # pSp encoders read 256 x 256 inputs
# opts['encoder_type'] of the official checkpoints this module computes: pSp's (one code per head) and e4e's
# (the first head's code in every entry plus each other head's offset)
ENCODER_TYPES = ("GradualStyleEncoder", "Encoder4Editing")

# IR-SE-50: (in, depth, units) per stage; the first unit of each stage has stride 2.
IR50_STAGES = ((64, 64, 3), (64, 128, 4), (128, 256, 14), (256, 512, 3))


@dataclass
class PSPEncoderConfig:
    input_nc: int = 3  # 1 for sketches, 19 for CelebAMask-HQ label maps, 3 for images.
    style_count: int = 18  # W+ entries of the decoder.
    coarse_ind: int = 3  # styles[:coarse_ind] read the 16x16 map ...
    middle_ind: int = 7  # ... styles[coarse_ind:middle_ind] the 32x32 map, the rest the 64x64 map.
    w_dim: int = 512
    input_kind: str = "image"  # what the encoder reads: "image" (RGB [-1, 1]), "sketch" ([0, 1]) or "label" (one-hot)
    encoder_type: str = "GradualStyleEncoder"  # or "Encoder4Editing" (e4e): see ENCODER_TYPES

    def __post_init__(self) -> None:
        if self.encoder_type not in ENCODER_TYPES:
            raise ValueError(f"encoder_type {self.encoder_type!r} is not supported (only {', '.join(ENCODER_TYPES)})")

    def to_dict(self) -> dict:
        return asdict(self)


class _SE(nn.Module):
    def __init__(self, channels: int, reduction: int = 16):
        super().__init__()
        self.fc1 = nn.Conv2d(channels, channels // reduction, 1, bias=False)
        self.fc2 = nn.Conv2d(channels // reduction, channels, 1, bias=False)

    def forward(self, x):
        s = torch.sigmoid(self.fc2(F.relu(self.fc1(F.adaptive_avg_pool2d(x, 1)))))
        return x * s


class _BottleneckIRSE(nn.Module):
    def __init__(self, in_ch: int, depth: int, stride: int):
        super().__init__()
        if in_ch == depth:
            self.shortcut_layer = nn.MaxPool2d(1, stride)
        else:
            self.shortcut_layer = nn.Sequential(nn.Conv2d(in_ch, depth, 1, stride, bias=False), nn.BatchNorm2d(depth))
        self.res_layer = nn.Sequential(
            nn.BatchNorm2d(in_ch), nn.Conv2d(in_ch, depth, 3, 1, 1, bias=False), nn.PReLU(depth),
            nn.Conv2d(depth, depth, 3, stride, 1, bias=False), nn.BatchNorm2d(depth), _SE(depth))

    def forward(self, x):
        return self.res_layer(x) + self.shortcut_layer(x)


class _EqualLinear(nn.Module):
    def __init__(self, in_dim: int, out_dim: int):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(out_dim, in_dim))
        self.bias = nn.Parameter(torch.zeros(out_dim))
        self.scale = 1 / math.sqrt(in_dim)

    def forward(self, x):
        return F.linear(x, self.weight * self.scale, self.bias)


class _GradualStyleBlock(nn.Module):
    """log2(spatial) strided 3x3 convs (LeakyReLU 0.01) down to 1x1, then an equalised linear layer."""

    def __init__(self, channels: int, spatial: int):
        super().__init__()
        layers: list[nn.Module] = []
        for _ in range(int(math.log2(spatial))):
            layers += [nn.Conv2d(channels, channels, 3, 2, 1), nn.LeakyReLU()]
        self.convs = nn.Sequential(*layers)
        self.linear = _EqualLinear(channels, channels)

    def forward(self, x):
        return self.linear(self.convs(x).flatten(1))


class GradualStyleEncoder(nn.Module):
    """Input ``[N, input_nc, 256, 256]`` -> W+ offsets ``[N, style_count, 512]`` (pSp and e4e add ``latent_avg``).

    pSp: entry ``i`` is head ``i``'s output. e4e: every entry starts from head 0's output and entry ``i >= 1`` adds
    head ``i``'s (the inference stage of its progressive training, where every head is on)."""

    def __init__(self, config: PSPEncoderConfig | None = None, **kwargs):
        super().__init__()
        self.config = cfg = config or PSPEncoderConfig(**kwargs)
        self.input_layer = nn.Sequential(nn.Conv2d(cfg.input_nc, 64, 3, 1, 1, bias=False), nn.BatchNorm2d(64),
                                         nn.PReLU(64))
        units = []
        for in_ch, depth, n in IR50_STAGES:
            units.append(_BottleneckIRSE(in_ch, depth, 2))
            units += [_BottleneckIRSE(depth, depth, 1) for _ in range(n - 1)]
        self.body = nn.Sequential(*units)
        self.taps = (IR50_STAGES[0][2] + IR50_STAGES[1][2] - 1, sum(s[2] for s in IR50_STAGES[:3]) - 1,
                     len(units) - 1)  # (6, 20, 23): ends of stages 2, 3, 4
        self.styles = nn.ModuleList(
            _GradualStyleBlock(512, 16 if i < cfg.coarse_ind else 32 if i < cfg.middle_ind else 64)
            for i in range(cfg.style_count))
        self.latlayer1 = nn.Conv2d(256, 512, 1)
        self.latlayer2 = nn.Conv2d(128, 512, 1)

    @staticmethod
    def _upsample_add(x, y):
        return F.interpolate(x, size=y.shape[-2:], mode="bilinear", align_corners=True) + y

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        cfg = self.config
        if x.ndim != 4 or x.shape[1] != cfg.input_nc:
            raise ValueError(f"expected [N, {cfg.input_nc}, H, W], got {list(x.shape)}")
        x = self.input_layer(x)
        feats = {}
        for i, unit in enumerate(self.body):
            x = unit(x)
            if i in self.taps:
                feats[i] = x
        c1, c2, c3 = (feats[i] for i in self.taps)
        latents = [self.styles[j](c3) for j in range(cfg.coarse_ind)]
        p2 = self._upsample_add(c3, self.latlayer1(c2))
        latents += [self.styles[j](p2) for j in range(cfg.coarse_ind, cfg.middle_ind)]
        p1 = self._upsample_add(p2, self.latlayer2(c1))
        latents += [self.styles[j](p1) for j in range(cfg.middle_ind, cfg.style_count)]
        w = torch.stack(latents, 1)
        if cfg.encoder_type == "Encoder4Editing":
            w = torch.cat([w[:, :1], w[:, :1] + w[:, 1:]], 1)
        return w


class PSPEncoder(Pretrained, nn.Module):
    """A pSp (or e4e) encoder as TediGAN uses it: ``encoder(x) + latent_avg`` (``start_from_latent_avg``), with the
    input resized to 256 x 256 first (bilinear for images and sketches; label maps must arrive one-hot at 256).

    The state keys (``encoder.*``, ``latent_avg``) mirror the official checkpoint's, so a converted folder and the
    official ``.pt`` file hold the same tensors under the same names.
    """

    model_type = "PSPEncoder"
    config_class = PSPEncoderConfig

    input_resolution = PSP_INPUT_RESOLUTION

    def __init__(self, config: PSPEncoderConfig | None = None, **kwargs):
        super().__init__()
        self.config = cfg = config or PSPEncoderConfig(**kwargs)
        self.encoder = GradualStyleEncoder(cfg)
        self.register_buffer("latent_avg", torch.zeros(cfg.style_count, cfg.w_dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.shape[-1] != PSP_INPUT_RESOLUTION and self.config.input_kind != "label":
            x = F.interpolate(x, size=(PSP_INPUT_RESOLUTION, PSP_INPUT_RESOLUTION), mode="bilinear",
                              align_corners=False, antialias=x.shape[-1] > PSP_INPUT_RESOLUTION)
        return self.encoder(x) + self.latent_avg
