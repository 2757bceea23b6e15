"""Image pre- and post-processing: tensors in [-1, 1] <-> uint8 arrays and PNG files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from PIL import Image

__all__ = ["to_uint8", "save_images"]


def to_uint8(images: torch.Tensor) -> np.ndarray:
    """``[N, 3, H, W]`` in [-1, 1] -> ``[N, H, W, 3]`` uint8 (round half up, clipped)."""
    x = ((images.detach().float().cpu() + 1) * 127.5 + 0.5).clamp(0, 255).to(torch.uint8)
    return x.permute(0, 2, 3, 1).numpy()


def save_images(images: torch.Tensor, out: str | Path) -> list[str]:
    """Write one PNG per image: ``out`` itself for a single image, ``stem-000.png``... for several."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    arrays = to_uint8(images)
    paths = [out] if len(arrays) == 1 else [out.with_name(f"{out.stem}-{i:03d}{out.suffix}") for i in
                                             range(len(arrays))]
    for arr, path in zip(arrays, paths):
        Image.fromarray(arr).save(path)
    return [str(p) for p in paths]
