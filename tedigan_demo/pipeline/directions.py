"""Global-direction edits (StyleCLIP) for a family that has CLIP guidance and ``fs3``: a description becomes a
change of the generator's style channels, and an edit or a slider move is one render.

The method's formulas are ``method.global_directions``; this module owns what a family needs around them: the
styles' statistics (computed once per generator and kept on disk beside the Hub cache), the boundaries of the
texts already asked for, and the coarse / middle / fine sliders as multipliers of the strength in each group's
style layers. ``direction_edit`` and ``direction_render`` are the pipeline's global-direction tasks.
"""

from __future__ import annotations

import copy
import hashlib
import os
from collections import OrderedDict
from pathlib import Path

import torch

from ..loading import LoadError
from ..method.global_directions import (
    Boundary,
    StyleStatistics,
    apply_boundary,
    channel_boundary,
    check_fs3,
    direction_between,
    style_statistics,
    text_embedding,
)
from .groups import GROUP_NAMES, LayerGroups
from .results import Edit, check_text
from .settings import PipelineSettings

__all__ = ["GlobalDirections", "statistics_cache_dir", "global_directions", "require_directions",
           "direction_edit", "direction_render"]


def statistics_cache_dir() -> Path:
    """Where style statistics are kept: ``$TEDIGAN_CACHE``, else ``tedigan/`` in the Hugging Face home."""
    if os.environ.get("TEDIGAN_CACHE"):
        return Path(os.environ["TEDIGAN_CACHE"])
    from huggingface_hub import constants

    return Path(constants.HF_HOME) / "tedigan"


class GlobalDirections:
    """StyleCLIP global directions over a generator ``G`` (StyleSpace), a ``CLIPGuidance`` and ``fs3``."""

    def __init__(self, G, guidance, fs3: torch.Tensor, samples: int = 100_000, cache_dir: Path | None = None):
        self.G, self.guidance, self.samples = G, guidance, samples
        layers, self.is_rgb = G.style_layers(), G.is_rgb_style()
        conv_channels = sum(layer.in_ch for layer, rgb in zip(layers, self.is_rgb) if not rgb)
        clip_dim = int(guidance.model.config.projection_dim)
        self.fs3 = check_fs3(fs3, conv_channels, clip_dim)
        group_of = {i: g for g, idx in G.layer_groups.items() for i in idx}
        self.style_groups = [group_of[i] for i in G.style_wp_indices()]  # the layer group of each style layer
        self.cache_dir = cache_dir
        self._stats: StyleStatistics | None = None
        # per text its template embedding, per (neutral, target, beta) its boundary; the least recently used go
        self._texts: OrderedDict[str, torch.Tensor] = OrderedDict()
        self._boundaries: OrderedDict[tuple[str, str, float], Boundary] = OrderedDict()

    def with_samples(self, samples: int) -> GlobalDirections:
        """These directions with the statistics taken over ``samples`` codes: ``self`` when that is the count
        already, else a shallow copy (the same generator, CLIP, fs3 and text embeddings) whose statistics and
        boundaries, which depend on the count, are found again; ``self`` is left as it is."""
        if samples == self.samples:
            return self
        other = copy.copy(self)
        other.samples, other._stats, other._boundaries = samples, None, OrderedDict()
        return other

    # ---- statistics --------------------------------------------------------------------------------------------
    def _cache_file(self) -> Path:
        if torch.isnan(self.G.w_avg).any():  # the truncation centre is part of the recipe: fix it first
            self.G.w_avg.copy_(self.G.mean_w())
        digest = hashlib.sha256()
        for name, tensor in self.G.state_dict().items():
            if name.startswith("style.") or ".modulation." in name:
                digest.update(name.encode())
                digest.update(tensor.detach().float().cpu().numpy().tobytes())
        digest.update(self.G.w_avg.detach().float().cpu().numpy().tobytes())
        folder = self.cache_dir or statistics_cache_dir()
        return folder / f"style_stats_{digest.hexdigest()[:20]}_{self.samples}.safetensors"

    def statistics(self) -> StyleStatistics:
        """The styles' per-channel mean and standard deviation (computed once, then read from the cache)."""
        if self._stats is not None:
            return self._stats
        from safetensors.torch import load_file, save_file

        path = self._cache_file()
        n = len(self.is_rgb)
        try:
            saved = load_file(str(path))
            self._stats = StyleStatistics(tuple(saved[f"mean_{i}"] for i in range(n)),
                                          tuple(saved[f"std_{i}"] for i in range(n)))
        except (OSError, KeyError, RuntimeError):
            self._stats = style_statistics(self.G, self.samples)
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                tensors = {f"mean_{i}": m.contiguous() for i, m in enumerate(self._stats.mean)}
                tensors |= {f"std_{i}": s.contiguous() for i, s in enumerate(self._stats.std)}
                save_file(tensors, str(path.with_suffix(".part")))
                os.replace(path.with_suffix(".part"), path)
            except OSError:
                pass  # a read-only home: computed again next time
        return self._stats

    # ---- edits -------------------------------------------------------------------------------------------------
    def boundary(self, neutral: str, target: str, beta: float) -> Boundary:
        """The change of every style layer for ``neutral -> target`` at threshold ``beta`` (kept per text)."""
        key = (neutral, target, float(beta))
        if key not in self._boundaries:
            dt = direction_between(self._embedding(neutral), self._embedding(target))
            self._boundaries[key] = channel_boundary(self.fs3, dt, beta, self.statistics().std, self.is_rgb)
            _bound(self._boundaries)
        self._boundaries.move_to_end(key)
        return self._boundaries[key]

    def _embedding(self, text: str) -> torch.Tensor:
        """A text's template embedding (``text_embedding``), its 79 prompts encoded as one batch: always the same
        batch for the same text, so the same text always gives the same direction."""
        if text not in self._texts:
            with torch.inference_mode():
                self._texts[text] = text_embedding(self.guidance.embed_prompts, text).cpu()
            _bound(self._texts)
        self._texts.move_to_end(text)
        return self._texts[text]

    def layer_strengths(self, strengths: dict[str, float]) -> list[float]:
        """One multiplier per style layer from the coarse / middle / fine sliders."""
        return [float(strengths.get(g, 0.0)) for g in self.style_groups]

    @torch.inference_mode()
    def render(self, wp: torch.Tensor, boundary: Boundary, alpha: float, strengths: dict[str, float],
               resolution: int | None = None) -> torch.Tensor:
        """``wp [N, L, D]`` edited by ``alpha`` along ``boundary`` in the chosen groups: images ``[N, 3, H, W]``."""
        styles = self.G.styles(wp.to(self.G.device))
        edited = apply_boundary(styles, boundary, alpha, self.layer_strengths(strengths))
        return self.G.synthesize_styles(edited, "const", resolution=resolution)


