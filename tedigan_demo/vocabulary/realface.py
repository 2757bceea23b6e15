"""Attributes people name on real faces (after CelebA's 40 attributes, Liu et al. 2015), read zero-shot through CLIP.

The layer groups follow what StyleGAN's FFHQ layers carry (Karras et al. 2019; StyleCLIP / StyleSpace): pose-like
traits (age, gender, glasses) in the coarse and middle entries, expression, hair style and beard in the middle,
colours (hair, skin, lips, make-up) in the fine entries.
"""

from __future__ import annotations

import re

import numpy as np

from .base import Term, Vocabulary

__all__ = ["RealFaceVocabulary"]

TERMS = (
    Term("gender", ("man", "woman"), ("coarse", "middle")),
    Term("age", ("young", "old"), ("coarse", "middle")),
    Term("eyeglasses", ("none", "eyeglasses", "sunglasses"), ("coarse", "middle")),
    Term("smile", ("not smiling", "smiling"), ("middle",)),
    Term("mouth", ("closed", "open"), ("middle",)),
    Term("hair_style", ("bald", "bangs", "wavy", "straight"), ("middle",)),
    Term("beard", ("none", "beard"), ("middle",)),
    Term("hair_color", ("black", "brown", "blond", "gray", "red"), ("fine",)),
    Term("skin", ("pale", "tanned", "dark"), ("fine",)),
    Term("makeup", ("none", "heavy makeup"), ("fine",)),
    Term("lipstick", ("none", "lipstick"), ("fine",)),
)

# What a caption says of each value (the first phrase; "" = left unsaid), and how a statement says it.
PHRASES = {
    ("eyeglasses", "eyeglasses"): "wears eyeglasses", ("eyeglasses", "sunglasses"): "wears sunglasses",
    ("eyeglasses", "none"): "wears no glasses", ("smile", "smiling"): "is smiling",
    ("smile", "not smiling"): "is not smiling", ("mouth", "open"): "has an open mouth",
    ("mouth", "closed"): "has a closed mouth", ("hair_style", "bald"): "is bald",
    ("hair_style", "bangs"): "has bangs", ("hair_style", "wavy"): "has wavy hair",
    ("hair_style", "straight"): "has straight hair", ("beard", "beard"): "has a beard",
    ("beard", "none"): "has no beard", ("skin", "pale"): "has pale skin", ("skin", "tanned"): "has tanned skin",
    ("skin", "dark"): "has dark skin", ("makeup", "heavy makeup"): "wears heavy makeup",
    ("makeup", "none"): "wears no makeup", ("lipstick", "lipstick"): "wears lipstick",
    ("lipstick", "none"): "wears no lipstick",
}
QUIET = frozenset({("eyeglasses", "none"), ("beard", "none"), ("makeup", "none"), ("lipstick", "none"),
                   ("mouth", "closed"), ("smile", "not smiling")})

# up to two words between a negation and what it negates ("no thick beard"), none of them a conjunction: in
# "no glasses and a beard" the beard is not negated
_W = r"(?:(?!and\b|with\b|but\b|or\b|has\b|is\b)[\w'-]+\s+){0,2}"
_NEG = r"\b(?:no|without|not|never|isn't|doesn't|don't|remove|removes|take off|takes off|free of|lose|loses)\s+" + _W
_HAIR_COLOURS = {
    "black": r"black|jet[- ]black|raven|dark", "brown": r"brown|brunette|chestnut", "blond": r"blonde?|golden|fair",
    "gray": r"gr[ae]y|silver|white", "red": r"red|ginger|auburn|copper",
}
# (attribute, value, pattern, negated value or None): a pattern preceded by a negation names the negated value
_KEYWORDS: list[tuple[str, str, str, str | None]] = [
    # nouns only: pronouns refer to the face an edit starts from ("make her smile") without asking for a gender
    ("gender", "man", r"\b(?:man|men|male|guy|boy|gentleman|father|husband|king)\b", None),
    ("gender", "woman", r"\b(?:woman|women|female|lady|girl|mother|wife|queen)\b", None),
    ("age", "young", r"\b(?:young|younger|youthful|teen(?:ager)?|kid|child|baby|boy|girl|twenties)\b", None),
    ("age", "old", r"\b(?:(?<!year )(?<!years )(?<!year-)old|older|elderly|aged|senior|wrinkled|wrinkles"
                   r"|grandfather|grandmother|grandpa|grandma)\b", "young"),
    ("eyeglasses", "sunglasses", r"\b(?:sun ?glasses|shades)\b", "none"),
    ("eyeglasses", "eyeglasses", r"\b(?:eye ?glasses|glasses|spectacles|specs|bespectacled)\b", "none"),
    ("smile", "smiling", r"\b(?:smil(?:e|es|ing|ey)|grin(?:s|ning)?|laugh(?:s|ing)?|happy|cheerful)\b",
     "not smiling"),
    ("smile", "not smiling", r"\b(?:serious|frown(?:s|ing)?|sad|stern|grumpy|neutral expression|unsmiling)\b", None),
    ("mouth", "open", r"\b(?:open mouth|mouth (?:slightly |wide )?open|open(?:s|ed)? (?:her|his|the) mouth)\b",
     "closed"),
    ("hair_style", "bald", r"\b(?:bald|shaved head|shaven head|no hair|hairless)\b", None),
    ("hair_style", "bangs", r"\b(?:bangs|fringe)\b", None),
    ("hair_style", "wavy", r"\b(?:wavy|curly|curls|waves)\b", None),
    ("hair_style", "straight", r"\bstraight hair\b", None),
    ("beard", "beard", r"\b(?:beard(?:ed)?|goatee|mustache|moustache|stubble|sideburns|facial hair)\b", "none"),
    ("beard", "none", r"\b(?:clean[- ]shaven|shaved face|beardless)\b", None),
    ("skin", "pale", r"\b(?:pale|fair[- ]skinned|light skin|porcelain)\b", None),
    ("skin", "tanned", r"\b(?:tan|tanned|sun[- ]?kissed|olive skin)\b", None),
    ("skin", "dark", r"\b(?:dark skin|dark[- ]skinned|black skin|brown skin)\b", None),
    ("makeup", "heavy makeup", r"\b(?:heavy make-?up|make-?up|made up|eyeliner|mascara)\b", "none"),
    ("lipstick", "lipstick", r"\b(?:lipstick|red lips|painted lips|lip gloss)\b", "none"),
]


