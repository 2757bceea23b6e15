"""The text reader's training corpus: descriptions and edit instructions composed from ``wordings``, every word
tagged with what it says.

A tag is ``O`` (a word that names nothing: "she", "has", "please"), ``UNK`` (a word about something no vocabulary
names: "navy suit", "at the beach") or an attribute value with its polarity: ``(attribute, value, negated)``. "not
bearded" tags "bearded" as ``beard = beard, negated``; "clean-shaven" as ``beard = none``. The corpus is far wider
than the caption grammar: every form in ``wordings`` under statements, keyword lists, comparisons, edits and every
kind of negation ("no", "without", "isn't", "-free", "minus", "hold the", "rather than", "instead of", "swap X for
Y"), idioms (``train.reader_idioms``: "not a hair on his head", "from pink to green", "short brown hair"), several
values per text in any order, among clauses about other things.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .reader_clauses import Edits, Negations, Statements, Tagged, choice
from .reader_idioms import Idioms

__all__ = ["Tagged", "Corpus", "Composer", "make_corpus"]


class Composer(Statements, Negations, Edits, Idioms):
    """Every clause for one vocabulary's wordings; each returns a ``Tagged``."""


@dataclass
class Corpus:
    texts: list[str]
    tagged: list[Tagged]


def _join(rng, clauses: list[Tagged], style: str) -> Tagged:
    """Clauses joined as people join them: commas and "and", full stops, pluses, semicolons."""
    out = Tagged()
    sep_and = choice(rng, (" and ", ", and ", " & ", " + ", "; ", ", ", " with ", ". ", " but ", ", but ",
                            ", though "))
    for i, c in enumerate(clauses):
        if i:
            last = i == len(clauses) - 1
            out.add(sep_and if last else choice(rng, (", ", ", ", "; ", " ", ", also ", " and ", ". ", ", but ")))
        out.extend(c)
    return out


def _example(comp: Composer, rng: np.random.Generator) -> Tagged:
    """One random text: 1-5 attribute clauses (some negated), maybe a distractor or two, in one style."""
    style = choice(rng, ("desc", "desc", "desc", "keyword", "edit", "edit"))
    attrs = list(comp.values)
    k = int(rng.choice({"edit": [1, 1, 1, 2, 2, 3], "keyword": [1, 2, 2, 3, 3, 4, 5, 6, 7]}.get(
        style, [1, 1, 2, 2, 3, 3, 4, 5])))
    chosen = [attrs[i] for i in rng.permutation(len(attrs))[:k]]
    clauses, asked = [], {}
    for attr in chosen:
        value = choice(rng, comp.values[attr])
        w = comp.words[(attr, value)]
        negate = rng.random() < 0.35 and (w.negatable and w.nouns or w.adjs or w.ings)
        clauses.append(comp.negative(attr, value, style) if negate else comp.positive(attr, value, style))
        if not negate:
            asked[attr] = (len(clauses) - 1, value)
    _compound(comp, rng, clauses, asked, style)
    if len(chosen) >= 2 and rng.random() < 0.15:  # one negation over two things: "no glasses or earrings"
        pair = [(a, choice(rng, [v for v in comp.values[a] if comp.words[(a, v)].negatable and
                                  comp.words[(a, v)].nouns] or [None])) for a in chosen[:2]]
        if all(v is not None for _, v in pair):
            clauses[:2] = [comp.negative_pair(pair, style)]
    if style != "edit" and rng.random() < 0.06:  # "freckle-free oval face"
        _free_before(comp, rng, [a for a in attrs if a not in chosen], clauses)
    for _ in range(int(rng.choice([0, 0, 0, 1, 1, 2]))):
        clauses.insert(int(rng.integers(len(clauses) + 1)), comp.distractor())
    if rng.random() < 0.03:
        clauses = [comp.gibberish()] + ([comp.distractor()] if rng.random() < 0.5 else [])
    body = _join(rng, clauses, style)
    if style != "edit" and rng.random() < 0.08:  # a cued list after the description: what to avoid, or to add
        negated = rng.random() < 0.5
        rest = [a for a in attrs if a not in chosen]
        pairs = [(a, choice(rng, [v for v in comp.values[a] if (comp.words[(a, v)].negatable or not negated) and
                                   (comp.words[(a, v)].nouns or comp.words[(a, v)].adjs)] or [None]))
                 for a in [rest[i] for i in rng.permutation(len(rest))[:int(rng.integers(1, 4))]]]
        pairs = [p for p in pairs if p[1] is not None]
        if pairs:
            body.add(choice(rng, (". ", ", ", " | ", " -- ", "\n", "; "))).extend(comp.listed(pairs, negated))
    out = Tagged()
    if style == "desc" and rng.random() < 0.8:
        out.extend(comp.subject()).add(choice(rng, (" ", " who ", ", ", " that ", " - ")))
    elif style == "edit" and rng.random() < 0.3:
        out.add(choice(rng, ("please ", "can you ", "could you ", "i'd like to ", "now ", "ok, ", "try to ",
                              "let's ", "hey, ", "pls ")))
    out.extend(body)
    if rng.random() < 0.5:
        out.add(choice(rng, (".", "!", "?", " please", ".", " thanks")))
    return _noisy(out, rng)


