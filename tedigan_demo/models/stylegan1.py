"""StyleGAN (v1) generator in the IDInvert / genforce layout: TediGAN's own base generator (FFHQ 256 px, 14 W+).

Karras et al., "A Style-Based Generator Architecture for Generative Adversarial Networks" (CVPR 2019), as ported
by genforce/idinvert_pytorch. Parameter names follow that code so ``styleganinv_ffhq256_generator.pth`` loads key
for key; the runtime equations follow ``tests/compat/styleganinv_ffhq256_generator.json``:

* equalised learning rate: weights are scaled at run time (``gain / sqrt(fan_in)``), nothing stored;
* per layer: [up-sampling] conv -> blur (after up-convs) -> + noise * weight -> + bias -> LeakyReLU(0.2) ->
  instance norm -> style modulation ``x * (s_scale + 1) + s_shift``;
* up-convs below 128 px: nearest x2 then conv3x3; from 128 px: one transposed conv whose 4x4 kernel is the sum of
  the four shifted 3x3 kernels (stored in TF layout ``[3, 3, in, out]``);
* output: toRGB of the last resolution only, then tanh.

W+ index ``i`` drives ``synthesis.layer{i}``, two per resolution: coarse 0-3 (4-8 px), middle 4-7 (16-32 px),
fine 8-13 (64-256 px).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from torch import nn

from .base import Pretrained, split_layers
from .stylegan2 import NOISE_MODES

__all__ = ["StyleGAN1Config", "StyleGAN1Generator"]


@dataclass
class StyleGAN1Config:
    resolution: int = 256  # Output resolution.
    w_dim: int = 512  # Dimensionality of z and w.
    num_mapping_layers: int = 8  # Dense layers of the mapping network.
    fmaps_base: int = 16384  # Channels at resolution r are min(fmaps_max, fmaps_base // r).
    fmaps_max: int = 512  # Upper bound on channels.
    fused_min_resolution: int = 128  # Up-convs at and above this resolution are fused transposed convs.
    truncation_psi: float = 0.7  # Default truncation of the z path ...
    truncation_layers: int = 8  # ... applied to the first this-many W+ layers.

    def channels(self, res: int) -> int:
        return min(self.fmaps_max, self.fmaps_base // res)

    @property
    def num_layers(self) -> int:
        return 2 * (int(math.log2(self.resolution)) - 1)

    def to_dict(self) -> dict:
        return asdict(self)


class _WScale(nn.Module):
    """Holds the bias of an equalised-lr layer (the official code keeps it in a 'wscale' submodule)."""

    def __init__(self, channels: int):
        super().__init__()
        self.bias = nn.Parameter(torch.zeros(channels))


class DenseLayer(nn.Module):
    """``y = (x W^T) * scale + bias * lr_mul``; weight ``fc.weight [out, in]``, bias ``wscale.bias``."""

    def __init__(self, in_dim: int, out_dim: int, gain: float, lr_mul: float = 1.0, activate: bool = False):
        super().__init__()
        self.fc = nn.Linear(in_dim, out_dim, bias=False)
        self.wscale = _WScale(out_dim)
        self.scale = gain / math.sqrt(in_dim) * lr_mul
        self.lr_mul, self.activate = lr_mul, activate

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = F.linear(x, self.fc.weight * self.scale) + self.wscale.bias * self.lr_mul
        return F.leaky_relu(y, 0.2) if self.activate else y

    def extra_repr(self) -> str:
        return f"scale={self.scale:.6g}, lr_mul={self.lr_mul}, activate={self.activate}"


class _Mapping(nn.Module):
    def __init__(self, cfg: StyleGAN1Config):
        super().__init__()
        self.num_dense = cfg.num_mapping_layers
        for i in range(cfg.num_mapping_layers):
            out = cfg.w_dim * cfg.num_layers if i == cfg.num_mapping_layers - 1 else cfg.w_dim
            setattr(self, f"dense{i}", DenseLayer(cfg.w_dim, out, math.sqrt(2), lr_mul=0.01, activate=True))

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        x = z * torch.rsqrt(z.pow(2).mean(1, keepdim=True) + 1e-8)
        for i in range(self.num_dense):
            x = getattr(self, f"dense{i}")(x)
        return x


class _Truncation(nn.Module):
    def __init__(self, cfg: StyleGAN1Config):
        super().__init__()
        self.register_buffer("w_avg", torch.zeros(cfg.w_dim))
        coef = torch.ones(1, cfg.num_layers, 1)
        coef[:, : cfg.truncation_layers] = cfg.truncation_psi
        self.register_buffer("truncation", coef)


class _Noise(nn.Module):
    def __init__(self, channels: int, res: int):
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(channels))
        self.register_buffer("noise", torch.randn(1, 1, res, res))


class _StyleMod(nn.Module):
    def __init__(self, channels: int, w_dim: int):
        super().__init__()
        self.dense = DenseLayer(w_dim, 2 * channels, gain=1.0)

    def forward(self, x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        s = self.dense(w).view(x.shape[0], 2, x.shape[1], 1, 1)
        return x * (s[:, 0] + 1) + s[:, 1]


class _Epilogue(nn.Module):
    def __init__(self, channels: int, res: int, w_dim: int):
        super().__init__()
        self.apply_noise = _Noise(channels, res)
        self.bias = nn.Parameter(torch.zeros(channels))
        self.style_mod = _StyleMod(channels, w_dim)

    def forward(self, x: torch.Tensor, w: torch.Tensor, noise: torch.Tensor | None) -> torch.Tensor:
        if noise is not None:
            x = x + noise * self.apply_noise.weight.view(1, -1, 1, 1)
        x = F.leaky_relu(x + self.bias.view(1, -1, 1, 1), 0.2)
        x = x - x.mean((2, 3), keepdim=True)
        x = x * torch.rsqrt(x.pow(2).mean((2, 3), keepdim=True) + 1e-8)
        return self.style_mod(x, w)


class _Blur(nn.Module):
    def __init__(self, channels: int):
        super().__init__()
        k = torch.tensor([1.0, 2.0, 1.0])
        self.register_buffer("kernel", (torch.outer(k, k) / 16).expand(channels, 1, 3, 3).clone())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.conv2d(x, self.kernel.to(x.dtype), padding=1, groups=x.shape[1])


class _ConstLayer(nn.Module):
    def __init__(self, channels: int, w_dim: int):
        super().__init__()
        self.const = nn.Parameter(torch.ones(1, channels, 4, 4))
        self.epilogue = _Epilogue(channels, 4, w_dim)

    def forward(self, n: int, w: torch.Tensor, noise) -> torch.Tensor:
        return self.epilogue(self.const.expand(n, -1, -1, -1), w, noise)


class _ConvLayer(nn.Module):
    """3x3 conv layer; ``up='nearest'``: nearest x2 first, ``up='fused'``: TF-layout transposed conv."""

    def __init__(self, in_ch: int, out_ch: int, res: int, w_dim: int, up: str | None = None):
        super().__init__()
        self.up = up
        if up == "fused":
            self.weight = nn.Parameter(torch.randn(3, 3, in_ch, out_ch))
        else:
            self.conv = nn.Conv2d(in_ch, out_ch, 3, padding=1, bias=False)
        if up is not None:
            self.blur = _Blur(out_ch)
        self.scale = math.sqrt(2) / math.sqrt(in_ch * 9)
        self.epilogue = _Epilogue(out_ch, res, w_dim)

    def forward(self, x: torch.Tensor, w: torch.Tensor, noise) -> torch.Tensor:
        if self.up == "fused":
            k = F.pad(self.weight * self.scale, [0, 0, 0, 0, 1, 1, 1, 1])  # [5, 5, in, out]
            k = k[1:, 1:] + k[:-1, 1:] + k[1:, :-1] + k[:-1, :-1]  # [4, 4, in, out]
            x = F.conv_transpose2d(x, k.permute(2, 3, 0, 1), stride=2, padding=1)
        else:
            if self.up == "nearest":
                x = F.interpolate(x, scale_factor=2, mode="nearest")
            x = F.conv2d(x, self.conv.weight * self.scale, padding=1)
        if self.up is not None:
            x = self.blur(x)
        return self.epilogue(x, w, noise)

    def extra_repr(self) -> str:
        return f"up={self.up}"


class _ToRGB(nn.Module):
    def __init__(self, in_ch: int):
        super().__init__()
        self.conv = nn.Conv2d(in_ch, 3, 1, bias=False)
        self.bias = nn.Parameter(torch.zeros(3))
        self.scale = 1 / math.sqrt(in_ch)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.conv2d(x, self.conv.weight * self.scale) + self.bias.view(1, -1, 1, 1)


class _Synthesis(nn.Module):
    def __init__(self, cfg: StyleGAN1Config):
        super().__init__()
        self.lod = nn.Parameter(torch.zeros(()), requires_grad=False)
        self.num_layers = cfg.num_layers
        ch = cfg.channels
        for i in range(cfg.num_layers):
            res = 2 ** (i // 2 + 2)
            if i == 0:
                layer = _ConstLayer(ch(4), cfg.w_dim)
            elif i % 2 == 1:
                layer = _ConvLayer(ch(res), ch(res), res, cfg.w_dim)
            else:
                up = "fused" if res >= cfg.fused_min_resolution else "nearest"
                layer = _ConvLayer(ch(res // 2), ch(res), res, cfg.w_dim, up=up)
            setattr(self, f"layer{i}", layer)
            if i % 2 == 1:
                setattr(self, f"output{i // 2}", _ToRGB(ch(res)))


class StyleGAN1Generator(Pretrained, nn.Module):
    """IDInvert StyleGAN generator: ``z -> wp [N, 14, 512]`` (mapping, optional truncation) and ``wp -> image``."""

    model_type = "StyleGAN1Generator"
    config_class = StyleGAN1Config

    def __init__(self, config: StyleGAN1Config | None = None, **kwargs):
        super().__init__()
        self.config = cfg = config or StyleGAN1Config(**kwargs)
        self.resolution, self.w_dim, self.num_layers = cfg.resolution, cfg.w_dim, cfg.num_layers
        self.mapping = _Mapping(cfg)  # official name; z -> flat [N, num_layers * w_dim]
        self.truncation = _Truncation(cfg)
        self.synthesis = _Synthesis(cfg)
        self.layer_groups = split_layers([2 ** (i // 2 + 2) for i in range(self.num_layers)])

    @property
    def device(self) -> torch.device:
        return self.synthesis.lod.device

    def sample_z(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        return torch.randn(n, self.w_dim, generator=generator).to(self.device)

    def map_to_wp(self, z: torch.Tensor) -> torch.Tensor:
        """``z [N, w_dim] -> wp [N, num_layers, w_dim]`` (this generator maps straight into W+, no truncation)."""
        if z.ndim != 2 or z.shape[1] != self.w_dim:
            raise ValueError(f"z must have shape [N, {self.w_dim}], got {list(z.shape)}")
        return self.mapping(z).view(-1, self.num_layers, self.w_dim)

    @property
    def truncation_layers(self) -> int:
        return self.config.truncation_layers

    def truncate(self, wp: torch.Tensor, psi: float | None = None) -> torch.Tensor:
        """Truncation trick, as StyleGAN2's ``truncate`` but on the first ``truncation_layers`` (8) layers only, as
        the official code: ``wp`` toward the stored ``w_avg`` by ``psi`` there (None: the stored per-layer
        coefficients, 0.7)."""
        w_avg = self.truncation.w_avg.view(1, 1, -1)
        coef = self.truncation.truncation
        if psi is not None:
            coef = torch.ones_like(coef)
            coef[:, : self.config.truncation_layers] = psi
        return w_avg + (wp - w_avg) * coef

    def noise_inputs(self, n: int, mode: str, generator: torch.Generator | None = None) -> list:
        layers = [getattr(self.synthesis, f"layer{i}") for i in range(self.num_layers)]
        if mode == "const":
            return [layer.epilogue.apply_noise.noise for layer in layers]
        if mode == "random":
            return [torch.randn(n, 1, *layer.epilogue.apply_noise.noise.shape[2:], generator=generator)
                    .to(self.device) for layer in layers]
        if mode == "none":
            return [None] * self.num_layers
        raise ValueError(f"noise mode must be one of {NOISE_MODES}, got {mode!r}")

    def synthesize(self, wp: torch.Tensor, noise_mode: str = "const", generator: torch.Generator | None = None):
        """Render ``wp [N, num_layers, w_dim]`` to RGB images ``[N, 3, H, W]`` in [-1, 1] (tanh)."""
        if wp.ndim != 3 or wp.shape[1:] != (self.num_layers, self.w_dim):
            raise ValueError(f"wp must have shape [N, {self.num_layers}, {self.w_dim}], got {list(wp.shape)}")
        if float(self.synthesis.lod) != 0.0:
            raise ValueError(f"level of detail {float(self.synthesis.lod)} is not supported (expected 0)")
        noise = self.noise_inputs(wp.shape[0], noise_mode, generator)
        x = self.synthesis.layer0(wp.shape[0], wp[:, 0], noise[0])
        for i in range(1, self.num_layers):
            x = getattr(self.synthesis, f"layer{i}")(x, wp[:, i], noise[i])
        return torch.tanh(getattr(self.synthesis, f"output{self.num_layers // 2 - 1}")(x))

    def extra_repr(self) -> str:
        return f"resolution={self.resolution}, w_dim={self.w_dim}, num_layers={self.num_layers}"
