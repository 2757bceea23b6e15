"""Attribute sliders: one direction in W+ per attribute, an amount per slider, ``wp + sum(amount * direction)``;
every move is one render.

Where they come from: a generator whose mapping runs through the renderer's parameters (the embedded family) has
each attribute's exact direction, the difference of two values' embeddings (``ParameterMapping.value_offset``):
amount 1 changes that attribute from one value to the other and nothing else. A family with InterFaceGAN direction
files (``loading.interfacegan``: StyleGAN-NADA's and e4e's age / smile / pose / gender / beard / hair length for
StyleGAN2-FFHQ) moves along each file's direction, amount 1 being ``FILE_SCALE`` times it, the step their examples
take.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

__all__ = ["AttributeSlider", "exact_sliders", "file_sliders", "attribute_offset", "FILE_SCALE", "MAX_AMOUNT",
           "EXACT_PAIRS"]

FILE_SCALE = 3.0
MAX_AMOUNT = 1.5  # the sliders run from -MAX_AMOUNT to MAX_AMOUNT
# (attribute, value at amount 0, value at amount 1) of the embedded family's sliders
EXACT_PAIRS = (("pose", "left", "right"), ("face_shape", "round", "long"), ("glasses", "none", "glasses"),
               ("hair_style", "short", "long"), ("smile", "neutral", "smiling"), ("eyes", "open", "closed"),
               ("mouth", "closed", "open"), ("beard", "none", "beard"), ("earrings", "none", "earrings"),
               ("skin_tone", "light", "dark"), ("lipstick", "none", "red"), ("freckles", "none", "freckles"))


@dataclass(frozen=True)
class AttributeSlider:
    name: str
    label: str  # what moving it to the right does, for people
    direction: torch.Tensor  # [L, D]: the change of ``wp`` at amount 1


def exact_sliders(G, vocab) -> dict[str, AttributeSlider]:
    """The sliders of a generator with the parameter mapping: each pair of ``EXACT_PAIRS`` its vocabulary has."""
    names = [t.name for t in vocab.terms]  # the mapping's attribute order
    sliders = {}
    for name, low, high in EXACT_PAIRS:
        if name not in names:
            continue
        term = vocab.term(name)
        current, target = torch.zeros(1, len(names), dtype=torch.long), torch.zeros(1, len(names), dtype=torch.long)
        current[0, names.index(name)], target[0, names.index(name)] = term.index(low), term.index(high)
        with torch.no_grad():
            w = G.style.value_offset(current, target)  # [1, D]
        sliders[name] = AttributeSlider(name, f"{name.replace('_', ' ')}: {low} → {high}",
                                        G.broadcast(w)[0].cpu())
    return sliders


def file_sliders(directions: dict[str, torch.Tensor], num_layers: int, w_dim: int) -> dict[str, AttributeSlider]:
    """Sliders from direction files (``[D]`` or ``[L, D]`` each); a file of another generator's size is left out."""
    sliders = {}
    for name, d in sorted(directions.items()):
        if d.shape[-1] != w_dim or (d.ndim == 2 and d.shape[0] != num_layers):
            continue
        d = d.expand(num_layers, w_dim) if d.ndim == 1 else d
        label = f"{name.replace('_', ' ')} (InterFaceGAN)"
        sliders[name] = AttributeSlider(name, label, FILE_SCALE * d.float().clone())
    return sliders


def attribute_offset(sliders: dict[str, AttributeSlider], amounts: dict[str, float], num_layers: int,
                     w_dim: int) -> torch.Tensor:
    """``[1, L, D]``: the sum of each named slider's direction times its amount (unknown names and amounts outside
    ±``MAX_AMOUNT`` are a ``ValueError``)."""
    offset = torch.zeros(1, num_layers, w_dim)
    for name, amount in amounts.items():
        if name not in sliders:
            raise ValueError(f"no attribute slider {name!r} on this family; it has: {', '.join(sliders) or 'none'}")
        if not -MAX_AMOUNT <= float(amount) <= MAX_AMOUNT:  # NaN fails too
            raise ValueError(f"the {name} slider runs from -{MAX_AMOUNT:g} to {MAX_AMOUNT:g}, not {amount}")
        offset += float(amount) * sliders[name].direction
    return offset
