"""What a family's faces can be said to have: its attributes, their values and layer groups, and the words for them.

Each family carries one ``Vocabulary``: the embedded family the procedural domain's (``synthetic``), the FFHQ
families one of real-face attributes people name, read zero-shot through CLIP (``realface``). The pipeline reads
texts and describes faces only through it.
"""

from __future__ import annotations

from .base import Term, Vocabulary
from .realface import RealFaceVocabulary
from .synthetic import SyntheticVocabulary

__all__ = ["Term", "Vocabulary", "for_family", "for_vocabulary"]


def for_family(synthetic_domain: bool) -> Vocabulary:
    """The procedural domain's vocabulary for families trained on it, the real-face one for the others."""
    return SyntheticVocabulary() if synthetic_domain else RealFaceVocabulary()


def for_vocabulary(name: str) -> Vocabulary:
    """The vocabulary called ``name`` ("synthfaces" or "realface")."""
    if name not in ("synthfaces", "realface"):
        raise KeyError(f"unknown vocabulary {name!r}; valid: synthfaces, realface")
    return for_family(name == "synthfaces")