class RealFaceVocabulary(Vocabulary):
    name = "realface"
    terms = TERMS
    quiet = QUIET

    def table(self, text: str) -> dict[str, str]:
        t = " " + text.lower().replace("’", "'") + " "
        found: dict[str, str] = {}
        for name, value, pattern, negated in _KEYWORDS:
            m = re.search(pattern, t)
            if m is None or name in found and name != "gender":
                continue
            if re.search(_NEG + r"$", t[: m.start()]):
                if negated is not None:
                    found[name] = negated
            else:
                found[name] = value
        if "gender" in found and len({v for n, v, p, _ in _KEYWORDS[:2] if re.search(p, t)}) > 1:
            del found["gender"]  # both named ("a man and his wife"): say nothing of it
        colour = self._hair_colour(t)
        if colour is not None:
            found["hair_color"] = colour
        return found

    @staticmethod
    def _hair_colour(t: str) -> str | None:
        """The colour named before "hair" ("long wavy blond hair"), or a colour noun ("a blonde", "redhead")."""
        for value, words in _HAIR_COLOURS.items():
            if re.search(rf"\b(?:{words})(?:[- ]haired|\s+(?:\w+\s+){{0,2}}hair)\b", t):
                return value
        nouns = {"blond": r"\bblonde?s?\b(?!\s+\w+)", "red": r"\b(?:redhead|ginger)\b", "brown": r"\bbrunette\b"}
        for value, pattern in nouns.items():
            if re.search(pattern, t):
                return value
        return None

    def statement(self, values: dict[str, str]) -> str:
        """"A photo of a young woman who has blond hair and is smiling.", naming exactly ``values``."""
        subject = " ".join(v for k, v in values.items() if k in ("age",))
        who = values.get("gender", "person")
        parts = [PHRASES.get((k, v)) or f"has {v} hair" for k, v in values.items()
                 if k not in ("age", "gender")]
        noun = f"{subject} {who}" if subject else who
        head = f"a photo of {'an' if noun[0] in 'aeiou' else 'a'} {noun}"
        return f"{head} who {_join(parts)}." if parts else f"{head}."

    def describe(self, values: dict[str, str]) -> str:
        shown = {k: v for k, v in values.items() if (k, v) not in QUIET and self.visible(values).get(k, True)}
        age, gender = shown.pop("age", ""), shown.pop("gender", "person")
        parts = [PHRASES.get((k, v)) or f"has {v} hair" for k, v in shown.items()]
        head = f"A {age + ' ' if age else ''}{gender}"
        return f"{head} who {_join(parts)}." if parts else f"{head}."

    def visible(self, values: dict[str, str]) -> dict[str, bool]:
        bald = values.get("hair_style") == "bald"
        return {t.name: not (bald and t.name == "hair_color") for t in self.terms}

    def distractors(self, rng: np.random.Generator, n: int) -> list[str]:
        out = []
        for _ in range(n):
            values = {t.name: t.values[int(rng.integers(len(t.values)))] for t in self.terms}
            keep = rng.permutation(len(self.terms))[: int(rng.integers(2, 5))]  # people name a few things
            out.append(self.describe({t.name: values[t.name] for k, t in enumerate(self.terms) if k in keep}))
        return out


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
