"""Which W+ layers carry what: a generator's layer groups (coarse / middle / fine, ``models.base.split_layers``)
and the groups that carry each attribute a vocabulary names.

Which table of attribute -> groups wins: a family's own measured table (``attribute_groups.json``, what each group
changes on that family) when it has one, as a whole; otherwise the vocabulary's terms (the embedded domain's
renderer for its faces, ``vocabulary.realface`` after what StyleGAN's FFHQ layers carry for real faces).
"""

from __future__ import annotations

import operator
from collections.abc import Iterable
from dataclasses import dataclass

import torch

from ..method.control import layer_mask
from ..models.base import GROUP_NAMES
from ..vocabulary import Vocabulary

__all__ = ["LayerGroups", "GROUP_NAMES"]


@dataclass(frozen=True)
class LayerGroups:
    num_layers: int
    groups: dict[str, list[int]]  # group -> its W+ entries (the generator's ``layer_groups``)
    attributes: dict[str, tuple[str, ...]]  # attribute -> the groups that carry it

    @classmethod
    def of(cls, generator, vocab: Vocabulary, measured: dict | None = None) -> LayerGroups:
        """The groups of ``generator``; the attributes' from ``measured`` where the family has it, else ``vocab``."""
        table = measured or {t.name: t.groups for t in vocab.terms}
        attributes = {a: (g,) if isinstance(g, str) else tuple(g) for a, g in table.items()}
        return cls(generator.num_layers, generator.layer_groups, attributes)

    def layers_of(self, names: Iterable[str]) -> list[int]:
        """W+ layers of the groups that carry the given attributes."""
        groups = {g for name in names for g in self.attributes[name]}
        return sorted(i for g in groups for i in self.groups[g])

    def governed(self, named: dict[str, str]) -> list[int]:
        """The layers a description naming ``named`` governs: its attributes' groups, every layer if it names none."""
        return self.layers_of(named) if named else list(range(self.num_layers))

    def strengths(self, layers: list[int]) -> dict[str, float]:
        """Per group, 1 when it holds any of ``layers`` and 0 otherwise: an edit's default slider strengths."""
        return {g: float(any(i in layers for i in self.groups[g])) for g in GROUP_NAMES}

    def mask(self, strengths: dict[str, float]) -> torch.Tensor:
        """``[num_layers]`` weights from per-group (or index-range) strengths; checks them (``layer_mask``)."""
        return layer_mask(self.num_layers, self.groups, strengths)

    def only(self, layers: Iterable[int]) -> torch.Tensor:
        """``[num_layers]``: 1 on ``layers``, 0 elsewhere. ``layers``: W+ indices (ints, a range, numpy or torch
        integers), taken as indices directly, not as the group names or "a-b" ranges of ``mask``; an index outside
        0 .. num_layers - 1 or one that is not an integer is a ValueError."""
        mask = torch.zeros(self.num_layers)
        for i in layers:
            try:
                i = operator.index(i)
            except TypeError:
                raise ValueError(f"layer index {i!r} is not an integer") from None
            if not 0 <= i < self.num_layers:
                raise ValueError(f"layer index {i} is outside 0-{self.num_layers - 1}")
            mask[i] = 1.0
        return mask

    def carried_by(self, group: str) -> list[str]:
        """The attributes ``group`` carries, in the table's order."""
        return [a for a, gs in self.attributes.items() if group in gs]