def global_directions(G, guidance, fs3: torch.Tensor | None, samples: int, problem: str | None = None
                      ) -> tuple[GlobalDirections | None, str | None]:
    """A family's global directions and why it has none: ``(directions, None)`` where it has ``fs3`` and CLIP
    guidance and the file fits ``G`` (statistics over ``samples`` codes); ``(None, why)`` where the file does not
    fit (the edits then optimise instead); ``(None, problem)`` (the loader's reason, or None) where either is
    missing."""
    if fs3 is None or not hasattr(guidance, "model"):
        return None, problem
    try:
        return GlobalDirections(G, guidance, fs3, samples), None
    except ValueError as e:
        return None, str(e)


def require_directions(directions: GlobalDirections | None, family: str, problem: str | None = None
                       ) -> GlobalDirections:
    """``directions``, or a ``LoadError`` saying that ``family`` has none and why (``problem``: its file did not
    fit or load; None: it has no fs3 or no CLIP)."""
    if directions is None:
        why = f": {problem}" if problem else " (StyleCLIP's fs3.npy)"
        raise LoadError(f"family {family} has no global directions{why}")
    return directions


def direction_edit(directions: GlobalDirections, layers: LayerGroups, settings: PipelineSettings,
                   content: torch.Tensor, text: str, named: dict[str, str], governed: list[int],
                   strengths: dict[str, float] | None = None, alpha: float | None = None, beta: float | None = None,
                   neutral: str | None = None, per_group: bool = True, strip_resolution: int = 256) -> Edit:
    """Codes ``content`` ``[N, L, D]`` edited by the checked description ``text`` as a StyleCLIP global direction:
    one render. ``named``, ``governed``: the values it names and their W+ layers (the default ``strengths``: on in
    their groups); ``alpha`` / ``beta`` / ``neutral`` (the text measured from): None for the ``settings``'
    defaults; ``per_group``: with a strip at ``strip_resolution`` px of what each group alone changes."""
    neutral = check_text(neutral) if neutral else settings.direction_neutral
    alpha = settings.direction_alpha if alpha is None else float(alpha)
    beta = settings.direction_beta if beta is None else float(beta)
    strengths = layers.strengths(governed) if strengths is None else strengths
    layers.mask(strengths)  # checks the strengths before any work
    boundary = directions.boundary(neutral, text, beta)
    image = directions.render(content, boundary, alpha, strengths)
    strip = {g: directions.render(content, boundary, alpha, {g: strengths.get(g, 0.0) or 1.0},
                                  resolution=strip_resolution) for g in GROUP_NAMES} if per_group else {}
    direction = {"neutral": neutral, "target": text, "alpha": alpha, "beta": beta, "channels": boundary.channels}
    return Edit(content, content, None, image, dict(strengths), strip, named, direction)


def direction_render(directions: GlobalDirections, layers: LayerGroups, content: torch.Tensor, direction: dict,
                     strengths: dict[str, float]) -> torch.Tensor:
    """Images ``[N, 3, H, W]`` of a global-direction edit (``Edit.direction``) of ``content`` re-rendered at other
    slider ``strengths``: one render, the boundary kept per text."""
    layers.mask(strengths)  # checks them
    boundary = directions.boundary(direction["neutral"], direction["target"], direction["beta"])
    return directions.render(content, boundary, direction["alpha"], strengths)


def _bound(cache: OrderedDict, size: int = 256) -> None:
    while len(cache) > size:
        cache.popitem(last=False)
