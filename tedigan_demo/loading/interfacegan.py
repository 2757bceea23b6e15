"""InterFaceGAN attribute directions in W as e4e ships them for StyleGAN2-FFHQ (``editings/interfacegan_directions/
age.pt``, ``smile.pt``, ``pose.pt``): a tensor ``[1, 512]`` (the boundary's normal), saved with ``torch.save``. Read
as the other official files are (``official.read_torch``), then checked: a tensor and nothing else."""

from __future__ import annotations

from pathlib import Path

import torch

from .errors import LoadError
from .official import read_torch

__all__ = ["read_direction"]


def read_direction(path: str | Path) -> torch.Tensor:
    """An attribute direction file -> float32 ``[D]`` (or ``[L, D]`` for one per W+ entry); anything else is one
    clear ``LoadError``."""
    path = Path(path)
    obj = read_torch(path)
    if not isinstance(obj, torch.Tensor) or not obj.is_floating_point() or obj.ndim not in (1, 2):
        kind = f"a tensor of shape {list(obj.shape)}" if isinstance(obj, torch.Tensor) else type(obj).__name__
        raise LoadError(f"{path.name} holds {kind}; an attribute direction is a float tensor [1, 512] or [512]")
    direction = obj.float().reshape(-1, obj.shape[-1])
    if not torch.isfinite(direction).all() or direction.abs().max() == 0:
        raise LoadError(f"{path.name} holds NaN, infinite or all-zero values")
    return direction[0] if len(direction) == 1 else direction
