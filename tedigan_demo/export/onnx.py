"""The slider render of a StyleGAN2 family as one ONNX graph, for onnxruntime-web in the visitor's browser.

    python -m tedigan_demo export-onnx --family synthfaces64 --out slider.onnx

Inputs ``content`` and ``style`` (W+ codes ``[1, L, D]``, float32) and ``strengths`` (``[3]``: coarse, middle,
fine); output ``image`` ``[1, 3, H, W]`` in about [-1, 1]: the layer mix of ``method.control.mix`` and the render
with the generator's stored noise, as the app's sliders do on the server. The graph is built from the generator's
weights as constants in plain operators, which runtimes (WASM included) run well: each modulated convolution in its
input-scaling form (the input times the style, a constant weight, demodulation by one small matmul), each FIR filter
a depthwise convolution with a constant kernel. Fixed shapes, opset 17.
"""

from __future__ import annotations

import io
import math
import warnings
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from ..models.base import GROUP_NAMES
from ..models.stylegan2_layers import ModulatedConv2d, StyledConv, ToRGB

__all__ = ["SliderGraph", "export_slider", "write_slider", "OPSET", "INPUTS", "OUTPUT"]

OPSET = 17
INPUTS = ("content", "style", "strengths")
OUTPUT = "image"


def _const(t: torch.Tensor) -> torch.Tensor:
    return t.detach().float().cpu().clone().contiguous()


