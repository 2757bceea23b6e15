"""StyleCLIP's global-direction file ``fs3.npy``: one row per StyleSpace channel of the generator's convolutions,
its effect on CLIP's image embedding (``../shared/compat/styleclip_global_directions.json``). A plain numpy array,
read without pickle."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from ..npyfile import ArrayFileError, read_npy
from .errors import LoadError, first_line

__all__ = ["read_fs3"]


def read_fs3(path: str | Path) -> torch.Tensor:
    """``fs3.npy`` -> float32 ``[channels, clip_dim]``; anything else is one clear ``LoadError``."""
    path = Path(path)
    try:
        array = read_npy(path)  # its header checked against the file's size before anything is allocated
    except ArrayFileError as e:
        raise LoadError(str(e)) from None
    except OSError as e:
        raise LoadError(f"{path.name} is not a numpy array file (StyleCLIP's fs3.npy): {first_line(e)}") from None
    if array.ndim != 2 or not np.issubdtype(array.dtype, np.floating):
        raise LoadError(f"{path.name} holds a {array.dtype} array of shape {list(array.shape)}; StyleCLIP's fs3.npy "
                        "is a float array [style channels, CLIP dim] ([6048, 512] for FFHQ config-f)")
    if not np.isfinite(array).all():
        raise LoadError(f"{path.name} holds NaN or infinite values")
    return torch.from_numpy(array.astype(np.float32))
