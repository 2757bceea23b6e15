"""The clauses of the text reader's training corpus (``train.reader_corpus``): a ``Composer`` writes one clause
at a time from ``wordings``, each a ``Tagged`` text whose words carry what they say.

``Statements`` ask for a value ("has a full beard", "her hair is blond", "hair: red"). ``Negations`` rule one out in
every form people use ("no", "without", "isn't", "-free", "minus", "hold the", "rather than", "swap X for Y",
"-glasses"). ``Edits`` ask a face to change ("give him a beard", "lose the shades"). Idioms (a pronoun that takes a
named thing back, "never without", "from pink to green") are in ``train.reader_idioms``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from .wordings import DISTRACTORS, SUBJECTS, Wording, wordings_for

__all__ = ["Tag", "O", "UNK", "Tagged", "Statements", "Negations", "Edits", "choice"]

Tag = tuple  # ("O",), ("UNK",) or ("V", attribute, value, negated)
O, UNK = ("O",), ("UNK",)


@dataclass
class Tagged:
    """A text and its character spans ``(start, end, tag)``; characters outside every span are ``O``."""

    text: str = ""
    spans: list = field(default_factory=list)

    def add(self, piece: str, tag: Tag = O) -> Tagged:
        if piece:
            start = len(self.text)
            self.text += piece
            if tag != O:
                self.spans.append((start, len(self.text), tag))
        return self

    def extend(self, other: Tagged) -> Tagged:
        shift = len(self.text)
        self.text += other.text
        self.spans += [(a + shift, b + shift, t) for a, b, t in other.spans]
        return self


def _bare(noun: str) -> str:
    """"a full beard" -> "full beard" (the noun after "no", "the", "-free")."""
    return re.sub(r"^(?:a|an|some|a pair of|lots of)\s+", "", noun)


def choice(rng: np.random.Generator, options):
    return options[int(rng.integers(len(options)))]


_PRON = {"she": ("her", "her"), "he": ("him", "his"), "they": ("them", "their")}
_HAVE = ("has", "with", "w/", "sporting", "rocking", "who has", "has got", "showing", "having", "featuring", "and",
         "plus", "that has", "with a face showing", "'s got")
_WEAR = ("wearing", "who wears", "wears", "in", "with", "w/", "has on")
_WEARABLE = {"glasses", "earrings", "lipstick"}
# negation words as they are mistyped
_MISSPELT = {"without": ("wihtout", "witout", "withuot", "wihout", "withot", "whitout", "wtihout"),
             "doesn't": ("doesnt", "dosen't", "dosent", "does't"), "isn't": ("isnt", "isn;t", "is't"),
             "hasn't": ("hasnt", "has't"), "not ": ("nto ", "not ", "nott "), "never": ("nevr", "neve r", "nver"),
             "wearing": ("wearng", "waering"), "don't": ("dont", "do'nt")}
# things a text names and then takes back with a pronoun ("he wears glasses for reading, so leave them off")
_RETRACTABLE = {"glasses", "eyeglasses", "earrings", "lipstick", "makeup", "beard", "freckles"}
_PLACE = ("in front of", "is in front of", "against", "is pictured against", "set against", "posed against",
          "before", "stands before", "standing in front of", "on", "with", "over", "photographed against", "has")
_NEUTRAL_SUBJECTS = ("she", "he", "they", "this person", "the person", "someone", "a person", "an individual",
                     "my friend", "the subject", "a portrait of someone", "a face", "a character", "an adult")
_SUBJECT_NOUNS = {  # what a predicate says a value of ("her hair is blond", "eyes not closed")
    "hair_color": ("hair", "hair colour", "hair color", "locks", "hair colour should be"),
    "eye_color": ("eyes", "eye colour", "eye color", "iris colour"),
    "background": ("background", "backdrop", "wall behind", "background colour", "bg", "backgound"),
    "skin_tone": ("skin", "complexion", "skin tone", "skin colour"), "skin": ("skin", "complexion"),
    "hair_style": ("hair", "haircut", "hair length"), "eyes": ("eyes", "eyelids"), "mouth": ("mouth", "lips"),
}
_BE = ("is", "looks", "who is", "seems", "appears", "'s", "is quite", "is very", "looking", "")


class Statements:
    """Clauses that state values, and the words around them; ``Composer`` adds negations and edits."""

    def __init__(self, vocabulary: str, rng: np.random.Generator):
        self.words = wordings_for(vocabulary)
        self.vocabulary, self.rng = vocabulary, rng
        self.values: dict[str, list[str]] = {}
        for attr, value in self.words:
            self.values.setdefault(attr, []).append(value)

    def pick(self, options):
        return choice(self.rng, options)

    def value_tag(self, attr, value, negated=False) -> Tag:
        return ("V", attr, value, bool(negated))

    # ---- positive statements ----------------------------------------------------------------------------------
    def positive(self, attr: str, value: str, style: str) -> Tagged:
        """One clause that asks for ``value``: "has a full beard", "bearded", "is smiling", "her hair is blond"."""
        w, tag, r = self.words[(attr, value)], self.value_tag(attr, value), self.rng.random()
        t = Tagged()
        if style == "keyword":
            if r < 0.2:
                return self.labelled(attr, value, False)
            t.add(self.pick(w.nouns + w.adjs + w.ings or w.imps), tag)
            return self.weighted(t) if r > 0.9 else t
        if style == "edit":
            return self.edit_positive(attr, value)
        if r > 0.97 and attr in _RETRACTABLE and value != "none" and w.nouns and w.negatable:
            # named, then kept by a pronoun: "he has a beard, keep it"
            return self.retracted(attr, value, kept=True)
        idiom = self.idiom(attr, value)
        if idiom is not None:
            return idiom
        form = self.pick([f for f in ("nouns", "adjs", "ings", "be") if getattr(w, f, None) or f == "be"])
        if form == "be" and attr in _SUBJECT_NOUNS:
            return self._predicate(attr, value, False)
        if form == "adjs" and w.adjs:
            return t.add(self.pick(_BE) + " ").add(self.pick(w.adjs), tag) if r < 0.6 else t.add(self.pick(w.adjs),
                                                                                                    tag)
        if form == "ings" and w.ings:
            return t.add(self.pick(("is ", "who is ", "", "currently ", "caught "))).add(self.pick(w.ings), tag)
        noun = self.pick(w.nouns or w.adjs)
        verbs = _WEAR if attr in _WEARABLE or attr == "eyeglasses" else _PLACE if attr == "background" else _HAVE
        return t.add(self.pick(verbs) + " ").add(noun, tag) if r < 0.8 else t.add(noun, tag)

    def idiom(self, attr: str, value: str) -> Tagged | None:
        """Now and then, a value asked for in an idiom (``train.reader_idioms``): "not a hair on his head",
        "never without her earrings", "clean-shaven except for a moustache", "the bluest eyes"; else None."""
        w, r = self.words[(attr, value)], self.rng.random()
        if attr == "hair_style" and value == "bald" and r < 0.2:
            return self.bald_by_negation(attr, value)
        if attr == "beard" and value == "beard" and r < 0.03:
            return self.except_for(attr, value)
        if (attr in _RETRACTABLE or attr in _WEARABLE) and value != "none" and w.negatable and w.nouns and r < 0.06:
            return self.never_without(attr, value)
        return self.superlative(attr, value) if r > 0.95 else None

    def _predicate(self, attr, value, negated) -> Tagged:
        """"her hair is blond", "the backdrop isn't pink", "his skin is pale"."""
        noun = self.pick(_SUBJECT_NOUNS[attr])
        w = self.words[(attr, value)]
        word = self._colour_word(attr, value, w)
        plural = noun in ("eyes", "locks", "lips")
        tag = self.value_tag(attr, value, negated)
        if self.rng.random() < 0.35:  # short forms: "eyes not closed", "skin that isn't dark", "hair any colour but X"
            cue = self.pick((" not ", " that isn't ", " that's not ", " - not ", " which is not ", " any colour but ",
                             " anything but ", " other than ")) if negated else self.pick(
                (" ", " ", " that is ", ": "))
            return Tagged().add(noun + cue).add(word, tag)
        be = ("are" if plural else "is") if not negated else self.pick(
            ("are not", "aren't") if plural else ("is not", "isn't", "is anything but", "is no longer"))
        t = Tagged().add(f"{self.pick(('the', 'her', 'his', 'their'))} {noun} {be} ")
        return t.add(word, tag)

    def labelled(self, attr: str, value: str, negated: bool) -> Tagged:
        """Form-like keywords: "hair: red", "bg - pink", "beard: no", "glasses: none", "eyes = closed"."""
        sep = self.pick((": ", ": ", " - ", " = ", " "))
        w, tag = self.words[(attr, value)], self.value_tag(attr, value, negated)
        if attr in _SUBJECT_NOUNS and not negated:
            return Tagged().add(self.pick(_SUBJECT_NOUNS[attr]) + sep).add(self._colour_word(attr, value, w), tag)
        noun = self.pick(w.nouns or w.adjs or w.ings)
        answer = self.pick(("no", "none", "nope", "not", "off", "0")) if negated else self.pick(("yes", "on", "y"))
        return Tagged().add(_bare(noun), tag).add(sep + answer)

    def _colour_word(self, attr, value, w: Wording) -> str:
        """The bare colour or length word of a value ("blond" from "blond hair", "pink" from "a pink wall")."""
        if attr in ("eyes", "mouth"):
            return self.pick({"open": ["open", "wide open", "opened"], "closed": ["closed", "shut"]}[value])
        if attr in ("hair_style",):
            return self.pick({"bald": ["shaved off", "all gone"], "short": ["short", "cropped", "cut short"],
                              "bob": ["chin-length", "in a bob", "bobbed"], "long": ["long", "shoulder-length",
                                                                                      "down to her waist"],
                              "bangs": ["cut with bangs"], "wavy": ["wavy", "curly"],
                              "straight": ["straight", "sleek"]}[value])
        first = _bare(self.pick(w.nouns)).split()
        return " ".join(first[:-1]) if len(first) > 1 else (self.pick(w.adjs) if w.adjs else first[0])

    # ---- the rest ---------------------------------------------------------------------------------------------
    def subject(self) -> Tagged:
        """Who the text is about. Where the vocabulary has a gender, a gendered noun is its value ("a woman"),
        tagged; pronouns never are ("make her smile" asks nothing of the gender)."""
        if "gender" not in self.values:
            return Tagged().add(self.pick(SUBJECTS))
        if self.rng.random() < 0.5:
            return Tagged().add(self.pick(_NEUTRAL_SUBJECTS))
        value = self.pick(self.values["gender"])
        t = Tagged()
        if self.rng.random() < 0.3:
            age = self.pick(self.values["age"])
            t.add(self.pick(("a ", "an ", "this ", "the "))).add(self.pick(self.words[("age", age)].adjs),
                                                                self.value_tag("age", age)).add(" ")
            return t.add(_bare(self.pick(self.words[("gender", value)].nouns)), self.value_tag("gender", value))
        return t.add(self.pick(self.words[("gender", value)].nouns), self.value_tag("gender", value))

    def distractor(self) -> Tagged:
        return Tagged().add(self.pick(DISTRACTORS), UNK)

    def gibberish(self) -> Tagged:
        """Words no one can place: other languages, random letters, emoji-like noise (all ``UNK``)."""
        pool = ("une femme aux cheveux roux|ein Mann mit Bart|una mujer sonriente|qwerty asdf|lorem ipsum dolor"
                "|zxcv blorp|hmm|??|!!!|xyz|banana|the quick brown fox|spaceship|car engine|tree|pizza|hello there"
                "|ok|test|asdfghjkl|blah blah|:)|<3|idk|something cool|surprise me|random|anything|whatever"
                ).split("|")
        return Tagged().add(self.pick(pool), UNK)


class Negations:
    """Clauses that rule values out (a mixin of ``Composer``: it reads ``words``, ``values`` and ``pick``)."""

    def misspelt(self, cue: str) -> str:
        """``cue`` with, now and then, a negation word misspelt as people type it ("wihtout", "doesnt")."""
        for word, typos in _MISSPELT.items():
            if word in cue and self.rng.random() < 0.15:
                return cue.replace(word, self.pick(typos), 1)
        return cue

    def negative(self, attr: str, value: str, style: str) -> Tagged:
        """One clause that rules ``value`` out, in one of many negations: "no beard", "without a beard",
        "beard-free", "minus the beard", "hold the beard", "isn't bearded", "not smiling", "never wears glasses"."""
        w, tag, t = self.words[(attr, value)], self.value_tag(attr, value, True), Tagged()
        if style == "edit":
            return self.edit_negative(attr, value)
        forms = ["noun"] * 3 * bool(w.nouns and w.negatable) + ["adj"] * bool(w.adjs) + ["ing"] * bool(w.ings)
        if attr in _SUBJECT_NOUNS:
            forms += ["pred", "pred"]
        if style == "keyword":
            forms += ["labelled"] + ["minus"] * 2 * bool(w.nouns and w.negatable)
        form = self.pick(forms or ["noun"])
        if form == "pred":
            return self._predicate(attr, value, True)
        if form == "labelled":
            return self.labelled(attr, value, True)
        if form == "minus":  # prompt writers' negatives: "-glasses", "--no beard", "(no freckles)", "no-lipstick"
            cue, close = self.pick((("-", ""), ("-", ""), ("--no ", ""), ("--no ", ""), ("--no ", ""), ("- ", ""),
                                    ("no-", ""), ("(no ", ")"), ("[no ", "]"), ("--no-", ""), ("!", ""), ("~", "")))
            return t.add(cue).add(_bare(self.pick(w.nouns)), tag).add(close)
        if form == "adj":
            cue = self.misspelt(self.pick((
                "not ", "isn't ", "is not ", "never ", "not at all ", "far from ", "anything but ", "definitely not ",
                "not very ", "he's not ", "she's not ", "who isn't ", "no longer ", "not remotely ", "by no means ",
                "no way is he ", "no way is she ", "no way she's ", "there's no way he's ")))
            return t.add(cue).add(self.pick(w.adjs), tag)
        if form == "ing":
            cue = self.pick(("not ", "isn't ", "is not ", "never ", "who is not ", "without ", "no ", "not really ",
                             "hardly ever ", "not even ", "he's not ", "she's not ", "they're not ", "he isn't ",
                             "she is not ", "definitely not "))
            return t.add(cue).add(self.pick(w.ings), tag)
        noun = self.pick(w.nouns)
        bare = _bare(noun)
        k = int(self.rng.integers(24))
        if k >= 22 and attr in _RETRACTABLE:
            return self.retracted(attr, value, kept=False)
        if k < 3:  # sometimes with where or when it holds: "no shades in this one"
            t.add(self.pick(("no ", "with no ", "without any ", "zero ", "not a single ", "no sign of ",
                             "not a trace of ", "no hint of ", "so no "))).add(bare, tag)
            return t.add(self.pick(("",) * 6 + (" in this one", " this time", " in the picture", " at all",
                                                 " today", " in this photo", " for once")))
        if k < 6:
            return t.add(self.misspelt(self.pick(("without ", "sans ", "lacking ", "minus ", "free of ", "w/o ",
                                                  "minus the ", "but without ", "w/out ")))).add(
                noun if k < 5 else bare, tag)
        if k < 8 and " " not in bare:  # "freckle-free" as often as "freckles-free"
            stem = bare[:-1] if bare.endswith("s") and not bare.endswith("ss") and self.rng.random() < 0.6 else bare
            t.add(stem, tag).add(self.pick(("-free", " free", "-less")))
            return t.add(self.pick(("", "", "", " lips", " skin", " face", " look", " cheeks")))
        if k < 10:
            return t.add(self.pick(("hold the ", "skip the ", "leave out the ", "forget the ", "ditch the ",
                                    "no need for ", "don't add ", "not interested in "))).add(bare, tag)
        if k < 14:
            have = ("hasn't got ", "doesn't have ", "does not have ", "never has ", "has never had ", "hasn't ",
                    "has no ", "hasn't got any ", "didn't have ", "won't have ")
            wear = ("doesn't wear ", "does not wear ", "isn't wearing ", "is not wearing ", "never wears ",
                    "not wearing ", "wears no ", "without wearing ", "has no ")
            verb = self.misspelt(self.pick(wear if attr in _WEARABLE or attr == "eyeglasses" else have))
            return t.add(verb).add(noun if "no " not in verb else bare, tag)
        if k < 17:
            return self._instead(attr, value, noun)
        if k < 19:
            return t.add(bare, tag).add(self.pick((": none", "? no", ": no", " - nope", ", none", ": not at all",
                                                   " (none)", ": absolutely not")))
        return t.add(self.pick(("not ", "definitely not ", "never ", "and no ", "but no ", "no no "))).add(noun, tag)

    def negative_pair(self, pair, style: str) -> Tagged:
        """One negation over two values: "no glasses or earrings", "get rid of the freckles and the lipstick",
        "neither a beard nor glasses", "hasn't got shades or a beard"."""
        (a1, v1), (a2, v2) = pair
        n1, n2 = (self.pick(self.words[(a, v)].nouns) for a, v in pair)
        edit = style == "edit"
        cue = self.pick(("remove the ", "get rid of the ", "lose the ", "no more ", "take away the ", "ditch the ")
                        if edit else ("no ", "without ", "hasn't got ", "doesn't have ", "without any ", "no sign of ",
                                      "never has ", "not wearing "))
        # never a comma ("no glasses, long hair" asks for the hair), and "and" only in edits ("remove the X and
        # the Y"): in "no glasses and a big grin" or "no beard and short brown hair" what follows is asked for
        join = self.pick((" or ", " or any ", " or the ", " nor ") + ((" and the ", " and ") if edit else ()))
        t = Tagged()
        if not edit and self.rng.random() < 0.2:
            return t.add("neither ").add(n1, self.value_tag(a1, v1, True)).add(" nor ").add(
                n2, self.value_tag(a2, v2, True))
        first = _bare(n1) if cue.endswith(("the ", "no ", "any ", "of ", "more ")) else n1
        second = _bare(n2) if join.endswith(("the ", "any ", " and ")) else n2
        return t.add(cue).add(first, self.value_tag(a1, v1, True)).add(join).add(second, self.value_tag(a2, v2, True))

    def listed(self, pairs, negated: bool) -> Tagged:
        """Values listed after a cue, as prompt writers list them: ruled out ("negative prompt: beard, glasses",
        "avoid: freckles and lipstick") or asked for ("positive prompt: ...", "include: ..."); the cue alone says
        which."""
        # a negative cue over a list ends in a colon or is a prompt flag: "no freckles, blue backdrop" rules out
        # the freckles alone
        cues = (("negative prompt: ", "negative prompt: ", "negative: ", "negatives: ", "avoid: ", "exclude: ",
                 "without: ", "don't want: ", "do not include: ", "--no ", "--no ", "no: ", "NEGATIVE: ")
                if negated else ("positive prompt: ", "prompt: ", "include: ", "must have: ", "with: ", "wants: ",
                                 "features: ", "keywords: ", "tags: ", "and also "))
        t = Tagged().add(self.pick(cues))
        for i, (attr, value) in enumerate(pairs):
            if i:
                t.add(self.pick((", ", " and ", ", and ", " / ", "; ", ", ")) if i == len(pairs) - 1 else ", ")
            w = self.words[(attr, value)]
            t.add(_bare(self.pick(w.nouns)) if w.nouns else self.pick(w.adjs), self.value_tag(attr, value, negated))
        return t

    def _alternative(self, attr, value) -> str | None:
        others = [v for v in self.values[attr] if v != value and self.words[(attr, v)].nouns]
        return self.pick(others) if others else None

    def _instead(self, attr, value, noun) -> Tagged:
        """"X rather than Y", "X instead of Y", "Y? no, X", "not Y but X": the negated value beside its
        replacement (or alone where the attribute has none)."""
        t, tag = Tagged(), self.value_tag(attr, value, True)
        other = self._alternative(attr, value)
        if other is None:
            return t.add(self.pick(("rather than ", "instead of ", "not "))).add(noun, tag)
        alt, alt_tag = self.pick(self.words[(attr, other)].nouns), self.value_tag(attr, other)
        k = int(self.rng.integers(8))
        if k >= 5:  # "from pink to green", "used to have long hair, now short", "eyes not blue - green"
            return self.corrected(attr, value, other) if k == 7 and attr in _SUBJECT_NOUNS else self.changed(
                attr, value, other)
        if k == 0:
            return t.add(alt, alt_tag).add(self.pick((" rather than ", " instead of ", " in place of ", ", not "))
                                           ).add(noun, tag)
        if k == 1:
            return t.add(self.pick(("instead of ", "rather than ", "in place of "))).add(noun, tag).add(", ").add(
                alt, alt_tag)
        if k == 2:  # "not red hair - black", "NOT blue eyes. green.": the replacement may be its word alone
            words, r = self.words[(attr, other)], self.rng.random()
            if r < 0.4:  # "black" alone after "not red hair" is the hair's colour, not the skin's
                alt = self._colour_word(attr, other, words) if attr in _SUBJECT_NOUNS else self.pick(
                    words.adjs or [alt])
            return t.add("not ").add(noun, tag).add(self.pick((" but ", ", ", " - ", ". ", "; ", " -- ", ", just ",
                                                               ", make it ", ", rather "))).add(alt, alt_tag)
        if k == 3:
            return t.add(self.pick(("swap the ", "swap ", "replace the ", "trade the ", "exchange the "))).add(
                _bare(noun), tag).add(self.pick((" for ", " with ", " for "))).add(alt, alt_tag)
        return t.add(self.pick(("change the ", "switch the ", "turn the "))).add(_bare(noun), tag).add(" to ").add(
            _bare(alt), alt_tag)


class Edits:
    """Edit instructions that ask for or remove a value (a mixin of ``Composer``)."""

    def edit_positive(self, attr, value) -> Tagged:
        """"give him a beard", "make her smile", "add freckles", "a bit paler", "now with shades"."""
        w, tag, t = self.words[(attr, value)], self.value_tag(attr, value), Tagged()
        pron, poss = _PRON[self.pick(list(_PRON))]
        k = int(self.rng.integers(10))
        if k < 4 and w.imps:
            imp = self.pick(w.imps).replace("her ", f"{poss} ").replace("his ", f"{poss} ")
            return t.add(imp, tag)
        if k < 6 and w.nouns:
            verb = self.pick((f"give {pron} ", "add ", f"put {pron} in ", "now with ", "with ", "i want ",
                              "let's see ", "try ", f"give {pron} some ", "add some ", "keep the ", "but keep ",
                              f"leave {poss} ", "keep "))
            return t.add(verb).add(self.pick(w.nouns), tag)
        if k < 8 and w.adjs:
            return t.add(self.pick((f"make {pron} ", f"make {pron} look ", "more ", "a more ", f"turn {pron} ",
                                    "now "))).add(self.pick(w.adjs), tag)
        if w.comps:
            return t.add(self.pick((f"make {pron} ", "a bit ", "slightly ", "much ", "", f"make {poss} face "))).add(
                self.pick(w.comps), tag)
        return t.add(self.pick(w.imps or w.nouns or w.adjs), tag)

    def edit_negative(self, attr, value) -> Tagged:
        """"remove the beard", "lose the shades", "no more lipstick", "stop smiling", "make him not bearded"."""
        w, tag, t = self.words[(attr, value)], self.value_tag(attr, value, True), Tagged()
        pron, poss = _PRON[self.pick(list(_PRON))]
        if w.ings and self.rng.random() < 0.35:
            return t.add(self.pick((f"make {pron} stop ", "stop ", "no more ", f"{pron} shouldn't be ",
                                    f"don't have {pron} ", "quit ", f"stop {pron} ", f"stop {poss} "))).add(
                self.pick(w.ings), tag)
        if w.adjs and self.rng.random() < 0.25:
            return t.add(self.pick((f"make {pron} not ", f"make {pron} less ", f"{pron} shouldn't be ",
                                    "less ", "not so "))).add(self.pick(w.adjs), tag)
        if not w.nouns:
            return t.add(self.pick(("not ", "no "))).add(self.pick(w.adjs or w.ings or w.imps), tag)
        bare = _bare(self.pick(w.nouns))
        if self.rng.random() < 0.06 and attr in _RETRACTABLE and w.negatable:
            return self.retracted(attr, value, kept=False)
        if self.rng.random() < 0.25:
            return self._instead(attr, value, self.pick(w.nouns))
        if self.rng.random() < 0.15:  # the removal after the thing: "the glasses have to go", "beard: off"
            return t.add(self.pick(("the ", f"{poss} ", ""))).add(bare, tag).add(self.pick((
                " has to go", " have to go", " must go", " needs to go", " should go", " can go", " goes", " - gone",
                " off", " out", ": remove", ": off", " gone", " is out", " away", ", get rid of it")))
        verb = self.pick(("remove the ", "lose the ", "get rid of the ", "take away the ", "take off the ",
                          "no more ", "without the ", "ditch the ", "drop the ", "delete the ", "erase the ",
                          f"remove {poss} ", f"take {poss} ", "can you remove the ", "please remove the ",
                          f"get rid of {poss} ", "shave off the ", "lose her ", "lose his ", "strip the ",
                          "kill the ", "cut the ", "no "))
        t.add(verb).add(bare, tag)
        if verb.startswith(f"take {poss}"):
            t.add(" off")
        return t

