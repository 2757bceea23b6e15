"""What the pipeline's tasks return, and the check every description passes."""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
import torch.nn.functional as F

from ..vocabulary.reader import MAX_READ_CHARS

__all__ = ["Generation", "Inversion", "Edit", "Description", "check_text", "psnr", "MAX_TEXT_CHARS"]

MAX_TEXT_CHARS = MAX_READ_CHARS  # what the text reader reads of a text


@dataclass
class Generation:
    images: torch.Tensor  # [N, 3, H, W] in [-1, 1]
    wp: torch.Tensor  # [N, L, D]
    governed: list[int]  # W+ layers taken from the text
    named: dict[str, str]  # attributes the text was read to name


@dataclass
class Inversion:
    wp: torch.Tensor  # [1, L, D] after optimisation
    wp_encoder: torch.Tensor  # [1, L, D] encoder initialisation
    target: torch.Tensor  # [1, 3, H, W] the (aligned, resized) input
    image: torch.Tensor  # [1, 3, H, W] reconstruction
    psnr: float
    steps: int
    losses: dict
    photo_values: dict | None = None  # a photo of a person drawn as a face of the domain: the values read from it

    @classmethod
    def compared(cls, wp, wp_start, target, image, steps: int, losses: dict, **extra) -> Inversion:
        """The inversion whose code ``wp`` renders as ``image``, compared with ``target`` at ``image``'s size (the
        target area-resized to it where the page shows a smaller preview)."""
        if image.shape[-1] != target.shape[-1]:
            target = F.interpolate(target, size=image.shape[-2:], mode="area")
        return cls(wp, wp_start, target, image, psnr(image, target), steps, losses, **extra)


@dataclass
class Edit:
    wp: torch.Tensor  # [N, L, D] the edited code (content mixed with the text's style code)
    content: torch.Tensor  # [N, L, D] the code that was edited
    style: torch.Tensor | None  # [N, L, D] the text's code (refined by optimisation when steps > 0); None for a
    #                            global-direction edit, which changes the styles, not W+
    image: torch.Tensor  # [N, 3, H, W]
    strengths: dict[str, float]
    per_group: dict[str, torch.Tensor] = field(default_factory=dict)  # group -> image with only that group edited
    named: dict[str, str] = field(default_factory=dict)  # attributes the text was read to name
    direction: dict | None = None  # a global-direction edit: neutral, target, alpha, beta, channels moved


@dataclass
class Description:
    caption: str
    attributes: dict[str, str]
    confidence: dict[str, float]
    score: float | None = None  # text-image similarity of the given text
    rank: int | None = None  # 1 = the given text beats every distractor caption
    num_candidates: int | None = None


def psnr(a: torch.Tensor, b: torch.Tensor) -> float:
    """PSNR in dB between images in [-1, 1] (peak-to-peak 2)."""
    mse = (a - b).pow(2).mean().clamp(min=1e-10)
    return float(10 * torch.log10(4 / mse))


def check_text(text) -> str:
    """A description must be non-empty text of reasonable length; returns it with runs of whitespace folded."""
    if not isinstance(text, str) or not text.strip():
        raise ValueError("the description is empty: write what the face should look like")
    text = " ".join(text.split())
    if len(text) > MAX_TEXT_CHARS:
        raise ValueError(f"the description is {len(text)} characters long; keep it under {MAX_TEXT_CHARS}")
    return text
