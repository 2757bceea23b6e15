"""Text edits as StyleCLIP global directions (Patashnik et al., ICCV 2021, §6): one render per edit, no optimisation.

A text pair (neutral, target) becomes a direction ``dt`` in CLIP's joint space; ``fs3`` (one row per StyleSpace
channel of the generator's convolutions, measured once by the authors for FFHQ config-f) says how each channel
moves CLIP's image embedding, so ``r = fs3 @ dt`` is each channel's relevance to the text. Channels below the
disentanglement threshold ``beta`` are left alone; the rest move by ``alpha`` times their relevance (scaled to a
maximum of 1) times their standard deviation over the generator's styles. The formulas and constants follow the
official ``global_torch`` code (``../shared/compat/styleclip_global_directions.json``); a test checks each against
an independent implementation.

Functions over tensors; the caller owns the models (``encode_text``: a list of strings -> ``[N, D]`` embeddings).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

__all__ = ["IMAGENET_TEMPLATES", "text_embedding", "text_direction", "direction_between", "StyleStatistics",
           "style_statistics", "Boundary", "channel_boundary", "apply_boundary", "check_fs3"]

# The prompt templates of CLIP's zero-shot ImageNet classifier, as StyleCLIP's global_torch uses them: 79 of the 80
# ('a photo of many {}.' is left out there, and here).
IMAGENET_TEMPLATES = (
    "a bad photo of a {}.", "a sculpture of a {}.", "a photo of the hard to see {}.",
    "a low resolution photo of the {}.", "a rendering of a {}.", "graffiti of a {}.", "a bad photo of the {}.",
    "a cropped photo of the {}.", "a tattoo of a {}.", "the embroidered {}.", "a photo of a hard to see {}.",
    "a bright photo of a {}.", "a photo of a clean {}.", "a photo of a dirty {}.", "a dark photo of the {}.",
    "a drawing of a {}.", "a photo of my {}.", "the plastic {}.", "a photo of the cool {}.",
    "a close-up photo of a {}.", "a black and white photo of the {}.", "a painting of the {}.",
    "a painting of a {}.", "a pixelated photo of the {}.", "a sculpture of the {}.", "a bright photo of the {}.",
    "a cropped photo of a {}.", "a plastic {}.", "a photo of the dirty {}.", "a jpeg corrupted photo of a {}.",
    "a blurry photo of the {}.", "a photo of the {}.", "a good photo of the {}.", "a rendering of the {}.",
    "a {} in a video game.", "a photo of one {}.", "a doodle of a {}.", "a close-up photo of the {}.",
    "a photo of a {}.", "the origami {}.", "the {} in a video game.", "a sketch of a {}.", "a doodle of the {}.",
    "a origami {}.", "a low resolution photo of a {}.", "the toy {}.", "a rendition of the {}.",
    "a photo of the clean {}.", "a photo of a large {}.", "a rendition of a {}.", "a photo of a nice {}.",
    "a photo of a weird {}.", "a blurry photo of a {}.", "a cartoon {}.", "art of a {}.", "a sketch of the {}.",
    "a embroidered {}.", "a pixelated photo of a {}.", "itap of the {}.", "a jpeg corrupted photo of the {}.",
    "a good photo of a {}.", "a plushie {}.", "a photo of the nice {}.", "a photo of the small {}.",
    "a photo of the weird {}.", "the cartoon {}.", "art of the {}.", "a drawing of the {}.",
    "a photo of the large {}.", "a black and white photo of a {}.", "the plushie {}.", "a dark photo of a {}.",
    "itap of a {}.", "graffiti of the {}.", "a toy {}.", "itap of my {}.", "a photo of a cool {}.",
    "a photo of a small {}.", "a tattoo of the {}.",
)


def text_embedding(encode_text, text: str) -> torch.Tensor:
    """``text`` in every template, each embedding L2-normalised, averaged, normalised again: ``[D]``."""
    emb = encode_text([t.format(text) for t in IMAGENET_TEMPLATES]).float()
    mean = (emb / emb.norm(dim=-1, keepdim=True)).mean(0)
    return mean / mean.norm()


def text_direction(encode_text, neutral: str, target: str) -> torch.Tensor:
    """``dt``: the target's template embedding minus the neutral's, unit length ``[D]``."""
    return direction_between(text_embedding(encode_text, neutral), text_embedding(encode_text, target))


def direction_between(neutral: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """``text_direction`` from the two texts' template embeddings ``[D]``."""
    dt = target - neutral
    norm = dt.norm()
    if not torch.isfinite(norm) or norm < 1e-8:
        raise ValueError("the description and the neutral text read the same: give a description that differs")
    return dt / norm


