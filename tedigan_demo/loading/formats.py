"""Reading official checkpoint files without running pickled code, and naming their container format. Imports no
per-format module, so those (``rosinality``, ``idinvert``, ``psp``) and ``official`` can all depend on it."""

from __future__ import annotations

import argparse
import pickle
import re
import zipfile
from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file

from .errors import LoadError, first_line

__all__ = ["SAFE_GLOBALS", "read_torch", "read_official", "read_safetensors", "detect_format"]

# Globals an official checkpoint may reference besides tensors and containers (pSp/e4e store their options).
SAFE_GLOBALS = [argparse.Namespace]


def read_torch(path: Path):
    """Whatever an official ``torch.save`` file holds, read without running arbitrary pickled code (tensors,
    containers and ``SAFE_GLOBALS``); anything else is one ``LoadError``."""
    try:
        with torch.serialization.safe_globals(SAFE_GLOBALS):
            obj = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as e:
        if "global" not in str(e).lower():  # not a refusal of a class: the bytes are not a checkpoint
            raise LoadError(f"{path.name} is corrupted or truncated: not a readable PyTorch checkpoint") from None
        raise LoadError(f"{path.name} holds objects outside the allow-list, refusing to unpickle it "
                        f"({first_line(e)})") from None
    except (RuntimeError, EOFError, zipfile.BadZipFile, ValueError, OSError) as e:
        raise LoadError(f"{path.name} is corrupted or truncated: {first_line(e)}") from None
    return obj


def read_official(path: Path) -> dict:
    """An official PyTorch checkpoint (a dict at the top), read as ``read_torch`` reads."""
    obj = read_torch(path)
    if not isinstance(obj, dict):
        raise LoadError(f"unknown checkpoint format in {path.name}: top level is {type(obj).__name__}, not a dict")
    return obj


def read_safetensors(path: Path) -> dict[str, torch.Tensor]:
    """A ``.safetensors`` file's tensors; an unreadable file is one ``LoadError``."""
    try:
        return load_file(str(path))
    except (SafetensorError, OSError, ValueError) as e:
        raise LoadError(f"{path.name} is corrupted or truncated: {first_line(e)}") from None


def detect_format(obj: dict) -> str:
    """Name the container format of an official checkpoint dict."""
    if "g_ema" in obj:
        return "rosinality"
    sd = obj.get("state_dict")
    if isinstance(sd, dict) and any(k.startswith("decoder.") for k in sd):
        return "psp"
    if "style.1.weight" in obj and "input.input" in obj:
        return "rosinality-state-dict"
    if "synthesis.layer0.const" in obj and "mapping.dense0.fc.weight" in obj:
        return "idinvert"
    if "block0.conv.weight" in obj and any(re.fullmatch(r"block\d+\.fc\.weight", str(k)) for k in obj):
        return "idinvert-encoder"
    if "layer0.weight" in obj and "layer28.weight" in obj:
        return "vgg16"
    keys = ", ".join(list(map(str, obj))[:5])
    raise LoadError(f"unknown checkpoint format: top-level keys {keys}{'...' if len(obj) > 5 else ''}")
