"""A photo's W+ code as TediGAN finds it (§3.3, after IDInvert): the image encoder's code, then instance-level
optimisation with pixel, perceptual and encoder terms (``method.inversion.optimize_wp``); on a family whose mapping
runs through the renderer's parameters, through those parameters (``parameter_inversion``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import torch
import torch.nn.functional as F

from ..method.inversion import InversionWeights, optimize_wp
from .parameter_inversion import PARAMETER_FIT, invert_parameters
from .results import Inversion, psnr
from .text_codes import render

__all__ = ["invert_target"]


def invert_target(G, encoder, perceptual, weights: InversionWeights, target: torch.Tensor,
                  progress: Callable | None = None, preview: int | None = None, through=None) -> Inversion:
    """The prepared image ``target`` ``[1, 3, R, R]`` (on ``G``'s device) -> its ``Inversion``: ``encoder``'s
    code refined for ``weights.steps`` under ``weights`` (``perceptual``: the feature network of that term, or
    None); the reconstruction is rendered, and compared with the target, at ``preview`` px at most (None: full
    size). ``through``: the family's attribute classifier where the inversion goes through the renderer's
    parameters instead (``parameter_inversion``; ``weights.steps`` of W+ refinement after them). Deterministic:
    no random state is drawn or touched."""
    if through is not None:
        fit = replace(PARAMETER_FIT, refine_steps=weights.steps)
        return invert_parameters(G, through, encoder, perceptual, target, fit, progress, preview)
    with torch.inference_mode():
        wp0 = encoder(target)
    with torch.enable_grad():
        wp, losses = optimize_wp(lambda w: G.synthesize(w, "const"), target, wp0.clone(), weights,
                                 perceptual=perceptual, encoder=encoder, progress=progress, patience=20)
    image_rec = render(G, wp, preview)
    if image_rec.shape[-1] != target.shape[-1]:
        target = F.interpolate(target, size=image_rec.shape[-2:], mode="area")
    return Inversion(wp, wp0, target, image_rec, psnr(image_rec, target), weights.steps, losses)