def _compound(comp: Composer, rng: np.random.Generator, clauses: list, asked: dict, style: str) -> None:
    """Hair length and colour both asked for become, most often, one phrase ("short brown hair"), in place of
    their two clauses."""
    if style == "edit" or "hair_style" not in asked or "hair_color" not in asked or rng.random() < 0.3:
        return
    (i, style_value), (j, colour) = asked["hair_style"], asked["hair_color"]
    if style_value not in ("short", "bob", "long"):  # bald has no colour; other vocabularies' styles differ
        return
    clauses[i] = comp.compound_hair(style_value, colour)
    del clauses[j]


def _free_before(comp: Composer, rng: np.random.Generator, rest: list[str], clauses: list) -> None:
    """A value ruled out by "-free" before one asked for ("freckle-free oval face"), of two attributes of ``rest``
    (those the text names nothing of yet), inserted among ``clauses``."""
    negs = [(a, v) for a in rest for v in comp.values[a] if comp.words[(a, v)].negatable and comp.words[(a, v)].nouns]
    poss = [(a, v) for a in rest for v in comp.values[a] if comp.words[(a, v)].adjs]
    if not negs or not poss:
        return
    neg = choice(rng, negs)
    pos = choice(rng, [p for p in poss if p[0] != neg[0]] or poss)
    clause = comp.free_before(neg, pos) if pos[0] != neg[0] else None
    if clause is not None:
        clauses.insert(int(rng.integers(len(clauses) + 1)), clause)


def _noisy(t: Tagged, rng: np.random.Generator) -> Tagged:
    """Case changes and an occasional dropped letter, spans kept in step."""
    text = t.text
    r = rng.random()
    if r < 0.5:
        text = text.lower()
    elif r < 0.7:
        text = text[:1].upper() + text[1:]
    elif r < 0.72:
        text = text.upper()
    if rng.random() < 0.08 and len(text) > 8:  # a typo: one letter dropped, spans after it shifted
        i = int(rng.integers(1, len(text) - 1))
        if text[i].isalpha():
            text = text[:i] + text[i + 1:]
            spans = []
            for a, b, tag in t.spans:
                a2, b2 = a - (a > i), b - (b > i)
                if b2 > a2:
                    spans.append((a2, b2, tag))
            return Tagged(text, spans)
    return Tagged(text, list(t.spans))


def make_corpus(vocabulary: str, n: int, seed: int) -> Corpus:
    """``n`` tagged texts for ``vocabulary``, deterministic in ``seed``."""
    rng = np.random.default_rng(seed)
    comp = Composer(vocabulary, rng)
    tagged = [_example(comp, rng) for _ in range(n)]
    return Corpus([t.text for t in tagged], tagged)