class _FIR(nn.Module):
    """``upfirdn2d(x, kernel, up, pad)`` for non-negative pads: zero insertion by a constant mask, one pad, one
    depthwise convolution with the flipped kernel."""

    def __init__(self, kernel: torch.Tensor, channels: int, pad: tuple[int, int], up: int = 1):
        super().__init__()
        if min(pad) < 0:
            raise ValueError(f"negative FIR pads {pad} are not exported")
        self.pad, self.up, self.channels = pad, up, channels
        self.register_buffer("weight", _const(torch.flip(kernel, [0, 1])[None, None].repeat(channels, 1, 1, 1)))
        holes = torch.zeros(1, 1, 1, up, 1, up)
        holes[0, 0, 0, 0, 0, 0] = 1.0
        self.register_buffer("holes", holes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, c, h, w = (int(s) for s in x.shape)  # fixed shapes: constants in the graph
        if self.up > 1:
            x = (x.reshape(n, c, h, 1, w, 1) * self.holes).reshape(n, c, h * self.up, w * self.up)
        p0, p1 = self.pad
        return F.conv2d(F.pad(x, [p0, p1, p0, p1], value=0.0), self.weight, groups=self.channels)


class _ModConv(nn.Module):
    """``ModulatedConv2d`` with its affine layer: ``(x [1, in, H, W], w [1, w_dim]) -> [1, out, H', W']``."""

    def __init__(self, layer: ModulatedConv2d):
        super().__init__()
        m = layer.modulation
        self.register_buffer("affine_weight", _const(m.weight * m.scale))
        self.register_buffer("affine_bias", _const(m.bias * m.lr_mul))
        weight = _const(layer.scale * layer.weight[0])  # [out, in, k, k]
        self.upsample, self.demodulate, self.padding = layer.upsample, layer.demodulate, layer.padding
        self.register_buffer("weight", _const(weight.transpose(0, 1)) if layer.upsample else weight)
        self.register_buffer("weight_sq", _const(weight.pow(2).sum([2, 3]).t()))  # [in, out]
        self.blur = _FIR(layer.blur.kernel, layer.out_ch, layer.blur.pad) if layer.upsample else None

    def forward(self, x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        s = F.linear(w, self.affine_weight, self.affine_bias)  # the StyleSpace code [1, in]
        x = x * s.reshape(1, -1, 1, 1)
        if self.upsample:
            out = self.blur(F.conv_transpose2d(x, self.weight, stride=2))
        else:
            out = F.conv2d(x, self.weight, padding=self.padding)
        if self.demodulate:
            out = out * torch.rsqrt(s.pow(2) @ self.weight_sq + 1e-8).reshape(1, -1, 1, 1)
        return out


class _StyledConv(nn.Module):
    def __init__(self, layer: StyledConv, noise: torch.Tensor):
        super().__init__()
        self.conv = _ModConv(layer.conv)
        self.register_buffer("noise", _const(layer.noise.weight * noise))
        self.register_buffer("bias", _const(layer.activate.bias.view(1, -1, 1, 1)))

    def forward(self, x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        return F.leaky_relu(self.conv(x, w) + self.noise + self.bias, 0.2) * math.sqrt(2)


class _ToRGB(nn.Module):
    def __init__(self, layer: ToRGB):
        super().__init__()
        self.conv = _ModConv(layer.conv)
        self.register_buffer("bias", _const(layer.bias))
        up = getattr(layer, "upsample", None)
        self.up = _FIR(up.kernel, 3, up.pad, up.factor) if up is not None else None

    def forward(self, x: torch.Tensor, w: torch.Tensor, skip: torch.Tensor | None = None) -> torch.Tensor:
        out = self.conv(x, w) + self.bias
        return out if skip is None else out + self.up(skip)


class SliderGraph(nn.Module):
    """``(content, style, strengths) -> image`` of a StyleGAN2 ``Generator`` (``models.stylegan2``), with its
    weights, stored noise and layer groups as constants; the same pixels as ``G.synthesize(mix(...), "const")`` up
    to float rounding."""

    def __init__(self, G):
        super().__init__()
        groups = torch.zeros(G.num_layers, len(GROUP_NAMES))  # one-hot: the group of each W+ entry
        for k, name in enumerate(GROUP_NAMES):
            groups[G.layer_groups[name], k] = 1.0
        self.register_buffer("groups", groups)
        self.register_buffer("const", _const(G.input.input))
        noise = G.noise_inputs(1, "const")
        self.conv1, self.to_rgb1 = _StyledConv(G.conv1, noise[0]), _ToRGB(G.to_rgb1)
        self.convs = nn.ModuleList(_StyledConv(layer, noise[i + 1]) for i, layer in enumerate(G.convs))
        self.to_rgbs = nn.ModuleList(_ToRGB(layer) for layer in G.to_rgbs)
        self.shape = (G.num_layers, G.w_dim)

    def forward(self, content: torch.Tensor, style: torch.Tensor, strengths: torch.Tensor) -> torch.Tensor:
        wp = content + (self.groups @ strengths).reshape(1, -1, 1) * (style - content)
        x = self.conv1(self.const, wp[:, 0])
        skip = self.to_rgb1(x, wp[:, 1])
        for j, to_rgb in enumerate(self.to_rgbs):
            x = self.convs[2 * j](x, wp[:, 2 * j + 1])
            x = self.convs[2 * j + 1](x, wp[:, 2 * j + 2])
            skip = to_rgb(x, wp[:, 2 * j + 3], skip)
        return skip


def export_slider(G) -> bytes:
    """The slider graph of a StyleGAN2 generator as ONNX bytes (built on the CPU in float32)."""
    if not hasattr(G, "to_rgbs"):
        raise ValueError("only StyleGAN2 generators export to ONNX")
    graph = SliderGraph(G).eval()  # its own float32 CPU copies of the weights: G stays as it is
    code = torch.zeros(1, *graph.shape)
    buffer = io.BytesIO()
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the tracer's notes on fixed shapes, which are meant
        torch.onnx.export(graph, (code, code, torch.ones(len(GROUP_NAMES))), buffer, opset_version=OPSET,
                          input_names=list(INPUTS), output_names=[OUTPUT], dynamo=False)
    return buffer.getvalue()


def write_slider(G, out: str | Path) -> Path:
    """``export_slider`` written to ``out``; returns the path."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(export_slider(G))
    return out
