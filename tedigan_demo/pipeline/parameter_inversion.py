"""The embedded family's own faces inverted through the renderer's parameters.

The family's mapping (``models.parameter_mapping``) gives every attribute value an exact place in ``w``, so a face
of the domain has an exact code: its values (read by the attribute classifier), its continuous nuisance (placement,
scale, texture phases, colour jitter: fitted to the pixels by gradient) and its clothes colour (the best of random
starts). An attribute the classifier is unsure of is settled by the pixels: each of its two likeliest values is
rendered and the closer kept. A short W+ refinement (``method.inversion.optimize_wp``) then takes up what the
distilled generator draws differently from the renderer, with a classifier term that keeps the values read.

A photo of a person is not a face of the domain: its pixels would pull the code out of it (a blur). It is read
as the domain's values instead (``photo_values``) and drawn at the renderer's middle nuisance
(``cartoon_of_photo``): a clean face of the domain that shows what the photo shows.

Used by ``TediGANPipeline.invert`` on families whose mapping runs through the parameters (text strategy
"parameters"); the encoder's code (TediGAN §3.3) is kept for comparison as ``Inversion.wp_encoder``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from ..method.inversion import InversionWeights, optimize_wp
from ..synthfaces.latent import params
from .photo_values import PhotoReading
from .results import Inversion
from .text_codes import render

__all__ = ["PARAMETER_FIT", "ParameterFit", "cartoon_of_photo", "invert_parameters", "read_values"]


@dataclass(frozen=True)
class ParameterFit:
    """How the parameters are found; ``PARAMETER_FIT`` holds the measured defaults (``python -m
    bench.inversion_family``; docs/decisions.md, "Inverting the family's own faces")."""

    starts: int = 32  # random nuisance draws rendered; the fit starts from the closest
    fit_steps: int = 20  # gradient steps on the continuous nuisance
    fit_lr: float = 0.05
    unsure: float = 0.9  # an attribute read with less confidence has its second value tried too
    refine_steps: int = 100  # W+ steps after the parameters (0: the parameter code itself)
    refine_lr: float = 0.07
    refine_perceptual: float = 0.0  # weight of the perceptual term during refinement (pixels alone reach more)
    keep_values: float = 0.005  # weight of the classifier term that keeps the values read during refinement


PARAMETER_FIT = ParameterFit()


def read_values(classifier, image: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor]]:
    """``image [1, 3, R, R]`` -> the classifier's values ``[1, A]`` (indices, ATTRIBUTES order) and each
    attribute's probabilities ``[num_values]``."""
    with torch.no_grad():
        probs = [logits.softmax(-1)[0] for logits in classifier(image)]
    return torch.stack([p.argmax() for p in probs])[None], probs


def _synth(G, w: torch.Tensor) -> torch.Tensor:
    return G.synthesize(G.broadcast(w), "const")


def _start(G, values: torch.Tensor, target: torch.Tensor, starts: int) -> torch.Tensor:
    """The closest of ``starts`` random nuisance vectors ``[1, 17]`` for ``values`` (a fixed draw: the same
    target gives the same start)."""
    g = torch.Generator().manual_seed(0)
    _, nuisance = params(torch.randn(starts, G.w_dim, generator=g))
    with torch.no_grad():
        images = _synth(G, G.style.forward_params(values.expand(starts, -1), nuisance))
        loss = (images - target).pow(2).flatten(1).mean(1)
    return nuisance[int(loss.argmin())][None]


def _fit(G, values, nuisance, target, perceptual, fit: ParameterFit) -> torch.Tensor:
    """Gradient steps on the continuous nuisance (entries 0-15; the clothes index stays) under pixel and
    perceptual distance."""
    continuous = nuisance[:, :16].clone().requires_grad_(True)
    clothes = nuisance[:, 16:]
    target_feat = perceptual(target).detach() if perceptual is not None else None
    opt = torch.optim.Adam([continuous], lr=fit.fit_lr)
    for _ in range(fit.fit_steps):
        image = _synth(G, G.style.forward_params(values, torch.cat([continuous, clothes], 1)))
        loss = (image - target).pow(2).mean()
        if target_feat is not None:
            loss = loss + 0.5 * (perceptual(image) - target_feat).pow(2).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    return torch.cat([continuous.detach(), clothes], 1)