@dataclass(frozen=True)
class StyleStatistics:
    """Mean and standard deviation of every StyleSpace channel, one ``[C_i]`` tensor per style layer."""

    mean: tuple[torch.Tensor, ...]
    std: tuple[torch.Tensor, ...]


@torch.no_grad()
def style_statistics(G, n: int = 100_000, seed: int = 5, psi: float = 0.7, cutoff: int = 8,
                     batch: int = 2000) -> StyleStatistics:
    """The official statistics: ``z = RandomState(seed).randn(n, w_dim)``, ``w = mapping(z)`` truncated by ``psi``
    in the first ``cutoff`` W+ entries, the styles' per-channel mean and (population) standard deviation. Streamed
    in batches, accumulated in float64: 100k codes of config-f would be 3.6 GB at once."""
    z_all = np.random.RandomState(seed).randn(n, G.w_dim)
    sums = sq = None
    for start in range(0, n, batch):
        z = torch.from_numpy(z_all[start:start + batch]).float().to(G.device)
        wp = G.broadcast(G.mapping(z))
        wp[:, :cutoff] = G.truncate(wp[:, :cutoff], psi)
        styles = [s.double() for s in G.styles(wp)]
        if sums is None:
            sums, sq = [s.sum(0) for s in styles], [s.pow(2).sum(0) for s in styles]
        else:
            sums = [a + s.sum(0) for a, s in zip(sums, styles)]
            sq = [a + s.pow(2).sum(0) for a, s in zip(sq, styles)]
    mean = tuple((s / n).float().cpu() for s in sums)
    std = tuple(((q / n - (s / n) ** 2).clamp(min=0).sqrt()).float().cpu() for s, q in zip(sums, sq))
    return StyleStatistics(mean, std)


@dataclass(frozen=True)
class Boundary:
    """A text's change of every style layer (zeros for the toRGB layers), before ``alpha``, and how many
    channels it moves."""

    change: tuple[torch.Tensor, ...]
    channels: int


def check_fs3(fs3: np.ndarray | torch.Tensor, conv_channels: int, clip_dim: int) -> torch.Tensor:
    """``fs3`` as a float32 tensor after checking its shape ``[conv_channels, clip_dim]`` (one clear line if not)."""
    shape = tuple(fs3.shape)
    if shape != (conv_channels, clip_dim):
        raise ValueError(f"fs3 has shape {list(shape)}; this generator and CLIP need [{conv_channels}, {clip_dim}] "
                         "(StyleCLIP's fs3.npy for FFHQ config-f)")
    return torch.as_tensor(np.asarray(fs3), dtype=torch.float32)


def channel_boundary(fs3: torch.Tensor, dt: torch.Tensor, beta: float, std: tuple[torch.Tensor, ...],
                     is_rgb: list[bool]) -> Boundary:
    """Relevance ``r = fs3 @ dt``, zero where ``|r| < beta``, divided by ``max |r|``, split over the conv layers in
    order and multiplied by each channel's standard deviation; the toRGB layers get zeros."""
    r = fs3.to(dt) @ dt
    r = torch.where(r.abs() < beta, torch.zeros_like(r), r)
    kept = int((r != 0).sum())
    if kept == 0:
        raise ValueError(f"no style channel is relevant at disentanglement {beta:g}: lower it")
    r = r / r.abs().max()
    change, start = [], 0
    for sd, rgb in zip(std, is_rgb):
        if rgb:
            change.append(torch.zeros_like(sd))
            continue
        change.append(r[start:start + sd.numel()].to(sd) * sd)
        start += sd.numel()
    if start != r.numel():
        raise ValueError(f"fs3 has {r.numel()} rows, the generator's conv layers {start} channels")
    return Boundary(tuple(change), kept)


def apply_boundary(styles: list[torch.Tensor], boundary: Boundary, alpha: float,
                   layer_strengths: list[float] | None = None) -> list[torch.Tensor]:
    """``s + alpha * strength_i * change_i`` for every style layer ``i`` (``layer_strengths``: one multiplier per
    layer, e.g. the coarse / middle / fine sliders spread over their layers; default 1 everywhere)."""
    strengths = layer_strengths or [1.0] * len(styles)
    return [s + (alpha * k) * c.to(s) for s, c, k in zip(styles, boundary.change, strengths)]
