"""The loader's one error type: every failure to load is a ``LoadError`` whose message is one line."""

from __future__ import annotations

import torch

from ..errors import InputError, first_line
from ..models.base import StateDictMismatch, load_state_strict

__all__ = ["LoadError", "first_line", "load_strict"]


class LoadError(InputError):
    """A model could not be loaded; ``str(err)`` is one line for the UI and the command line."""



def load_strict(model: torch.nn.Module, state: dict, source: str) -> torch.nn.Module:
    """``load_state_strict`` with its mismatch turned into a one-line ``LoadError``."""
    try:
        return load_state_strict(model, state, source=source)
    except StateDictMismatch as e:
        raise LoadError(str(e)) from None
