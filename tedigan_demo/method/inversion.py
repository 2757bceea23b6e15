"""GAN inversion (TediGAN §3.3, after IDInvert): encoder initialisation, then instance-level optimisation of W+.

The objective is ``w_pix * |x - G(wp)|^2 + w_feat * |F(x) - F(G(wp))|^2 + w_reg * |wp - E(G(wp))|^2``
(+ a text term when editing), where ``F`` is a perceptual feature network and ``E`` the image encoder: the encoder
term keeps the code in the semantically meaningful region the encoder maps real images to.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch

__all__ = ["InversionWeights", "optimize_wp"]


@dataclass(frozen=True)
class InversionWeights:
    pixel: float = 1.0
    perceptual: float = 5e-5  # official value for VGG16 conv4_3 features (compat/inversion_losses.json)
    encoder: float = 2.0
    text: float = 0.0
    lr: float = 0.01
    steps: int = 100


def optimize_wp(
    synthesize: Callable[[torch.Tensor], torch.Tensor],  # wp [N, L, D] -> images [N, 3, H, W]
    target: torch.Tensor,  # [N, 3, H, W] in [-1, 1]
    wp_init: torch.Tensor,  # [N, L, D], usually the encoder's output
    weights: InversionWeights,
    perceptual: Callable[[torch.Tensor], torch.Tensor] | None = None,
    encoder: Callable[[torch.Tensor], torch.Tensor] | None = None,
    text_loss: Callable[[torch.Tensor], torch.Tensor] | None = None,  # images -> [N] loss, lower = better match
    progress: Callable[[int, int, dict], bool | None] | None = None,  # (step, steps, losses) -> True to stop
    patience: int = 0,  # early stop after this many steps without a 0.1% improvement (0 = never)
) -> tuple[torch.Tensor, dict]:
    """Optimise W+ codes to reproduce ``target``; returns the codes and the last losses."""
    wp = wp_init.detach().clone().requires_grad_(True)
    opt = torch.optim.Adam([wp], lr=weights.lr)
    target_feat = perceptual(target).detach() if perceptual is not None and weights.perceptual else None
    best, since_best, losses = float("inf"), 0, {}
    for step in range(weights.steps):
        image = synthesize(wp)
        terms = {"pixel": (image - target).pow(2).mean()}
        if target_feat is not None:
            terms["perceptual"] = (perceptual(image) - target_feat).pow(2).mean()
        if encoder is not None and weights.encoder:
            terms["encoder"] = (wp - encoder(image)).pow(2).mean()
        if text_loss is not None and weights.text:
            terms["text"] = text_loss(image).mean()
        total = sum(getattr(weights, k) * v for k, v in terms.items())
        opt.zero_grad(set_to_none=True)
        total.backward()
        opt.step()
        losses = {k: round(v.item(), 6) for k, v in terms.items()} | {"total": round(total.item(), 6)}
        if progress is not None and progress(step + 1, weights.steps, losses):
            break
        if patience:
            if total.item() < best * 0.999:
                best, since_best = total.item(), 0
            else:
                since_best += 1
                if since_best >= patience:
                    break
    return wp.detach(), losses
