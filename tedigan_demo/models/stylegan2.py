"""StyleGAN2 generator and discriminator in plain PyTorch.

Karras et al., "Analyzing and Improving the Image Quality of StyleGAN" (CVPR 2020). Module and parameter names
follow rosinality/stylegan2-pytorch so that its checkpoints (``stylegan2-ffhq-config-f.pt`` and the ``decoder.*``
part of a pSp checkpoint) load key for key; the equations follow
``tests/compat/psp_stylegan2_1024_generator.json``.
Nothing is compiled: the up/down-sampling FIR filters are ordinary (grouped) convolutions.

W+ layout (``wp`` of shape ``[N, num_layers, w_dim]``, ``num_layers = 2 * log2(resolution) - 2``)::

    index 0            -> conv at 4 px
    index 2j+1         -> upsampling conv of block j (resolution 2**(j+3)); also the toRGB of block j-1
    index 2j+2         -> second conv of block j
    index num_layers-1 -> last toRGB only

So index ``i`` drives the convolution at ``layer_resolution(i) = 2 ** (ceil(i / 2) + 2)`` px (clamped to the output
resolution). The layer groups of the StyleGAN paper follow from that resolution:
coarse = 4-8 px, middle = 16-32 px, fine = 64 px and up. For FFHQ-1024 (18 layers): coarse 0-2, middle 3-6,
fine 7-17; for a 64 px model (10 layers): coarse 0-2, middle 3-6, fine 7-9.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

import torch
from torch import nn

from .base import Pretrained, split_layers
from .stylegan2_layers import ConstantInput, ConvLayer, EqualLinear, PixelNorm, ResBlock, StyledConv, ToRGB

__all__ = [
    "StyleGAN2Config",
    "Generator",
    "Discriminator",
    "layer_resolution",
    "layer_groups",
    "NOISE_MODES",
]

NOISE_MODES = ("const", "random", "none")
MAPPINGS = ("mlp", "parameters")


# ----------------------------------------------------------------------------------------------------------------
# Configuration


@dataclass
class StyleGAN2Config:
    """Hyper-parameters of a StyleGAN2 generator; the defaults are FFHQ-1024 config-f."""

    resolution: int = 1024  # Output resolution (a power of two >= 4).
    w_dim: int = 512  # Dimensionality of z and w.
    n_mlp: int = 8  # Layers of the mapping network.
    channel_base: int = 32768  # Channels at resolution r are min(channel_max, channel_base // r).
    channel_max: int = 512  # Upper bound on channels per layer.
    lr_mlp: float = 0.01  # Learning-rate multiplier of the mapping network (equalised lr).
    blur_kernel: list[int] = field(default_factory=lambda: [1, 3, 3, 1])  # 1-D FIR filter for resampling.
    # "mlp": StyleGAN2's mapping network; "parameters": the embedded family's exact map through the renderer's
    # parameters (models.parameter_mapping; n_mlp and lr_mlp then unused).
    mapping: str = "mlp"

    def channels(self, res: int) -> int:
        """Feature channels at a given resolution."""
        return min(self.channel_max, self.channel_base // res)

    @property
    def log_size(self) -> int:
        return int(math.log2(self.resolution))

    @property
    def num_layers(self) -> int:
        """Number of W+ entries (rosinality's ``n_latent``)."""
        return 2 * self.log_size - 2

    def to_dict(self) -> dict:
        return asdict(self)

    def __post_init__(self) -> None:
        if self.resolution < 4 or self.resolution & (self.resolution - 1):
            raise ValueError(f"resolution must be a power of two >= 4, got {self.resolution}")
        if self.mapping not in MAPPINGS:
            raise ValueError(f"mapping must be one of {MAPPINGS}, got {self.mapping!r}")


def layer_resolution(index: int, resolution: int) -> int:
    """Resolution (px) of the convolution that W+ entry ``index`` modulates (see the module docstring)."""
    return min(2 ** (math.ceil(index / 2) + 2), resolution)


def layer_groups(num_layers: int, resolution: int) -> dict[str, list[int]]:
    """Split W+ indices into coarse (4-8 px), middle (16-32 px) and fine (64 px and up)."""
    return split_layers([layer_resolution(i, resolution) for i in range(num_layers)])


# ----------------------------------------------------------------------------------------------------------------
# Generator


class Generator(Pretrained, nn.Module):
    """StyleGAN2 generator: mapping ``z -> w`` and synthesis ``wp -> image`` (RGB, nominally [-1, 1])."""

    model_type = "StyleGAN2Generator"
    config_class = StyleGAN2Config

    def __init__(self, config: StyleGAN2Config | None = None, **kwargs):
        super().__init__()
        self.config = config = config or StyleGAN2Config(**kwargs)
        self.resolution, self.w_dim = config.resolution, config.w_dim
        self.num_layers = config.num_layers
        bk = config.blur_kernel
        ch = config.channels

        if config.mapping == "parameters":
            from .parameter_mapping import ParameterMapping  # the procedural domain's map; only that family uses it

            self.style = ParameterMapping(self.w_dim)
        else:
            self.style = nn.Sequential(
                PixelNorm(), *[EqualLinear(self.w_dim, self.w_dim, lr_mul=config.lr_mlp, activate=True)
                               for _ in range(config.n_mlp)]
            )
        self.input = ConstantInput(ch(4))
        self.conv1 = StyledConv(ch(4), ch(4), 3, self.w_dim, blur_kernel=bk)
        self.to_rgb1 = ToRGB(ch(4), self.w_dim, upsample=False)
        self.convs, self.to_rgbs = nn.ModuleList(), nn.ModuleList()
        self.noises = nn.Module()
        self.num_noises = 2 * (config.log_size - 2) + 1
        for idx in range(self.num_noises):
            res = 2 ** ((idx + 5) // 2)
            self.noises.register_buffer(f"noise_{idx}", torch.randn(1, 1, res, res))
        in_ch = ch(4)
        for log_res in range(3, config.log_size + 1):
            out_ch = ch(2**log_res)
            self.convs.append(StyledConv(in_ch, out_ch, 3, self.w_dim, upsample=True, blur_kernel=bk))
            self.convs.append(StyledConv(out_ch, out_ch, 3, self.w_dim, blur_kernel=bk))
            self.to_rgbs.append(ToRGB(out_ch, self.w_dim, blur_kernel=bk))
            in_ch = out_ch
        self.layer_groups = layer_groups(self.num_layers, self.resolution)
        self.truncation_layers = self.num_layers  # rosinality truncates every layer
        # the truncation centre: the checkpoint's ``latent_avg`` where it has one (``set_w_avg``), else ``mean_w``
        # on first use; NaN until known. Not part of the official key layout, but moves with ``.to()``.
        self.register_buffer("w_avg", torch.full((1, self.w_dim), float("nan")), persistent=False)

    # ---- latent spaces -----------------------------------------------------------------------------------------
    def sample_z(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """``z ~ N(0, I)`` of shape ``[n, w_dim]`` (drawn on the CPU so a seed gives the same z on any device)."""
        return torch.randn(n, self.w_dim, generator=generator).to(self.device)

    def mapping(self, z: torch.Tensor) -> torch.Tensor:
        """Map ``z [N, w_dim]`` to ``w [N, w_dim]``."""
        if z.ndim != 2 or z.shape[1] != self.w_dim:
            raise ValueError(f"z must have shape [N, {self.w_dim}], got {list(z.shape)}")
        return self.style(z)

    @torch.no_grad()
    def mean_w(self, n: int = 4096, seed: int = 0) -> torch.Tensor:
        """Average ``w`` over ``n`` random z, shape ``[1, w_dim]`` (the truncation centre)."""
        z = self.sample_z(n, torch.Generator().manual_seed(seed))
        return self.mapping(z).mean(0, keepdim=True)

    def set_w_avg(self, latent_avg: torch.Tensor) -> None:
        """Use a checkpoint's mean ``w`` as the truncation centre: ``[w_dim]``, or ``[num_layers, w_dim]`` as pSp
        stores it (one copy per layer; the first is taken)."""
        self.w_avg.copy_(latent_avg.detach().reshape(-1, self.w_dim)[:1].to(self.w_avg))

    def truncate(self, w: torch.Tensor, psi: float = 0.7, w_avg: torch.Tensor | None = None) -> torch.Tensor:
        """Truncation trick: move ``w`` (or ``wp``, every layer: ``truncation_layers``) toward the mean ``w`` by
        ``psi`` (1 = unchanged). The mean: ``w_avg`` if given, else the checkpoint's or ``mean_w()`` (kept)."""
        if w_avg is None:
            if torch.isnan(self.w_avg).any():
                self.w_avg.copy_(self.mean_w())
            w_avg = self.w_avg
        if w.ndim == 3:
            w_avg = w_avg.view(1, 1, -1)
        return w_avg + psi * (w - w_avg)

    def map_to_wp(self, z: torch.Tensor) -> torch.Tensor:
        """``z [N, w_dim] -> wp [N, num_layers, w_dim]`` (the same ``w`` in every layer, no truncation)."""
        return self.broadcast(self.mapping(z))

    def broadcast(self, w: torch.Tensor) -> torch.Tensor:
        """``w [N, w_dim]`` -> ``wp [N, num_layers, w_dim]``."""
        return w.unsqueeze(1).repeat(1, self.num_layers, 1)

    # ---- synthesis ---------------------------------------------------------------------------------------------
    def noise_inputs(self, n: int, mode: str, generator: torch.Generator | None = None) -> list:
        """Per-layer noise maps for ``mode`` in ``const`` (stored buffers), ``random`` or ``none``."""
        if mode == "const":
            return [getattr(self.noises, f"noise_{i}") for i in range(self.num_noises)]
        if mode == "random":
            return [
                torch.randn(n, 1, 2 ** ((i + 5) // 2), 2 ** ((i + 5) // 2), generator=generator).to(self.device)
                for i in range(self.num_noises)
            ]
        if mode == "none":
            return [None] * self.num_noises
        raise ValueError(f"noise mode must be one of {NOISE_MODES}, got {mode!r}")

    def synthesize(self, wp: torch.Tensor, noise_mode: str = "const", generator: torch.Generator | None = None,
                   resolution: int | None = None) -> torch.Tensor:
        """Render W+ codes ``wp [N, num_layers, w_dim]`` to images ``[N, 3, H, W]`` (``resolution``: stop at that
        block's RGB output, e.g. 256 px of a 1024 px generator)."""
        if wp.ndim != 3 or wp.shape[1:] != (self.num_layers, self.w_dim):
            raise ValueError(f"wp must have shape [N, {self.num_layers}, {self.w_dim}], got {list(wp.shape)}")
        return self.synthesize_styles(self.styles(wp), noise_mode, generator, resolution)

    # ---- StyleSpace (Wu et al. 2021): each modulated layer's affine output -------------------------------------
    def style_layers(self) -> list[nn.Module]:
        """The modulated convolutions in the official StyleSpace order: 4 px conv, 4 px toRGB, then per block the
        upsampling conv, the second conv and the toRGB (26 for 1024 px)."""
        layers = [self.conv1.conv, self.to_rgb1.conv]
        for conv_up, conv, to_rgb in zip(self.convs[::2], self.convs[1::2], self.to_rgbs):
            layers += [conv_up.conv, conv.conv, to_rgb.conv]
        return layers

    def style_wp_indices(self) -> list[int]:
        """The W+ entry that modulates each StyleSpace layer: 0, 1, then 2j+1, 2j+2, 2j+3 for block j."""
        return [0, 1] + [i for j in range(len(self.to_rgbs)) for i in (2 * j + 1, 2 * j + 2, 2 * j + 3)]

    def is_rgb_style(self) -> list[bool]:
        """Whether each StyleSpace layer is a toRGB layer (global directions leave those unchanged)."""
        return [False, True] + [False, False, True] * len(self.to_rgbs)

    def styles(self, wp: torch.Tensor) -> list[torch.Tensor]:
        """StyleSpace codes of ``wp``: one ``[N, in_channels]`` tensor per ``style_layers()`` entry."""
        return [layer.modulation(wp[:, i]) for layer, i in zip(self.style_layers(), self.style_wp_indices())]

    def synthesize_styles(self, styles: list[torch.Tensor], noise_mode: str = "const",
                          generator: torch.Generator | None = None, resolution: int | None = None) -> torch.Tensor:
        """Render StyleSpace codes (``styles()``'s layout) to images; the same pixels as ``synthesize`` for
        unchanged styles. ``resolution`` stops at that block's RGB output."""
        if len(styles) != len(self.style_layers()):
            raise ValueError(f"expected {len(self.style_layers())} style tensors, got {len(styles)}")
        n = styles[0].shape[0]
        noise = self.noise_inputs(n, noise_mode, generator)
        x = self.conv1(self.input(n), styles[0], noise[0])
        skip = self.to_rgb1(x, styles[1])
        for j, (conv_up, conv, to_rgb) in enumerate(zip(self.convs[::2], self.convs[1::2], self.to_rgbs)):
            if resolution is not None and 2 ** (j + 2) >= resolution:
                break
            x = conv_up(x, styles[3 * j + 2], noise[2 * j + 1])
            x = conv(x, styles[3 * j + 3], noise[2 * j + 2])
            skip = to_rgb(x, styles[3 * j + 4], skip)
        return skip

    def forward(self, z: torch.Tensor, truncation: float = 1.0, w_avg: torch.Tensor | None = None,
                noise_mode: str = "random") -> torch.Tensor:
        """``z -> image`` with optional truncation (convenience; the pipeline works in W+)."""
        w = self.mapping(z)
        if truncation != 1.0:
            w = self.truncate(w, truncation, w_avg)
        return self.synthesize(self.broadcast(w), noise_mode)

    @property
    def device(self) -> torch.device:
        return self.input.input.device

    def extra_repr(self) -> str:
        return f"resolution={self.resolution}, w_dim={self.w_dim}, num_layers={self.num_layers}"


# ----------------------------------------------------------------------------------------------------------------
# Discriminator (training only)


class Discriminator(Pretrained, nn.Module):
    """Residual StyleGAN2 discriminator with minibatch standard deviation."""

    model_type = "StyleGAN2Discriminator"
    config_class = StyleGAN2Config

    def __init__(self, config: StyleGAN2Config | None = None, stddev_group: int = 4, **kwargs):
        super().__init__()
        self.config = config = config or StyleGAN2Config(**kwargs)
        ch = config.channels
        blocks: list[nn.Module] = [ConvLayer(3, ch(config.resolution), 1)]
        for log_res in range(config.log_size, 2, -1):
            blocks.append(ResBlock(ch(2**log_res), ch(2 ** (log_res - 1))))
        self.convs = nn.Sequential(*blocks)
        self.stddev_group = stddev_group
        self.final_conv = ConvLayer(ch(4) + 1, ch(4), 3)
        self.final_linear = nn.Sequential(EqualLinear(ch(4) * 16, ch(4), activate=True), EqualLinear(ch(4), 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.convs(x)
        n, c, h, w = out.shape
        group = min(n, self.stddev_group)
        while n % group:
            group -= 1
        std = out.view(group, -1, 1, c, h, w)
        std = torch.sqrt(std.var(0, unbiased=False) + 1e-8).mean([2, 3, 4], keepdim=True).squeeze(2)
        std = std.repeat(group, 1, h, w)
        out = self.final_conv(torch.cat([out, std], 1))
        return self.final_linear(out.view(n, -1))
