"""The embedded family's mapping network: ``z -> the renderer's parameters -> w``, exactly.

A StyleGAN2 mapping MLP has to learn the procedural domain's thresholds (an attribute changes value where a
normal CDF crosses a prior's share) and never fits them sharply; the distilled generator then draws blends. Here
the map ``z -> parameters`` is the domain's own (``synthfaces.latent.params``) and only ``parameters -> w`` is
learned: one embedding per attribute value plus a linear read of the continuous nuisance parameters.

``w`` is split into three blocks, one per layer group (coarse / middle / fine); a parameter writes only into the
block of the group that owns it (``synthfaces.latent.PARAMETER_GROUPS``), so the layers of one group have nothing
of another group's parameters to read. W stays an ordinary vector space: inversion, encoders, the text mapper,
truncation (toward the mean ``w`` of random codes) and interpolation work on it as on any StyleGAN2 ``w``. The map
from ``z`` is piecewise constant, so nothing differentiates through it.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from ..synthfaces.attributes import ATTRIBUTES
from ..synthfaces.latent import NUM_SLOTS, params
from .base import GROUP_NAMES

__all__ = ["ParameterMapping", "block_sizes", "maps_through_parameters"]

_CLOTHES = 6  # clothes colours: nuisance entry 16 holds an index


def maps_through_parameters(G) -> bool:
    """Whether generator ``G``'s mapping is the renderer's parameters (its ``style`` a ``ParameterMapping``)."""
    return getattr(getattr(G, "config", None), "mapping", "mlp") == "parameters"


def block_sizes(w_dim: int) -> dict[str, int]:
    """The dimensions of ``w`` given to each group: a third each, the remainder to fine."""
    third = w_dim // 3
    return {"coarse": third, "middle": third, "fine": w_dim - 2 * third}


class ParameterMapping(nn.Module):
    """``z [N, w_dim] -> w [N, w_dim]`` through the renderer's parameters (see the module docstring).

    ``forward_params(values, nuisance)`` takes the parameters themselves (``params``' output), e.g. from a face the
    renderer drew from a known attribute table."""

    def __init__(self, w_dim: int):
        super().__init__()
        if w_dim < NUM_SLOTS:
            raise ValueError(f"the parameter mapping needs w_dim >= {NUM_SLOTS}, got {w_dim}")
        self.w_dim = w_dim
        self.blocks = block_sizes(w_dim)
        self.values = nn.ModuleList(nn.Embedding(len(a.values), self.blocks[a.group]) for a in ATTRIBUTES)
        # coarse nuisance: placement and scale (entries 0-3); fine: texture phases as sin / cos (4-6), colour
        # jitter (7-15) and the clothes colour (16, an index)
        self.coarse_nuisance = nn.Linear(4, self.blocks["coarse"])
        self.fine_nuisance = nn.Linear(6 + 9, self.blocks["fine"])
        self.clothes = nn.Embedding(_CLOTHES, self.blocks["fine"])
        for g in GROUP_NAMES:
            self.register_parameter(f"bias_{g}", nn.Parameter(torch.zeros(self.blocks[g])))
        terms = {g: 1 + sum(a.group == g for a in ATTRIBUTES) for g in GROUP_NAMES}
        for emb, a in zip(self.values, ATTRIBUTES):
            nn.init.normal_(emb.weight, std=1 / math.sqrt(terms[a.group]))
        nn.init.normal_(self.clothes.weight, std=1 / math.sqrt(terms["fine"]))

    def forward_params(self, values: torch.Tensor, nuisance: torch.Tensor) -> torch.Tensor:
        """Attribute value indices ``[N, A]`` and nuisance vectors ``[N, 17]`` -> ``w [N, w_dim]``."""
        device = self.bias_coarse.device
        values, nuisance = values.to(device), nuisance.to(device, torch.float32)
        out = {g: getattr(self, f"bias_{g}").expand(values.shape[0], -1) for g in GROUP_NAMES}
        for k, (emb, a) in enumerate(zip(self.values, ATTRIBUTES)):
            out[a.group] = out[a.group] + emb(values[:, k])
        out["coarse"] = out["coarse"] + self.coarse_nuisance(nuisance[:, 0:4])
        phases = nuisance[:, 4:7]
        fine = torch.cat([torch.sin(phases), torch.cos(phases), nuisance[:, 7:16]], 1)
        out["fine"] = out["fine"] + self.fine_nuisance(fine) + self.clothes(nuisance[:, 16].long().clamp(0, 5))
        return torch.cat([out[g] for g in GROUP_NAMES], 1)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.forward_params(*params(z))

    def value_offset(self, current: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """``[N, w_dim]``: what changing the attribute values ``current`` ``[N, A]`` (indices, ATTRIBUTES order) to
        ``target`` adds to ``w``, exactly: the difference of their embeddings, each in its group's block."""
        device = self.bias_coarse.device
        out = {g: torch.zeros(current.shape[0], self.blocks[g], device=device) for g in GROUP_NAMES}
        for k, (emb, a) in enumerate(zip(self.values, ATTRIBUTES)):
            out[a.group] = out[a.group] + emb(target[:, k].to(device)) - emb(current[:, k].to(device))
        return torch.cat([out[g] for g in GROUP_NAMES], 1)
