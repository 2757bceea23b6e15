"""Control mechanism (TediGAN §3.4): layer-wise mixing of a content code and a style code in W+."""

from __future__ import annotations

import torch

__all__ = ["MAX_STRENGTH", "layer_mask", "mix"]

# A group's strength runs from 0 (the content's code) through 1 (the style code) to MAX_STRENGTH: beyond 1 the
# style's offset from the content is extrapolated, which exaggerates an edit that the offset alone does not carry
# through (docs/decisions.md, "Strengths above 1").
MAX_STRENGTH = 2.0


def layer_mask(num_layers: int, groups: dict[str, list[int]], strengths: dict[str, float] | dict[str, float]
               ) -> torch.Tensor:
    """Per-layer weights ``[num_layers]`` from strengths per named group (``coarse``/``middle``/``fine``) or per
    explicit index range given as ``"a-b"`` (inclusive) or ``"i"``; each strength from 0 to ``MAX_STRENGTH``."""
    mask = torch.zeros(num_layers)
    for key, strength in strengths.items():
        if not 0.0 <= float(strength) <= MAX_STRENGTH:  # NaN fails too
            raise ValueError(f"the strength of {key!r} is {strength}: it runs from 0 to {MAX_STRENGTH:g}")
        if key in groups:
            idx = groups[key]
        else:
            try:
                lo, _, hi = str(key).partition("-")
                idx = list(range(int(lo), int(hi or lo) + 1))
            except ValueError:
                raise ValueError(f"unknown layer group {key!r}: use {', '.join(groups)} or an index range 'a-b'") \
                    from None
            if not idx or idx[0] < 0 or idx[-1] >= num_layers:
                raise ValueError(f"layer range {key!r} is outside 0-{num_layers - 1}")
        mask[idx] = float(strength)
    return mask


def mix(content_code: torch.Tensor, style_code: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """``wp = content + mask * (style - content)`` per layer; ``mask`` is ``[num_layers]`` (0 keeps the content)."""
    if content_code.shape[-2:] != style_code.shape[-2:]:
        raise ValueError(f"codes differ in shape: {list(content_code.shape)} vs {list(style_code.shape)}")
    m = mask.to(content_code).view(-1, 1)
    return torch.lerp(content_code, style_code, m)  # exact at 0 and 1: untouched layers stay bit-identical