def _settle(G, values, nuisance, probs, target, unsure: float) -> torch.Tensor:
    """Each attribute read with less than ``unsure`` confidence: its second value kept where it renders closer
    to ``target``."""
    with torch.no_grad():
        def distance(v):
            return float((_synth(G, G.style.forward_params(v, nuisance)) - target).pow(2).mean())

        best = distance(values)
        for k, p in enumerate(probs):
            if len(p) < 2 or float(p.max()) >= unsure:
                continue
            other = values.clone()
            other[0, k] = p.topk(2).indices[1]
            d = distance(other)
            if d < best:
                values, best = other, d
    return values


def invert_parameters(G, classifier, encoder, perceptual, target: torch.Tensor, fit: ParameterFit | None = None,
                      progress: Callable | None = None, preview: int | None = None) -> Inversion:
    """The prepared image ``target`` ``[1, 3, R, R]`` of the family's domain -> its ``Inversion`` through the
    parameters (module docstring). ``encoder``'s code is kept as ``wp_encoder``; ``progress(step, steps, losses)``
    follows the refinement. Deterministic."""
    fit = fit or ParameterFit()
    with torch.no_grad():
        wp_encoder = encoder(target) if encoder is not None else None
    values, probs = read_values(classifier, target)
    with torch.enable_grad():
        nuisance = _fit(G, values, _start(G, values, target, fit.starts), target, perceptual, fit)
    values = _settle(G, values, nuisance, probs, target, fit.unsure)
    with torch.no_grad():
        wp = G.broadcast(G.style.forward_params(values, nuisance))
    losses = {}
    if fit.refine_steps:  # the term that keeps the values read takes optimize_wp's text-loss place
        weights = InversionWeights(pixel=1.0, perceptual=fit.refine_perceptual if perceptual is not None else 0.0,
                                   encoder=0.0, text=1.0, lr=fit.refine_lr, steps=fit.refine_steps)
        with torch.enable_grad():
            wp, losses = optimize_wp(lambda w: G.synthesize(w, "const"), target, wp, weights, perceptual=perceptual,
                                     text_loss=_keep_values(classifier, values, fit.keep_values), progress=progress)
    return Inversion.compared(wp, wp_encoder if wp_encoder is not None else wp, target, render(G, wp, preview),
                              fit.refine_steps, losses)


def _keep_values(classifier, values: torch.Tensor, weight: float) -> Callable:
    """images -> ``[N]`` loss: ``weight`` times the classifier's cross-entropy against ``values`` (the refinement's
    term that keeps what was read)."""
    def loss(images: torch.Tensor) -> torch.Tensor:
        terms = [F.cross_entropy(logits, values[:, k].expand(len(images)), reduction="none")
                 for k, logits in enumerate(classifier(images))]
        return weight * torch.stack(terms, 0).sum(0)

    return loss


def cartoon_of_photo(G, reading: PhotoReading, target: torch.Tensor, preview: int | None = None) -> Inversion:
    """A photo of a person (``target``, aligned) as a face of the domain: the values read from it (``reading``)
    at the renderer's middle nuisance (centred, middle scale, no colour jitter), no refinement."""
    values = torch.tensor([reading.indices()])
    _, nuisance = params(torch.zeros(1, G.w_dim))  # every uniform at one half: the middle of each range
    with torch.no_grad():
        wp = G.broadcast(G.style.forward_params(values, nuisance))
    return Inversion.compared(wp, wp, target, render(G, wp, preview), 0, {}, photo_values=dict(reading.values))
