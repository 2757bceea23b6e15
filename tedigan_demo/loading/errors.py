"""The loader's one error type: every failure to load is a ``LoadError`` whose message is one line."""

from __future__ import annotations

import torch

from ..models.base import StateDictMismatch, load_state_strict

__all__ = ["LoadError", "first_line", "load_strict"]


def first_line(err: BaseException, sentence: bool = True) -> str:
    """An exception's message in one line for the UI and the command line: its first sentence (library messages can
    run to paragraphs), or with ``sentence=False`` its whole first line (this project's messages are one line);
    the exception's type where it says nothing."""
    text = str(err).strip()
    if not text:
        return type(err).__name__
    line = text.splitlines()[0]
    return line.split(". ")[0].rstrip(".") if sentence else line


class LoadError(Exception):
    """A model could not be loaded; ``str(err)`` is one line for the UI and the command line."""



def load_strict(model: torch.nn.Module, state: dict, source: str) -> torch.nn.Module:
    """``load_state_strict`` with its mismatch turned into a one-line ``LoadError``."""
    try:
        return load_state_strict(model, state, source=source)
    except StateDictMismatch as e:
        raise LoadError(str(e)) from None
