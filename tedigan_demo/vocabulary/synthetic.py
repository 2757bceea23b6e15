"""The procedural face domain's vocabulary: its attributes, caption grammar and parser (``synthfaces``)."""

from __future__ import annotations

import numpy as np

from ..synthfaces import ATTRIBUTES, observable
from ..synthfaces.captions import QUIET, caption, describe, parse, statement
from .base import Term, Vocabulary

__all__ = ["SyntheticVocabulary"]


class SyntheticVocabulary(Vocabulary):
    name = "synthfaces"
    terms = tuple(Term(a.name, a.values, (a.group,)) for a in ATTRIBUTES)
    quiet = frozenset(QUIET)

    def table(self, text: str) -> dict[str, str]:
        return parse(text)

    def statement(self, values: dict[str, str]) -> str:
        return statement(values)

    def describe(self, values: dict[str, str]) -> str:
        return describe(values)

    def visible(self, values: dict[str, str]) -> dict[str, bool]:
        return observable({a.name: a.index(values[a.name]) for a in ATTRIBUTES})

    def prompts(self) -> list[list[str]]:
        return [[f"a photo of a face; {t.name.replace('_', ' ')}: {v}" for v in t.values] for t in self.terms]

    def distractors(self, rng: np.random.Generator, n: int) -> list[str]:
        return [caption({a.name: a.values[int(rng.integers(len(a.values)))] for a in ATTRIBUTES}, rng)[0]
                for _ in range(n)]
