"""Label maps as people make them: colour images in the domain's palette or CelebAMask-HQ's, or single-channel
class-index images, of any size -> the domain's class indices.

CelebAMask-HQ's 19 classes (the order pSp's label model uses) map onto the domain's 14: left/right parts merge,
both lips become ``lips``, the eyeglasses class is ``glasses``, hat joins ``hair``, necklace joins ``neck``.
"""

from __future__ import annotations

import numpy as np
import torch
from PIL import Image

from ..imaging import ImageError, read_image
from .attributes import LABEL_CLASSES, LABEL_PALETTE

__all__ = ["CELEBAMASK_CLASSES", "CELEBAMASK_PALETTE", "CELEBAMASK_TO_DOMAIN", "DOMAIN_TO_CELEBAMASK",
           "label_from_image", "label_planes", "to_celebamask", "colorize"]

CELEBAMASK_CLASSES = ("background", "skin", "nose", "eye_g", "l_eye", "r_eye", "l_brow", "r_brow", "l_ear", "r_ear",
                      "mouth", "u_lip", "l_lip", "hair", "hat", "ear_r", "neck_l", "neck", "cloth")
CELEBAMASK_PALETTE = ((0, 0, 0), (204, 0, 0), (76, 153, 0), (204, 204, 0), (51, 51, 255), (204, 0, 204),
                      (0, 255, 255), (255, 204, 204), (102, 51, 0), (255, 0, 0), (102, 204, 0), (255, 255, 0),
                      (0, 0, 153), (0, 0, 204), (255, 51, 153), (0, 204, 204), (0, 51, 0), (255, 153, 51),
                      (0, 204, 0))
_D = {name: i for i, name in enumerate(LABEL_CLASSES)}
CELEBAMASK_TO_DOMAIN = tuple(_D[n] for n in (
    "background", "skin", "nose", "glasses", "eyes", "eyes", "brows", "brows", "ears", "ears", "mouth", "lips",
    "lips", "hair", "hair", "earrings", "neck", "neck", "clothes"))
# domain class -> CelebAMask-HQ class (paired parts: the person's left one, on the image's right; see to_celebamask;
# CelebAMask-HQ has no beard class: its annotators painted beards as skin)
DOMAIN_TO_CELEBAMASK = tuple(CELEBAMASK_CLASSES.index(n) for n in (
    "background", "skin", "nose", "l_eye", "l_brow", "l_ear", "mouth", "u_lip", "hair", "eye_g", "skin", "ear_r",
    "neck", "cloth"))
_RIGHT_OF = {CELEBAMASK_CLASSES.index(f"l_{p}"): CELEBAMASK_CLASSES.index(f"r_{p}") for p in ("eye", "brow", "ear")}
# every colour either palette uses -> the domain class it means
_COLOURS = np.array(list(LABEL_PALETTE) + list(CELEBAMASK_PALETTE), dtype=np.float64)
_CLASSES = np.array(list(range(len(LABEL_PALETTE))) + list(CELEBAMASK_TO_DOMAIN))
MAX_COLOUR_DISTANCE = 60.0  # mean distance to the nearest palette colour above which the palette is unknown


def label_from_image(source, resolution: int, index_space: str = "domain") -> np.ndarray:
    """Any label image -> ``[resolution, resolution]`` int64 domain class indices (nearest-neighbour resized).

    Single-channel images hold class indices (``index_space`` "domain", "celebamask", or "auto": CelebAMask-HQ's
    when an index beyond the domain's classes occurs, as its neck and clothes do); colour images are read
    through the two palettes (nearest colour, so JPEG noise is tolerated). Raises ``ImageError`` for colours of an
    unknown palette, out-of-range indices or an all-background map.
    """
    if isinstance(source, np.ndarray) and source.ndim == 2:
        idx = source.astype(np.int64)
    else:
        img = source if isinstance(source, Image.Image) and source.mode in ("L", "P", "I") else None
        if img is None and not isinstance(source, np.ndarray):
            raw = Image.open(source) if isinstance(source, str) else None
            img = raw if raw is not None and raw.mode in ("L", "I") else None
        if img is not None:
            idx = np.asarray(img.convert("L") if img.mode == "P" else img, dtype=np.int64)
        else:
            rgb = np.asarray(read_image(source), dtype=np.float64)
            flat = rgb.reshape(-1, 3)
            d = ((flat[:, None, :] - _COLOURS[None]) ** 2).sum(-1)
            nearest = d.argmin(1)
            if np.sqrt(d[np.arange(len(flat)), nearest]).mean() > MAX_COLOUR_DISTANCE:
                raise ImageError("the label map's colours match neither the domain palette nor CelebAMask-HQ's "
                                 "(see the legend), nor is it a single-channel class-index image")
            idx = _CLASSES[nearest].reshape(rgb.shape[:2])
            index_space = "domain"
    if index_space == "auto":
        index_space = "celebamask" if len(LABEL_CLASSES) <= idx.max() < len(CELEBAMASK_CLASSES) else "domain"
    if index_space == "celebamask":
        if idx.max() >= len(CELEBAMASK_CLASSES) or idx.min() < 0:
            raise ImageError(f"class indices must be 0-{len(CELEBAMASK_CLASSES) - 1} (CelebAMask-HQ)")
        idx = np.array(CELEBAMASK_TO_DOMAIN)[idx]
    elif idx.max() >= len(LABEL_CLASSES) or idx.min() < 0:
        raise ImageError(f"class indices must be 0-{len(LABEL_CLASSES) - 1}; got values up to {idx.max()} "
                         "(for CelebAMask-HQ indices choose that index space)")
    out = np.asarray(Image.fromarray(idx.astype(np.uint8)).resize((resolution, resolution),
                                                                    Image.Resampling.NEAREST), dtype=np.int64)
    if (out == 0).all():
        raise ImageError("the label map is all background: paint at least the face (skin) region")
    return out


def to_celebamask(label: np.ndarray) -> np.ndarray:
    """Domain class indices ``[H, W]`` -> CelebAMask-HQ's 19 (pSp's label model): paired parts in the image's left
    half are the person's right ones."""
    out = np.array(DOMAIN_TO_CELEBAMASK)[np.asarray(label)]
    left_half = np.arange(out.shape[1])[None, :] < out.shape[1] / 2
    for left_id, right_id in _RIGHT_OF.items():
        out[(out == left_id) & left_half] = right_id
    return out


def colorize(label: np.ndarray) -> np.ndarray:
    """Class indices ``[H, W]`` -> RGB ``[H, W, 3]`` uint8 in the domain palette."""
    return np.array(LABEL_PALETTE, dtype=np.uint8)[np.asarray(label)]


def label_planes(label: torch.Tensor, classes: int = len(LABEL_CLASSES)) -> torch.Tensor:
    """Class indices ``[N, R, R]`` -> one float plane per class ``[N, classes, R, R]`` (an encoder's input, masks)."""
    return torch.nn.functional.one_hot(label, classes).permute(0, 3, 1, 2).float()
