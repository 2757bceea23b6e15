"""Reading a text: which attribute values it asks for, which it rules out, and which words it says nothing known
with.

``TextReader`` runs the learned tagger (``models.text_reader``) over MiniLM's token features and gathers its word
labels into a ``Reading``: per attribute, the values named (``negated`` where the text rules them out), each with a
confidence and the words it came from, and the phrases the reader could not place. ``Reading.named`` is what the
pipeline acts on: a value asked for; a value ruled out on a two-valued attribute, the other one ("not bearded" ->
beard: none); on an attribute with a "none" value, "none" ("no sunglasses" -> glasses: none). Other ruled-out values
("not blond") stay in ``Reading.avoid``: each face keeps its own value unless it is one of them.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

import torch

from ..models.text_reader import HeadStack, TextReaderHead, token_features

__all__ = ["ReadValue", "Reading", "ReadingMemo", "TextReader", "MAX_READ_CHARS", "clean_text", "guidance_prompts"]

MAX_READ_CHARS = 500  # the longest text read (and the pipeline's description limit)
CONFIDENT = 0.5  # a word's label counts where its probability reaches this


@dataclass(frozen=True)
class ReadValue:
    attribute: str
    value: str
    negated: bool
    confidence: float
    words: str

    def to_dict(self) -> dict:
        return {"attribute": self.attribute, "value": self.value, "negated": self.negated,
                "confidence": round(self.confidence, 3), "words": self.words}


@dataclass(frozen=True)
class Reading:
    """What a text says: ``values`` in the order they appear, ``unknown`` phrases no attribute took, ``named``
    (attribute -> the value to show) and ``avoid`` (attribute -> values ruled out with no single replacement)."""

    text: str
    values: tuple[ReadValue, ...] = ()
    unknown: tuple[str, ...] = ()
    named: dict = field(default_factory=dict)
    avoid: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"text": self.text, "named": dict(self.named), "avoid": {k: sorted(v) for k, v in self.avoid.items()},
                "values": [v.to_dict() for v in self.values], "unknown": list(self.unknown),
                "summary": self.summary()}

    def summary(self) -> str:
        """One line for a person: "reads: hair colour red; beard ruled out · not understood: "navy suit"."""
        said = [f"{'not ' if v.negated else ''}{v.value} ({v.attribute.replace('_', ' ')})" for v in self.values]
        parts = [("reads: " + ", ".join(said)) if said else "reads nothing this family knows"]
        both = contradictions(self.values)
        if both:
            kept = {(v.attribute, v.value, v.negated) for v in standing(self.values)}
            parts.append("asked for and ruled out: " + ", ".join(
                f"{v} ({'ruled out' if (a, v, True) in kept else 'asked for'}, the surer reading)"
                for a, v in sorted(both)))
        if self.unknown:
            parts.append("not understood: " + ", ".join(f'"{u}"' for u in self.unknown))
        return " · ".join(parts)


def resolve(values: list[ReadValue], terms) -> tuple[dict, dict]:
    """``(named, avoid)`` from the values read (module docstring): per attribute the surest value asked for wins;
    ruled-out values become the other value, "none", or an ``avoid`` set."""
    named, avoid = {}, {}
    values = standing(values)
    for term in terms:
        mine = [v for v in values if v.attribute == term.name]
        asked = [v for v in mine if not v.negated]
        ruled_out = {v.value for v in mine if v.negated}
        if asked:
            named[term.name] = max(asked, key=lambda v: v.confidence).value
        elif ruled_out:
            value = ruled_out_to(term.values, ruled_out)
            if value is not None:
                named[term.name] = value
            elif any(v not in ruled_out for v in term.values):
                avoid[term.name] = frozenset(ruled_out)
    return named, avoid


def contradictions(values) -> set[tuple[str, str]]:
    """``(attribute, value)`` pairs that ``values`` (``ReadValue``) both ask for and rule out."""
    asked = {(v.attribute, v.value) for v in values if not v.negated}
    return asked & {(v.attribute, v.value) for v in values if v.negated}


