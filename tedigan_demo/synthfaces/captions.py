"""Captions of procedural faces from a small grammar, in the way people describe faces.

Every attribute value has several wordings; the last wording of each value, and two sentence templates, are
held out: training never sees them, so evaluation on them tests generalisation to new phrasings.
"""

from __future__ import annotations

import re

import numpy as np

from .attributes import ATTRIBUTES, attribute

__all__ = ["PHRASES", "caption", "captions", "describe", "parse", "statement", "statements", "values_of"]

# attribute -> value -> predicates (third person singular); the LAST entry of each list is held out.
PHRASES: dict[str, dict[str, list[str]]] = {
    "pose": {
        "left": ["is looking to the left", "faces left", "is turned to the left"],
        "frontal": ["faces the camera", "is looking straight ahead", "looks directly at the viewer"],
        "right": ["is looking to the right", "faces right", "is turned to the right"],
    },
    "face_shape": {
        "round": ["has a round face", "has a chubby round face", "has a circular face"],
        "oval": ["has an oval face", "has an oval-shaped face", "has an egg-shaped face"],
        "long": ["has a long face", "has a narrow face", "has a thin elongated face"],
    },
    "glasses": {
        "none": ["does not wear glasses", "has no eyeglasses"],
        "glasses": ["wears glasses", "wears eyeglasses", "has spectacles on"],
        "sunglasses": ["wears sunglasses", "has dark sunglasses on", "wears shades"],
    },
    "eyes": {
        "open": ["has open eyes", "has eyes wide open", "keeps the eyes open"],
        "closed": ["has closed eyes", "has the eyes shut", "is keeping the eyes closed"],
    },
    "smile": {
        "neutral": ["is not smiling", "has a neutral expression", "looks serious"],
        "smiling": ["is smiling", "has a big smile", "is grinning"],
    },
    "mouth": {
        "closed": ["has a closed mouth", "keeps the mouth shut"],
        "open": ["has an open mouth", "has the mouth slightly open", "has parted lips"],
    },
    "beard": {
        "none": ["is clean-shaven", "has no beard"],
        "beard": ["has a beard", "has a full beard", "is bearded"],
    },
    "earrings": {
        "none": ["wears no earrings", "has no earrings"],
        "earrings": ["wears earrings", "has gold earrings", "is wearing ear studs"],
    },
    "skin_tone": {
        "light": ["has pale skin", "has fair skin", "has a light complexion"],
        "tan": ["has tan skin", "has olive skin", "has a medium complexion"],
        "dark": ["has dark skin", "has brown skin", "has a deep complexion"],
    },
    "eye_color": {
        "brown": ["has brown eyes", "has dark brown eyes", "has hazel-brown eyes"],
        "blue": ["has blue eyes", "has bright blue eyes", "has azure eyes"],
        "green": ["has green eyes", "has bright green eyes", "has emerald eyes"],
    },
    "lipstick": {
        "none": ["wears no lipstick", "has natural lips"],
        "red": ["wears lipstick", "wears red lipstick", "has painted red lips"],
    },
    "freckles": {
        "none": ["has no freckles", "has clear skin"],
        "freckles": ["has freckles", "has a freckled face", "has a sprinkle of freckles"],
    },
    "background": {
        "blue": ["is in front of a blue background", "is pictured against a blue backdrop",
                 "stands before a blue wall"],
        "green": ["is in front of a green background", "is pictured against a green backdrop",
                  "stands before a green wall"],
        "pink": ["is in front of a pink background", "is pictured against a pink backdrop",
                 "stands before a pink wall"],
        "gray": ["is in front of a gray background", "is pictured against a grey backdrop",
                 "stands before a gray wall"],
    },
}
# Hair joins two attributes in one phrase: "has long blond hair".
HAIR_LENGTH = {"short": ["short", "cropped", "closely cut"], "bob": ["chin-length", "bob-cut", "jaw-length"],
               "long": ["long", "flowing long", "shoulder-length"]}
HAIR_COLOR = {"black": ["black", "jet-black", "raven"], "brown": ["brown", "chestnut", "brunette"],
              "blond": ["blond", "golden", "sandy"], "red": ["red", "ginger", "auburn"],
              "gray": ["gray", "silver", "grey"]}
BALD = ["is bald", "has a shaved head", "has no hair at all"]
SUBJECTS = {"she": ["She", "This woman", "The woman"], "he": ["He", "This man", "The man"],
            "person": ["This person", "The person", "This individual"]}
