"""The interface every vocabulary implements: its terms, reading a text, and saying values in words."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .reader import Reading, ReadingMemo, ReadValue

__all__ = ["Term", "Vocabulary"]


@dataclass(frozen=True)
class Term:
    """One attribute: its values and the layer groups meant to carry it."""

    name: str
    values: tuple[str, ...]
    groups: tuple[str, ...]

    def index(self, value: str) -> int:
        return self.values.index(value)


class Vocabulary:
    """The interface; ``synthetic.SyntheticVocabulary`` and ``realface.RealFaceVocabulary`` implement it."""

    name: str = "vocabulary"
    terms: tuple[Term, ...] = ()
    quiet: frozenset = frozenset()  # (attribute, value) pairs a caption leaves unsaid ("no glasses")

    def term(self, name: str) -> Term:
        for t in self.terms:
            if t.name == name:
                return t
        raise KeyError(f"unknown attribute {name!r}; valid: {', '.join(t.name for t in self.terms)}")

    def __init__(self):
        self.reader = None  # the learned ``reader.TextReader`` where one is attached (``attach``); else the table
        self._table_readings = ReadingMemo()  # the table's readings, kept per text as the reader keeps its own

    def attach(self, reader) -> Vocabulary:
        """Read texts with ``reader`` (a ``reader.TextReader`` of this vocabulary) from now on; returns self."""
        self.reader = reader
        return self

    def read(self, text: str):
        """What a free text says (``reader.Reading``): the learned reader's, or the table's where none is attached
        (values it names, no confidence, nothing reported as not understood)."""
        if self.reader is not None:
            return self.reader.read(text)
        return self._table_readings.get(text, self._table_reading)

    def _table_reading(self, text: str):
        named = self.table(text)
        return Reading(text, tuple(ReadValue(a, v, False, 1.0, "") for a, v in named.items()), (), named, {})

    def parse(self, text: str) -> dict[str, str]:
        """The attribute values a free text asks for (``read(text).named``; negations resolved)."""
        return dict(self.read(text).named)

    def table(self, text: str) -> dict[str, str]:
        """The regular-expression table's reading of a text: the fallback where no reader is attached."""
        raise NotImplementedError

    def statement(self, values: dict[str, str]) -> str:
        """One canonical sentence naming exactly ``values`` (the text side of zero-shot readings and edits)."""
        raise NotImplementedError

    def describe(self, values: dict[str, str]) -> str:
        """A caption of the values a face shows (redescription)."""
        raise NotImplementedError

    def visible(self, values: dict[str, str]) -> dict[str, bool]:
        """Which attributes a face with ``values`` shows (e.g. no hair colour on a bald head)."""
        return {t.name: True for t in self.terms}

    def prompts(self) -> list[list[str]]:
        """Per attribute, one zero-shot prompt per value (``terms`` order)."""
        return [[self.statement({t.name: v}) for v in t.values] for t in self.terms]

    def distractors(self, rng: np.random.Generator, n: int) -> list[str]:
        """Captions of ``n`` random faces: the candidates a text's match is ranked among."""
        return [self.describe({t.name: t.values[int(rng.integers(len(t.values)))] for t in self.terms})
                for _ in range(n)]