def standing(values) -> list:
    """``values`` less those a text contradicts more surely: where it both asks for a value and rules it out ("his
    sunnies were in his pocket, so no shades"), the reading read with the higher confidence stands, and a tie rules
    it out (a face never shows what its text may have ruled out). A stray negation read weakly ("w/ a beard" taken
    for "w/o") leaves the value asked for."""
    best: dict = {}  # (attribute, value, negated) -> the surest reading of that kind
    for v in values:
        key = (v.attribute, v.value, v.negated)
        best[key] = max(best.get(key, 0.0), v.confidence)
    # each contradicted value -> whether the ruled-out reading wins (a tie included)
    winner = {(a, value): best[(a, value, True)] >= best[(a, value, False)] for a, value in contradictions(values)}
    return [v for v in values if winner.get((v.attribute, v.value), v.negated) == v.negated]


def ruled_out_to(values, ruled_out) -> str | None:
    """The value an attribute of ``values`` takes when ``ruled_out`` are ruled out: the only one left, else "none"
    where it is left, else None (the face must only avoid them)."""
    rest = [v for v in values if v not in ruled_out]
    return rest[0] if len(rest) == 1 else "none" if "none" in rest else None


def clean_text(text) -> str:
    """A text as the reader reads it: any value as a string, its whitespace runs one space, cut at
    ``MAX_READ_CHARS``."""
    return " ".join(str(text).split())[:MAX_READ_CHARS]


class ReadingMemo:
    """Readings kept per text, the least recently used dropped beyond ``size``; safe across the server's threads."""

    def __init__(self, size: int = 2048):
        self._items, self._lock, self._size = OrderedDict(), threading.Lock(), size

    def get(self, text: str, read: Callable[[str], Reading]) -> Reading:
        """The kept reading of ``text``, else ``read(text)``, kept."""
        with self._lock:
            if text in self._items:
                self._items.move_to_end(text)
                return self._items[text]
        reading = read(text)
        with self._lock:
            self._items[text] = reading
            while len(self._items) > self._size:
                self._items.popitem(last=False)
        return reading

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


class TextReader:
    """The learned reader of one vocabulary: ``read(text) -> Reading`` (frozen; readings memoised per text)."""

    def __init__(self, model, tokenizer, head: TextReaderHead | list[TextReaderHead], terms, max_items: int = 2048):
        # several heads (trained with other seeds) read together (``HeadStack``): their probabilities are averaged
        self.heads = [h.eval() for h in (head if isinstance(head, list) else [head])]
        self.model, self.tokenizer, self.head, self.terms = model, tokenizer, self.heads[0], tuple(terms)
        self.labels = list(self.head.config.labels)
        if any(h.config.labels != self.labels or h.config.layers != self.head.config.layers for h in self.heads):
            raise ValueError("the text reader's heads read different labels or MiniLM layers")
        known = {(t.name, v) for t in self.terms for v in t.values}
        for label in self.labels[2:]:
            attr, value = label.rstrip("!").split("=")
            if (attr, value) not in known:
                raise ValueError(f"the text reader names {attr}={value}, which this vocabulary does not know")
        self._memo = ReadingMemo(max_items)
        self._same = _equivalent_labels(self.labels, self.terms)
        self._stack = HeadStack(self.heads)  # the heads' recurrences run as one batch

    def read(self, text: str) -> Reading:
        """``text`` (any string; cut at ``MAX_READ_CHARS``) -> its ``Reading``."""
        text = clean_text(text)
        return self._memo.get(text, lambda t: self._read(t) if t else Reading(t))

    @torch.inference_mode()
    def word_labels(self, text: str) -> list[tuple[int, int, str, float]]:
        """``(start, end, label, probability)`` per word of ``text``: its word-pieces' probabilities averaged."""
        batch = self.tokenizer([text], truncation=True, max_length=256, return_offsets_mapping=True,
                               return_tensors="pt")
        offsets = batch.pop("offset_mapping")[0].tolist()
        device = next(self.head.parameters()).device
        batch = {k: v.to(device) for k, v in batch.items()}
        features = token_features(self.model, batch, self.head.config.layers)
        probs = self._stack.probs(features, batch["attention_mask"])[0].float().cpu()
        words: dict[int, list[int]] = {}
        for i, w in enumerate(batch_word_ids(self.tokenizer, batch, offsets)):
            if w is not None:
                words.setdefault(w, []).append(i)
        out = []
        for pieces in words.values():
            p = probs[pieces].mean(0)
            k = int(p.argmax())
            # "not bearded" and "beard: none" are one reading: the label's confidence is their shares together
            out.append((offsets[pieces[0]][0], offsets[pieces[-1]][1], self.labels[k], float(self._same[k] @ p)))
        return out

    def _read(self, text: str) -> Reading:
        spans: list[list] = []  # [start, end, label, [probabilities]]: runs of words with one label
        for start, end, label, p in self.word_labels(text):
            label = label if p >= CONFIDENT or label == "O" else "O"
            if spans and spans[-1][2] == label and _adjacent(text, spans[-1][1], start):
                spans[-1][1] = end
                spans[-1][3].append(p)
            else:
                spans.append([start, end, label, [p]])
        values, unknown = [], []
        for start, end, label, ps in spans:
            if label == "UNK":
                unknown.append(text[start:end])
            elif label != "O":
                attr, value = label.rstrip("!").split("=")
                values.append(ReadValue(attr, value, label.endswith("!"), sum(ps) / len(ps), text[start:end]))
        named, avoid = resolve(values, self.terms)
        return Reading(text, tuple(values), tuple(unknown), named, avoid)