PRONOUN = {"she": "She", "he": "He", "person": "This person"}
# Values that captions rarely mention (people describe what is there, not what is absent).
QUIET = {("glasses", "none"), ("beard", "none"), ("earrings", "none"), ("lipstick", "none"), ("freckles", "none"),
         ("eyes", "open"), ("mouth", "closed")}


def _pick(rng: np.random.Generator, options: list[str], split: str) -> str:
    pool = options[:-1] if split == "train" and len(options) > 1 else options[-1:] if split == "heldout" else options
    return pool[int(rng.integers(len(pool)))]


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def caption(values: dict[str, str], rng: np.random.Generator, split: str = "train", k: int | None = None,
            include: tuple[str, ...] = ()) -> tuple[str, dict[str, str]]:
    """One caption of a face given as ``{attribute: value name}``; returns it and the attributes it names.

    ``split``: "train" uses the training wordings and templates, "heldout" only the held-out ones, "any" both.
    ``include`` forces attributes to be mentioned.
    """
    gender = "she" if values.get("lipstick") == "red" else "he" if values.get("beard") == "beard" else "person"
    clauses: dict[str, str] = {}
    names = [a.name for a in ATTRIBUTES if a.name in values]
    order = list(rng.permutation(names))
    k = k or int(rng.integers(3, 7))
    for name in order:
        if len(clauses) >= k and name not in include:
            continue
        value = values[name]
        if (name, value) in QUIET and name not in include and rng.random() < 0.85:
            continue
        if name == "hair_color" and "hair_style" in values:
            continue  # said together with hair_style
        if name == "hair_style":
            if value == "bald":
                clauses[name] = _pick(rng, BALD, split)
            else:
                color = values.get("hair_color")
                words = [_pick(rng, HAIR_LENGTH[value], split)]
                if color:
                    words.append(_pick(rng, HAIR_COLOR[color], split))
                clauses[name] = "has " + " ".join(words) + " hair"
            continue
        if name == "hair_color":
            clauses[name] = "has " + _pick(rng, HAIR_COLOR[value], split) + " hair"
            continue
        clauses[name] = _pick(rng, PHRASES[name][value], split)
    if not clauses and order:  # every value was a quiet one ("no glasses"): say one rather than nothing
        clauses[order[0]] = _pick(rng, PHRASES[order[0]][values[order[0]]], split)
    mentioned = {n: values[n] for n in clauses}
    if "hair_style" in clauses and values.get("hair_style") != "bald" and "hair_color" in values:
        mentioned["hair_color"] = values["hair_color"]
    parts = list(clauses.values())
    subject = _pick(rng, SUBJECTS[gender], split)
    pron = PRONOUN[gender]
    use_heldout = split == "heldout" or (split == "any" and rng.random() < 0.3)
    if use_heldout:
        if len(parts) > 2 and rng.random() < 0.5:
            text = f"{subject} {parts[0]}. {pron} also {_join(parts[1:])}."
        else:
            text = f"A portrait of someone who {_join(parts)}."
    elif len(parts) > 3 and rng.random() < 0.5:
        cut = int(rng.integers(2, len(parts)))
        text = f"{subject} {_join(parts[:cut])}. {pron} {_join(parts[cut:])}."
    else:
        text = f"{subject} {_join(parts)}."
    return text, mentioned


def values_of(indices) -> dict[str, str]:
    """Attribute indices (a sequence in ATTRIBUTES order, or a dict) -> ``{name: value name}``."""
    if isinstance(indices, dict):
        return {k: attribute(k).values[int(v)] for k, v in indices.items()}
    return {a.name: a.values[int(i)] for a, i in zip(ATTRIBUTES, indices)}


def captions(indices, seed: int, n: int = 5, split: str = "train", observed=None) -> list[str]:
    """``n`` different captions of one face (attribute indices), deterministic in ``seed``.

    ``observed`` (booleans in ATTRIBUTES order) leaves out what cannot be seen, e.g. eye colour behind sunglasses.
    """
    rng = np.random.default_rng(seed)
    values = values_of(indices)
    if observed is not None:
        values = {a.name: values[a.name] for a, seen in zip(ATTRIBUTES, observed) if seen}
    return [caption(values, rng, split)[0] for _ in range(n)]


