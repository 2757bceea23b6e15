"""Faces from structure: a sketch or a label map gives the structure layers' code (through the family's pSp-style
encoder), random codes give the others, and a text then edits the results as an edit does (docs/decisions.md,
"Text on sketches and label maps")."""

from __future__ import annotations

import torch

from ..loading import LoadError
from ..method.control import mix
from .inputs import label_tensor, sketch_tensor
from .results import Generation

__all__ = ["sketch_code", "label_code", "from_structure"]


def sketch_code(encoder, sketch, device, family: str) -> torch.Tensor:
    """A sketch (strokes on a canvas, any size) -> its W+ code ``[1, L, D]`` by the family's sketch ``encoder``
    (None: a ``LoadError`` naming ``family``)."""
    if encoder is None:
        raise LoadError(f"family {family} has no sketch encoder")
    with torch.inference_mode():
        return encoder(sketch_tensor(encoder, sketch).to(device))


def label_code(encoder, label, index_space: str, device, family: str) -> torch.Tensor:
    """A label map (colour image in the legend's palette, or class indices in ``index_space``) -> its W+ code
    ``[1, L, D]`` by the family's label-map ``encoder`` (None: a ``LoadError`` naming ``family``)."""
    if encoder is None:
        raise LoadError(f"family {family} has no label-map encoder")
    x = label_tensor(encoder, label, index_space).to(device)
    with torch.inference_mode():
        return encoder(x)


def from_structure(pipe, code: torch.Tensor, text: str | None, n: int, seed: int, truncation: float,
                   steps: int | None = None) -> Generation:
    """``n`` faces on ``pipe`` (a ``TediGANPipeline``): the modality's ``code`` ``[1, L, D]`` in the structure
    layers (coarse, middle), ``seed``'s random codes at ``truncation`` in the others; a non-blank ``text`` then
    edits them (``pipe.edit`` with ``steps``, no per-group strip)."""
    structure = pipe.groups["coarse"] + pipe.groups["middle"]
    wp = mix(pipe.random_codes(n, seed, truncation), code.expand(n, -1, -1), pipe.layers.only(structure))
    if text is not None and str(text).strip():
        edited = pipe.edit(wp, text, steps=steps, per_group=False)
        return Generation(edited.image, edited.wp, structure, edited.named)
    return Generation(pipe.render(wp), wp, structure, {})
