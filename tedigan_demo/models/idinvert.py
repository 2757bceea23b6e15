"""IDInvert's in-domain encoder and the VGG16 perceptual network, in the official layouts.

Zhu et al., "In-Domain GAN Inversion for Real Image Editing" (ECCV 2020), used by TediGAN for its FFHQ-256
base. Parameter names follow genforce/idinvert_pytorch so ``styleganinv_ffhq256_encoder.pth`` and ``vgg16.pth``
load key for key; equations from ``tests/compat/styleganinv_ffhq256_encoder.json`` and
``vgg16_perceptual.json``.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from torch import nn

from .base import Pretrained

__all__ = ["IDInvertEncoderConfig", "IDInvertEncoder", "VGG16Perceptual"]


@dataclass
class IDInvertEncoderConfig:
    resolution: int = 256  # Input resolution.
    w_dim: int = 512  # Dimensionality of each W+ entry.
    num_layers: int = 14  # W+ entries of the target generator.
    channels_base: int = 64  # Channels of the first block; doubled per block ...
    channels_max: int = 1024  # ... up to this.

    def to_dict(self) -> dict:
        return asdict(self)


class _BN(nn.Module):
    """The official BatchNormLayer wrapper (keys ``*.bn.*``)."""

    def __init__(self, channels: int):
        super().__init__()
        self.bn = nn.BatchNorm2d(channels, eps=1e-5, momentum=0.1)

    def forward(self, x):
        return self.bn(x)


class _Bias(nn.Module):
    def __init__(self, channels: int):
        super().__init__()
        self.bias = nn.Parameter(torch.zeros(channels))


class _FirstBlock(nn.Module):
    def __init__(self, in_ch: int, out_ch: int):
        super().__init__()
        self.conv = nn.Conv2d(in_ch, out_ch, 3, padding=1, bias=False)
        self.bn = _BN(out_ch)

    def forward(self, x):
        return F.leaky_relu(self.bn(self.conv(x)), 0.2)


class _ResBlock(nn.Module):
    def __init__(self, in_ch: int, out_ch: int):
        super().__init__()
        hidden = min(in_ch, out_ch)
        self.has_shortcut = in_ch != out_ch
        if self.has_shortcut:
            self.conv = nn.Conv2d(in_ch, out_ch, 1, bias=False)
            self.bn = _BN(out_ch)
        self.conv1 = nn.Conv2d(in_ch, hidden, 3, padding=1, bias=False)
        self.wscale1 = _Bias(hidden)
        self.bn1 = _BN(hidden)
        self.conv2 = nn.Conv2d(hidden, out_ch, 3, padding=1, bias=False)
        self.wscale2 = _Bias(out_ch)
        self.bn2 = _BN(out_ch)

    def forward(self, x):
        y = F.leaky_relu(self.bn(self.conv(x)), 0.2) if self.has_shortcut else x
        x = F.leaky_relu(self.bn1(self.conv1(x) + self.wscale1.bias.view(1, -1, 1, 1)), 0.2)
        x = F.leaky_relu(self.bn2(self.conv2(x) + self.wscale2.bias.view(1, -1, 1, 1)), 0.2)
        return x + y


class _LastBlock(nn.Module):
    def __init__(self, in_dim: int, out_dim: int):
        super().__init__()
        self.fc = nn.Linear(in_dim, out_dim, bias=False)
        self.scale = 1 / math.sqrt(in_dim)
        self.bn = _BN(out_dim)

    def forward(self, x):
        x = F.linear(x.flatten(1), self.fc.weight * self.scale)
        return self.bn(x[:, :, None, None]).flatten(1)


class IDInvertEncoder(Pretrained, nn.Module):
    """Image ``[N, 3, 256, 256]`` in [-1, 1] -> ``wp [N, 14, 512]`` (eval mode: BatchNorm running statistics)."""

    model_type = "IDInvertEncoder"
    config_class = IDInvertEncoderConfig

    def __init__(self, config: IDInvertEncoderConfig | None = None, **kwargs):
        super().__init__()
        self.config = cfg = config or IDInvertEncoderConfig(**kwargs)
        self.num_conv_blocks = int(math.log2(cfg.resolution)) - 1  # 7 at 256 px: down to 4x4
        ch = [min(cfg.channels_base * 2**i, cfg.channels_max) for i in range(self.num_conv_blocks)]
        self.block0 = _FirstBlock(3, ch[0])
        for i in range(1, self.num_conv_blocks):
            setattr(self, f"block{i}", _ResBlock(ch[i - 1], ch[i]))
        setattr(self, f"block{self.num_conv_blocks}", _LastBlock(ch[-1] * 16, cfg.num_layers * cfg.w_dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        cfg = self.config
        if x.ndim != 4 or x.shape[1:] != (3, cfg.resolution, cfg.resolution):
            raise ValueError(f"expected images [N, 3, {cfg.resolution}, {cfg.resolution}], got {list(x.shape)}")
        x = self.block0(x)
        for i in range(1, self.num_conv_blocks):
            x = getattr(self, f"block{i}")(F.avg_pool2d(x, 2))
        return getattr(self, f"block{self.num_conv_blocks}")(x).view(-1, cfg.num_layers, cfg.w_dim)


class VGG16Perceptual(Pretrained, nn.Module):
    """VGG16 convolutions ``layer0..layer28``; ``forward`` returns ReLU(conv4_3) features after Caffe-style
    preprocessing (RGB [-1, 1] -> BGR [0, 255] minus the ImageNet BGR mean, no std)."""

    model_type = "VGG16Perceptual"
    config_class = None

    CONVS = {0: (3, 64), 2: (64, 64), 5: (64, 128), 7: (128, 128), 10: (128, 256), 12: (256, 256), 14: (256, 256),
             17: (256, 512), 19: (512, 512), 21: (512, 512), 24: (512, 512), 26: (512, 512), 28: (512, 512)}
    POOLS = (4, 9, 16)  # max-pools executed before the output layer (23)
    OUTPUT_LAYER = 23
    BGR_MEAN = (103.939, 116.779, 123.68)

    def __init__(self):
        super().__init__()
        for idx, (cin, cout) in self.CONVS.items():
            setattr(self, f"layer{idx}", nn.Conv2d(cin, cout, 3, padding=1))
        self.register_buffer("mean", torch.tensor(self.BGR_MEAN).view(1, 3, 1, 1), persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = (x + 1) * 127.5
        x = x[:, [2, 1, 0]] - self.mean
        for idx in range(self.OUTPUT_LAYER):
            if idx in self.CONVS:
                x = F.relu(getattr(self, f"layer{idx}")(x))
            elif idx in self.POOLS:
                x = F.max_pool2d(x, 2, 2)
        return x
