"""A fixed map from a Gaussian ``z`` to the renderer's parameters, each parameter owned by one layer group.

The distilled generator (``train/distill.py``) learns to draw ``render(*params(z))``; with three codes in the
coarse, middle and fine W+ entries it must draw the face whose coarse parameters come from the first, the middle
from the second and the fine from the third, so each group carries what its name says.

``z`` is first normalised as StyleGAN2's mapping normalises it (``z * rsqrt(mean(z**2))``), so the parameters are
a function of what the generator sees. Dimension ``k`` of the normalised code drives one parameter through the
normal CDF ``u = Phi(z_k)``; the other dimensions mean nothing. See ``SLOTS`` for the table.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from .attributes import ATTRIBUTES, attribute

__all__ = ["SLOTS", "PARAMETER_GROUPS", "NUM_SLOTS", "params", "mix_params", "render_params", "values_to_z"]

# Categorical priors (value shares) of ``sample_attributes``; the rest are uniform.
_PRIORS = {"glasses": (0.5, 0.25, 0.25), "beard": (0.7, 0.3), "lipstick": (0.65, 0.35), "earrings": (0.7, 0.3),
           "freckles": (0.65, 0.35)}

# (z dimension, parameter, group). Attributes first (ATTRIBUTES order), then the renderer's nuisance vector:
# 0-2 placement and scale, 3 unused by the renderer, 4-6 texture phases, 7-15 colour jitter, 16 clothes colour.
SLOTS: tuple[tuple[int, str, str], ...] = (
    *((k, a.name, a.group) for k, a in enumerate(ATTRIBUTES)),
    *((len(ATTRIBUTES) + j, f"nuisance_{j}", "coarse" if j < 4 else "fine") for j in range(17)),
)
NUM_SLOTS = len(SLOTS)
PARAMETER_GROUPS = {name: group for _, name, group in SLOTS}


def _normalise(z: torch.Tensor) -> torch.Tensor:
    return z * torch.rsqrt(z.pow(2).mean(1, keepdim=True) + 1e-8)


def _cum(name: str) -> torch.Tensor:
    n = len(attribute(name).values)
    shares = _PRIORS.get(name, (1.0 / n,) * n)
    return torch.tensor(np.cumsum(shares)[:-1], dtype=torch.float32)


def params(z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """``z [N, D]`` (``D >= NUM_SLOTS``) -> attribute value indices ``[N, A]`` (ATTRIBUTES order) and the
    renderer's nuisance vectors ``[N, 17]``. Lipstick is drawn only where the same code has no beard, as in
    ``sample_attributes``."""
    zn = _normalise(z.detach().float().cpu())
    u = 0.5 * (1 + torch.erf(zn[:, :NUM_SLOTS] / math.sqrt(2)))
    values = torch.stack([torch.bucketize(u[:, k].contiguous(), _cum(a.name), right=True)
                          for k, a in enumerate(ATTRIBUTES)], 1)
    beard, lipstick = ATTRIBUTES.index(attribute("beard")), ATTRIBUTES.index(attribute("lipstick"))
    values[:, lipstick] *= (values[:, beard] == 0).long()
    v = u[:, len(ATTRIBUTES):]
    nuisance = torch.cat([2 * v[:, 0:4] - 1, 2 * math.pi * v[:, 4:7], zn[:, len(ATTRIBUTES) + 7:len(ATTRIBUTES) + 16],
                          torch.floor(v[:, 16:17] * 6).clamp(max=5)], 1)
    return values, nuisance


def mix_params(parts: dict[str, tuple[torch.Tensor, torch.Tensor]]) -> tuple[torch.Tensor, torch.Tensor]:
    """Take each parameter from the group that owns it: ``parts`` maps coarse / middle / fine to ``params(z)``
    of that group's code."""
    values = torch.stack([parts[a.group][0][:, k] for k, a in enumerate(ATTRIBUTES)], 1)
    nuisance = torch.stack([parts["coarse" if j < 4 else "fine"][1][:, j] for j in range(17)], 1)
    return values, nuisance


def render_params(values: torch.Tensor, nuisance: torch.Tensor, resolution: int = 64):
    """Render faces from ``params``-style tensors (a ``FaceBatch``)."""
    from .render import render

    attrs = [{a.name: int(v) for a, v in zip(ATTRIBUTES, row)} for row in values.tolist()]
    return render(attrs, nuisance.numpy().astype(np.float64), resolution)


def values_to_z(values: dict[str, int], n: int, dim: int, generator: torch.Generator | None = None
                ) -> torch.Tensor:
    """``n`` random codes ``[n, dim]`` whose parameters have the given attribute values (index per name) and are
    free elsewhere: the inverse of ``params`` on the named slots (each drawn inside its value's CDF interval)."""
    z = torch.randn(n, dim, generator=generator)
    target: dict[int, torch.Tensor] = {}
    for k, a in enumerate(ATTRIBUTES):
        if a.name not in values:
            continue
        edges = torch.cat([torch.zeros(1), _cum(a.name), torch.ones(1)])
        lo, hi = float(edges[values[a.name]]), float(edges[values[a.name] + 1])
        u = lo + (hi - lo) * (0.05 + 0.9 * torch.rand(n, generator=generator))
        target[k] = math.sqrt(2) * torch.erfinv(2 * u - 1)
    if values.get("lipstick"):
        target[ATTRIBUTES.index(attribute("beard"))] = -0.5 - torch.rand(n, generator=generator)
    for _ in range(4):  # the normalisation rescales z; a few fixed-point steps make the named slots exact
        scale = torch.rsqrt(z.pow(2).mean(1) + 1e-8)
        for k, t in target.items():
            z[:, k] = t / scale
    return z