def describe(values: dict[str, str], observed: dict[str, bool] | None = None) -> str:
    """A complete, canonical description (first wording of every visible attribute): for redescription."""
    seen = {k: v for k, v in values.items() if observed is None or observed.get(k, True)}
    parts = []
    for a in ATTRIBUTES:
        if a.name not in seen or a.name == "hair_color" and "hair_style" in seen:
            continue
        v = seen[a.name]
        if a.name == "hair_style":
            color = seen.get("hair_color")
            color_word = f"{HAIR_COLOR[color][0]} " if color else ""
            parts.append(BALD[0] if v == "bald" else f"has {HAIR_LENGTH[v][0]} {color_word}hair")
        elif (a.name, v) not in QUIET:
            parts.append(PHRASES[a.name][v][0] if a.name != "hair_color" else f"has {HAIR_COLOR[v][0]} hair")
    gender = "she" if seen.get("lipstick") == "red" else "he" if seen.get("beard") == "beard" else "person"
    return f"{SUBJECTS[gender][0]} {_join(parts)}."


def statement(values: dict[str, str]) -> str:
    """A canonical sentence naming exactly the given attribute values (first wordings, "This person ..."), quiet
    values included: "This person has blond hair and is not smiling."."""
    parts = []
    for name, v in values.items():
        if name == "hair_color":
            parts.append(f"has {HAIR_COLOR[v][0]} hair")
        elif name == "hair_style":
            parts.append(BALD[0] if v == "bald" else f"has {HAIR_LENGTH[v][0]} hair")
        else:
            parts.append(PHRASES[name][v][0])
    return f"{SUBJECTS['person'][0]} {_join(parts)}." if parts else ""


def statements(name: str, value: str, split: str = "train") -> list[str]:
    """Every sentence "This person <predicate>." that states one attribute value alone, in the ``split``'s
    wordings (as ``caption``: "train" all but the held-out last wording); ``statement({name: value})`` is the
    first."""
    if name == "hair_style":
        predicates = BALD if value == "bald" else [f"has {w} hair" for w in HAIR_LENGTH[value]]
    elif name == "hair_color":
        predicates = [f"has {w} hair" for w in HAIR_COLOR[value]]
    else:
        predicates = PHRASES[name][value]
    if len(predicates) > 1 and split != "any":
        predicates = predicates[:-1] if split == "train" else predicates[-1:]
    return [f"{SUBJECTS['person'][0]} {p}." for p in predicates]


# ----------------------------------------------------------------------------------------------------------------
# Reading attributes back out of free text (edit prompts such as "make her smile" or "give him glasses" included)

_NEG = (r"(?:no|without|not|n't|never|remove(?:s|d)?(?: the| her| his)?|take off(?: the| her| his)?|clean-shaven"
        r"|free of)")
