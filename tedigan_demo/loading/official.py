"""Official generator checkpoints: read (``formats``), their format named, and dispatched to the format's own
module (``rosinality``, ``idinvert``). The readers are re-exported here, where the rest of the package imports them
from; the per-format modules import ``formats`` directly, so dependencies only run official -> format -> formats."""

from __future__ import annotations

from pathlib import Path

import torch

from .formats import SAFE_GLOBALS, detect_format, read_official, read_safetensors, read_torch
from .idinvert import load_idinvert_generator
from .rosinality import load_rosinality

__all__ = ["SAFE_GLOBALS", "read_torch", "read_official", "read_safetensors", "detect_format", "load_official"]


def load_official(path: Path, device: str | torch.device = "cpu", obj: dict | None = None
                  ) -> tuple[torch.nn.Module, dict]:
    """Load an official generator checkpoint strictly (rosinality / pSp StyleGAN2, IDInvert StyleGAN);
    returns the generator and extras (``format``, ``latent_avg``)."""
    obj = read_official(path) if obj is None else obj
    if detect_format(obj) == "idinvert":
        return load_idinvert_generator(path, obj, device), {"format": "idinvert"}
    return load_rosinality(path, obj, device)