def _equivalent_labels(labels: list[str], terms) -> torch.Tensor:
    """``[L, L]``, 1 where two labels come to the same reading under ``resolve``: a value ruled out and the value
    it resolves to, asked for ("beard=beard!" and "beard=none" on a two-valued attribute, "glasses=sunglasses!" and
    "glasses=none" where the attribute has "none"); every label means itself."""
    index = {name: i for i, name in enumerate(labels)}
    same = torch.eye(len(labels))
    for t in terms:
        for v in t.values:
            i, j = index.get(f"{t.name}={v}!"), index.get(f"{t.name}={ruled_out_to(t.values, {v})}")
            if i is not None and j is not None:
                same[i, j] = same[j, i] = 1.0
    return same


def _adjacent(text: str, end: int, start: int) -> bool:
    """Two words belong to one phrase when only spaces or hyphens lie between them."""
    return not text[end:start].strip(" -'")


def batch_word_ids(tokenizer, batch, offsets) -> list[int | None]:
    """Word index per word-piece: a fast tokenizer's ``word_ids``, else pieces that continue a word ("##")."""
    ids = []
    tokens = tokenizer.convert_ids_to_tokens(batch["input_ids"][0].tolist())
    word = -1
    for tok, (a, b) in zip(tokens, offsets):
        if a == b:  # [CLS], [SEP], padding
            ids.append(None)
            continue
        if not tok.startswith("##"):
            word += 1
        ids.append(word)
    return ids


# negation cues a ruled-out value's words may follow ("no", "isn't wearing any", "minus the"), up to three of them
_CUE = (r"(?:no|not|without|never|minus|sans|hold|skip|lose|remove|ditch|drop|forget|zero|any|the|a|an|his|her|"
        r"their|is|isn't|aren't|doesn't|don't|hasn't|has|have|got|wear|wearing|wears|free|of|rather|than|instead|"
        r"n't|nope|none)")


def guidance_prompts(reading: Reading, statement) -> tuple[str, str | None]:
    """How a text is put to an image-text model that reads negations poorly (CLIP): ``(positive, negative)``.
    ``positive`` is the text without its ruled-out values and their negation words ("a man with no glasses" ->
    "a man with"); ``negative`` (None where nothing is ruled out) states the ruled-out values through ``statement``
    (a vocabulary's ``statement``: "a photo of a person who wears eyeglasses."), for the guidance to move away
    from. Where nothing is left of the text, the positive is the statement of the values it asks for."""
    ruled = [v for v in reading.values if v.negated and v.words]
    if not ruled:
        return reading.text, None
    positive = reading.text
    for v in ruled:
        positive = re.sub(rf"(?:\b{_CUE}\b[\s,'-]*){{0,4}}{re.escape(v.words)}(?:[- ]?(?:free|less))?", " ", positive,
                          flags=re.IGNORECASE)
    positive = " ".join(positive.split()).strip(" ,.;:-")
    asked = {v.attribute: v.value for v in reading.values if not v.negated}
    if not re.search(r"[A-Za-z]{3}", positive):
        positive = statement(asked) if asked else "a photo of a face."
    negative = statement({v.attribute: v.value for v in ruled})
    return positive, negative
