"""Official checkpoint containers with random weights, for tests and benchmarks that cannot download the real ones
(``bench.ffhq1024`` imports them from here: ``tests.standins``).

The key names and shapes come from the format descriptions (``../shared/compat``, or its copy ``tests/compat``).
"""

from __future__ import annotations

import json
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
# The team's format descriptions live in ../shared/compat; tests/compat is a copy so that a lone clone can test.
COMPAT = ROOT.parent / "shared" / "compat"
if not COMPAT.exists():
    COMPAT = ROOT / "tests" / "compat"

__all__ = ["COMPAT", "compat_state_dict", "official_encoder_state", "official_generator_state"]


def compat_state_dict(name: str, seed: int = 0) -> dict[str, torch.Tensor]:
    """Random tensors with exactly the key names and shapes listed in the compat folder's ``name``
    (../shared/compat, or its copy tests/compat)."""
    spec = json.loads((COMPAT / name).read_text())
    g = torch.Generator().manual_seed(seed)
    shapes = {**spec["params"], **spec.get("buffers", {})}
    sd = {}
    for k, shape in shapes.items():
        if k.endswith("blur.kernel"):  # FIR kernels are constants of the architecture, stored as buffers
            key = "blur_kernel_4x4_values" if "blur_kernel_4x4_values" in spec["derived"] else "blur_kernel_3x3"
            sd[k] = torch.tensor(spec["derived"][key]).expand(shape).clone()
        elif k == "synthesis.lod":
            sd[k] = torch.zeros(())
        elif k.endswith("upsample.kernel"):
            sd[k] = torch.tensor(spec["derived"]["torgb_upsample_kernel_values"])
        elif k.endswith("modulation.bias"):
            sd[k] = 1 + 0.1 * torch.randn(shape, generator=g)
        else:
            sd[k] = torch.randn(shape, generator=g) * (0.1 if len(shape) <= 1 else 1.0)
    return sd


def official_encoder_state(name: str, seed: int = 0) -> dict[str, torch.Tensor]:
    """A pSp / e4e file's whole ``state_dict`` (``encoder.*`` from ``name``, ``decoder.*`` of the 1024 px generator)
    with random weights that give finite codes: positive running variances, convolutions at unit gain."""
    enc = compat_state_dict(name, seed=seed)
    enc = {k: (v.abs() + 0.5 if "running_var" in k else v / v[0].numel() ** 0.5 if v.ndim == 4 else v)
           for k, v in enc.items()}
    dec = compat_state_dict("psp_stylegan2_1024_generator.json", seed=seed + 1)
    return {**{"encoder." + k: v for k, v in enc.items()}, **{"decoder." + k: v for k, v in dec.items()}}


def official_generator_state(seed: int = 0) -> dict[str, torch.Tensor]:
    """rosinality's FFHQ-1024 ``g_ema`` with random weights; the mapping weights are scaled as rosinality
    initialises them (randn / lr_mul), without which z barely reaches w."""
    g = compat_state_dict("psp_stylegan2_1024_generator.json", seed)
    return {k: v * 100 if k.startswith("style.") and k.endswith(".weight") else v for k, v in g.items()}