_GAP = r"(?:(?!and\b|but\b|with\b|or\b)\w+\s+){0,2}"  # up to two words between a negation and its noun
_KEYWORDS: list[tuple[str, str, str]] = [
    # (regex, attribute, value); checked in order, later matches of the same attribute override earlier ones
    (r"\bsun ?glasses\b|\bshades\b", "glasses", "sunglasses"),
    (r"\b(?:eye)?glasses\b|\bspectacles\b|\bspecs\b|\bbespectacled\b|\beyewear\b", "glasses", "glasses"),
    (rf"{_NEG}\s+{_GAP}(?:(?:eye|sun ?)?glasses|spectacles|specs|shades|eyewear)\b", "glasses", "none"),
    (r"\bsmil\w*|\bgrin\w*|\bhappy\b|\bcheerful\b|\bjoyful\b|\blaugh\w*|\bbeaming\b", "smile", "smiling"),
    (rf"{_NEG}\s+{_GAP}(?:smil|grin)\w*|\bneutral\b|\bserious\b|\bstop smiling\b|\bfrown\w*|\bstern\b"
     r"|\bunsmiling\b|\bsad\b|\bgrumpy\b|\bstraight face\b|\bexpressionless\b", "smile", "neutral"),
    (r"\bmouth (?:\w+ )?open\b|\bopen mouth\b|\bopen (?:her|his|the) mouth\b|\bparted lips\b", "mouth", "open"),
    (r"\bclosed mouth\b|\bmouth shut\b|\bclose (?:her|his|the) mouth\b", "mouth", "closed"),
    (r"\beyes (?:are )?(?:closed|shut)\b|\bclosed eyes\b|\bclose (?:her|his|the) eyes\b|\beyes shut\b"
     r"|\bblink\w*|\bsleep\w*|\beyes closed\b", "eyes", "closed"),
    (r"\bopen eyes\b|\beyes (?:wide )?open\b|\bopen (?:her|his|the) eyes\b", "eyes", "open"),
    (r"\bbeard\w*\b|\bstubble\b|\bgoatee\b|\b(?:mu|mou)stache\b|\bfacial hair\b", "beard", "beard"),
    (rf"{_NEG}\s+{_GAP}(?:beard|facial hair|stubble)\b|\bclean[- ]shaven\b|\bsmooth[- ]shaven\b|\bshave\b"
     r"|\bbeardless\b", "beard", "none"),
    (r"\bearrings?\b|\bear studs?\b", "earrings", "earrings"),
    (rf"{_NEG}\s+{_GAP}earrings?\b", "earrings", "none"),
    (r"\bfreckle\w*\b", "freckles", "freckles"),
    (rf"{_NEG}\s+{_GAP}freckles\b|\bclear skin\b", "freckles", "none"),
    (r"\blipstick\b|\b(?:red|painted) lips\b|\blips (?:are )?(?:painted|red)\b|\bmake-?up\b", "lipstick", "red"),
    (rf"{_NEG}\s+{_GAP}(?:lipstick|make-?up)\b|\bnatural lips\b|\bbare lips\b", "lipstick", "none"),
    (r"\bbald\b|\bshaved head\b|\bno hair\b", "hair_style", "bald"),
    (r"\bshort\b|\bcropped\b|\bclosely cut\b|\bbuzz(?: ?cut)?\b|\bcrew cut\b|\bpixie\b", "hair_style", "short"),
    (r"\bbob\b|\bbob-cut\b|\bchin-length\b|\bjaw-length\b", "hair_style", "bob"),
    (r"\blong\b(?! face)|\bshoulder-length\b|\bflowing\b", "hair_style", "long"),
    (r"\bround face\b|\bcircular face\b|\bchubby\b", "face_shape", "round"),
    (r"\boval\b|\begg-shaped\b", "face_shape", "oval"),
    (r"\blong face\b|\bnarrow face\b|\belongated\b|\bthin face\b", "face_shape", "long"),
    (r"\b(?:to the |facing |faces |turned to the |looking )left\b|\bleft\b", "pose", "left"),
    (r"\b(?:to the |facing |faces |turned to the |looking )right\b|\bright\b", "pose", "right"),
    (r"\bfac(?:es|ing) the camera\b|\bstraight ahead\b|\bfrontal\b|\bat the viewer\b", "pose", "frontal"),
    (r"\b(?:pale|fair|light)(?: |-)(?:skin\w*|complexion)\b|\bpale\b", "skin_tone", "light"),
    (r"\b(?:tan|tanned|olive|medium)(?: |-)(?:skin\w*|complexion)\b|\btanned\b", "skin_tone", "tan"),
    (r"\b(?:dark|brown|deep|black)(?: |-)(?:skin\w*|complexion)\b", "skin_tone", "dark"),
]
for _color, _words in HAIR_COLOR.items():
    _alt = "|".join(_words)
    _KEYWORDS.append((rf"\b(?:{_alt})e?(?:[- ]haired|(?:\s+[\w-]+){{0,2}}\s+hair)\b"
                      rf"|\bhair(?:\s+\w+){{0,2}}\s+(?:{_alt})e?\b", "hair_color", _color))
_KEYWORDS += [(r"\bblonde?\b(?! eyes)", "hair_color", "blond"), (r"\bredhead\b|\bginger\b", "hair_color", "red"),
              (r"\bbrunette\b", "hair_color", "brown")]
for _color, _words in {"brown": ["brown", "dark brown", "hazel"], "blue": ["blue", "azure"],
                       "green": ["green", "emerald"]}.items():
    _KEYWORDS.append((rf"\b(?:{'|'.join(_words)})(?:-brown)?(?: eyes\b|-eyed\b)", "eye_color", _color))
for _color in ("blue", "green", "pink", "gray", "grey"):
    _KEYWORDS.append((rf"\b{_color} (?:background|backdrop|wall)\b", "background",
                      "gray" if _color == "grey" else _color))


def parse(text: str) -> dict[str, str]:
    """Attributes a free-text description or edit prompt names, as ``{attribute: value}``."""
    t = " " + text.lower().replace("’", "'") + " "
    found: dict[str, str] = {}
    for pattern, name, value in _KEYWORDS:
        if re.search(pattern, t):
            if name == "hair_color" and name in found:
                continue  # the first colour word before "hair" wins
            found[name] = value
    # "short/long" only speak of hair when hair is mentioned
    if found.get("hair_style") in ("short", "long", "bob") and not re.search(r"hair|\bbob|buzz|crew cut|pixie", t):
        del found["hair_style"]
    return found
