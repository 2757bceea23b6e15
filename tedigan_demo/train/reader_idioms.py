"""Idioms of the text reader's corpus (``train.reader_clauses``): phrasings whose words look like the opposite of
what they say, or that put two values in one phrase.

- A thing named, then taken back (or kept) by a pronoun: "he wears glasses for reading only, so leave them off".
- A value asked for with negation words: "not a hair on his head" (bald), "never seen without her earrings",
  "clean-shaven except for a moustache".
- Two values in one noun phrase: "short brown hair", "a blonde bob", "freckle-free oval face".
- Emphasis: "the bluest eyes", prompt weights "(red hair:1.2)", "((freckles))".
- A change with where it comes from: "change the background from pink to green", "he used to have long hair, now
  it's short", "sunglasses? nah, regular specs are fine", "eyes not blue - green".

A mixin of ``train.reader_corpus.Composer``: it reads ``words``, ``values``, ``pick``, ``rng`` and the other clauses.
"""

from __future__ import annotations

from .reader_clauses import _SUBJECT_NOUNS, Tagged, _bare
from .wordings import _HAIR_COLOURS

__all__ = ["Idioms", "BALD_SAID_WITH_NO"]

# bald, said with a negation: the whole phrase asks for the value
BALD_SAID_WITH_NO = (
    "no hair", "no hair on his head", "no hair on her head", "no hairs on head", "not a hair on his head",
    "not a single hair on her head", "without a single hair on his head", "without any hair", "hasn't got any hair",
    "has no hair", "doesn't have any hair", "no hair at all on the head", "not one hair on his head",
    "zero hair", "without hair on the head", "has lost all his hair", "hair all gone")
# asked for by a double negation: "never seen without <her earrings>"
_NEVER_WITHOUT = ("never without ", "never seen without ", "never leaves the house without ",
                  "wouldn't be seen without ", "can't live without ", "never takes off ",
                  "never goes anywhere without ", "is never without ", "never, ever without ", "not once without ")
_SUPERLATIVE = {"blue": "bluest", "green": "greenest", "brown": "brownest", "red": "reddest", "black": "blackest",
                "gray": "greyest", "blond": "blondest", "light": "palest", "dark": "darkest", "tan": "tannest"}
_SUPERLATIVE_NOUN = {"eye_color": ("eyes", "eyes ever", "eyes you've ever seen", "eyes in the world"),
                     "hair_color": ("hair", "hair imaginable", "locks"), "skin_tone": ("skin", "complexion")}
_STYLE_WORDS = {"short": ("short", "cropped", "close-cropped", "very short", "short curly", "short spiky"),
                "long": ("long", "flowing", "shoulder-length", "long wavy", "waist-length", "super long"),
                "bob": ("chin-length", "bobbed")}
_WEIGHTS = ((("(", ":1.2)"), ("(", ":1.1)"), ("(", ":1.3)"), ("((", "))"), ("(", ")"), ("[", "]"), ("{", "}"),
             ("(", ":1.4)"), ("(", ":0.9)")))


class Idioms:
    """Idiomatic clauses (module docstring)."""

    def retracted(self, attr: str, value: str, kept: bool) -> Tagged:
        """A thing named, then taken back (or kept) by a pronoun: the noun carries the reading. "he wears glasses
        for reading only, so leave them off", "she used to have freckles, but get rid of them"; kept: "he has a
        beard, keep it"."""
        w = self.words[(attr, value)]
        bare = _bare(self.pick(w.nouns))
        plural = bare.endswith("s") and not bare.endswith("ss")
        it, they = ("them", "they") if plural else ("it", "it")
        t = Tagged().add(self.pick(("he ", "she ", "they ", "", "", "the person ")))
        t.add(self.pick(("usually has ", "normally wears ", "owns ", "used to have ", "sometimes wears ", "has ",
                         "wears ", "carries ", "has got ", "often has ", "")))
        t.add(bare, self.value_tag(attr, value, not kept))
        t.add(self.pick(("",) * 4 + (" for reading only", " in real life", " most days", " at work", " on weekends",
                                     " in the old photo", " in his pocket", " in her bag", " sometimes")))
        t.add(self.pick((", so ", ", but ", " but ", "; ", ". ", " - ", ", though ", "... ", " and ")))
        if kept:
            return t.add(self.pick((f"keep {it}", f"leave {it} on", f"keep {it} on", f"show {it}",
                                    f"make sure {it} shows", f"don't remove {it}", f"leave {it} as is")))
        return t.add(self.pick((f"leave {it} off", f"take {it} off", f"lose {it}", f"get rid of {it}", f"skip {it}",
                                f"drop {it}", f"don't show {it}", f"leave {it} out", f"without {it} this time",
                                f"{they} should go", f"{they} can go", f"remove {it}", f"hide {it}", "not in this one",
                                "not here", f"no need for {it}", f"ditch {it}", f"don't include {it}",
                                f"not wearing {it} today", f"{they} stay{'' if plural else 's'} off")))

    def bald_by_negation(self, attr: str, value: str) -> Tagged:
        """"not a hair on his head": bald, asked for, the negation inside the value's words."""
        return Tagged().add(self.pick(("", "", "with ", "he has ", "a man with ", "who has "))).add(
            self.pick(BALD_SAID_WITH_NO), self.value_tag(attr, value))

    def never_without(self, attr: str, value: str) -> Tagged:
        """"never seen without her earrings", "never takes off his shades", "glasses he never takes off": asked
        for."""
        w = self.words[(attr, value)]
        noun = _bare(self.pick(w.nouns))
        if self.rng.random() < 0.35:
            t = Tagged().add(self.pick(("", "", "his ", "her ", "the "))).add(noun, self.value_tag(attr, value))
            return t.add(self.pick((" he never takes off", " she never takes off", " she's never without",
                                    " he always wears", " that never come off", " he's never without",
                                    " she never goes without")))
        return Tagged().add(self.pick(("", "he's ", "she's ", "they are ", "he ", "she "))).add(
            self.pick(_NEVER_WITHOUT) + self.pick(("", "her ", "his ", "the ", "their "))).add(
            noun, self.value_tag(attr, value))

    def except_for(self, attr: str, value: str) -> Tagged:
        """"clean-shaven except for a thin moustache": the facial hair asked for."""
        w = self.words[(attr, value)]
        # never "no beard, just ...": the negation of the value's own word must keep reading as ruled out
        return Tagged().add(self.pick(("clean-shaven except for ", "clean-shaven apart from ", "shaved, except for ",
                                       "smooth-faced but for ", "shaven apart from "))).add(
            self.pick(w.nouns), self.value_tag(attr, value))

    def superlative(self, attr: str, value: str) -> Tagged | None:
        """"the bluest eyes", "the palest skin": emphasis, asked for."""
        if value not in _SUPERLATIVE or attr not in _SUPERLATIVE_NOUN:
            return None
        head = self.pick(("the ", "the ", "has the ", "with the ", "")) + self.pick(("", "very ", "most "))
        return Tagged().add(head).add(f"{_SUPERLATIVE[value]} {self.pick(_SUPERLATIVE_NOUN[attr])}",
                                      self.value_tag(attr, value))

    def compound_hair(self, style: str, colour: str) -> Tagged:
        """Hair length and colour in one phrase: "short brown hair", "a blonde bob", "long red locks"."""
        col = self.pick([c for c in _HAIR_COLOURS[colour][0].split("|") if c][:6])
        s_tag, c_tag = self.value_tag("hair_style", style), self.value_tag("hair_color", colour)
        t = Tagged().add(self.pick(("", "", "with ", "has ", "rocking ", "and ")))
        if style == "bob" and self.rng.random() < 0.6:
            return t.add(self.pick(("a ", ""))).add(col, c_tag).add(" ").add(self.pick(("bob", "bob cut")), s_tag)
        t.add(self.pick(_STYLE_WORDS[style]), s_tag).add(self.pick((" ", ", ", " ")))
        return t.add(f"{col} {self.pick(('hair', 'hair', 'locks', 'curls'))}", c_tag)

    def free_before(self, neg: tuple[str, str], pos: tuple[str, str]) -> Tagged | None:
        """"freckle-free oval face", "beard-free pale skin": a value ruled out by "-free", then one asked for."""
        wn, wp = self.words[neg], self.words[pos]
        nouns = [_bare(n) for n in wn.nouns if " " not in _bare(n)]
        if not nouns or not wp.adjs:
            return None
        stem = self.pick(nouns)
        stem = stem[:-1] if stem.endswith("s") and not stem.endswith("ss") and self.rng.random() < 0.6 else stem
        t = Tagged().add(stem, self.value_tag(*neg, True)).add(self.pick(("-free ", " free ", "-free, ")))
        return t.add(self.pick(wp.adjs), self.value_tag(*pos)).add(self.pick((" face", "", " look", " person")))

    def weighted(self, inner: Tagged) -> Tagged:
        """A keyword with prompt weights around it: "(red hair:1.2)", "((freckles))"."""
        opening, closing = self.pick(_WEIGHTS)
        return Tagged().add(opening).extend(inner).add(closing)

    def changed(self, attr: str, value: str, other: str) -> Tagged:
        """``value`` ruled out where the face changes from it to ``other``: "change the background from pink to
        green", "he used to have long hair, now it's short", "sunglasses? nah, specs are fine"."""
        old_tag, new_tag = self.value_tag(attr, value, True), self.value_tag(attr, other)
        old, new = self.words[(attr, value)], self.words[(attr, other)]
        k = int(self.rng.integers(3 if attr in _SUBJECT_NOUNS else 2)) + (0 if attr in _SUBJECT_NOUNS else 1)
        if k == 0:  # "change the hair from black to brown"
            noun = self.pick(_SUBJECT_NOUNS[attr])
            t = Tagged().add(self.pick(("change the ", "turn the ", "switch the ", "make the ", "take the ",
                                        "change her ", "turn his ", "")) + noun + " from ")
            return t.add(self._colour_word(attr, value, old), old_tag).add(" to ").add(
                self._colour_word(attr, other, new), new_tag)
        if k == 1:  # "he used to have long hair but now it's short", "turn the pink background blue"
            if attr == "background" and self.rng.random() < 0.5:
                return Tagged().add(self.pick(("turn the ", "make the ", "change the ", "switch the "))).add(
                    self._colour_word(attr, value, old), old_tag).add(" background ").add(
                    self._colour_word(attr, other, new), new_tag)
            if self.rng.random() < 0.3:  # "he's bald at the moment - give him short hair"
                t = Tagged().add(self.pick(("he's ", "she's ", "it's ", ""))).add(self.pick(old.adjs or old.nouns),
                                                                              old_tag)
                t.add(self.pick((" at the moment", " right now", " for now", " currently")))
                t.add(self.pick((" - give him ", " - make it ", ", change it to ", ". give her ", " - I want ")))
                return t.add(self.pick(new.nouns or new.adjs), new_tag)
            # a past, then a "now": never a present "he has X" (that asks for X)
            t = Tagged().add(self.pick(("he used to have ", "she used to have ", "it used to be ", "he once had ",
                                        "formerly ", "previously ", "before: ", "in the old photo, ")))
            t.add(self.pick(old.nouns or old.adjs), old_tag)
            t.add(self.pick((" but now ", ", now ", " - now ", "; now it should be ", ". now ", ", but these days ",
                             " but now it's ")))
            return t.add(self.pick(new.nouns or new.adjs), new_tag)
        # "sunglasses? nah. regular specs r fine", "red hair -> black hair"
        t = Tagged().add(self.pick(old.nouns or old.adjs), old_tag)
        t.add(self.pick(("? nah. ", "? no. ", "? nope, ", "? no way. ", " - no, ", "? not really, ", " -> ", " => ",
                         " → ", " --> ")))
        return t.add(self.pick(new.nouns or new.adjs), new_tag).add(self.pick(("", " r fine", " is fine", " please",
                                                                               " instead", " are better")))

    def corrected(self, attr: str, value: str, other: str) -> Tagged:
        """"eyes not blue - green", "hair not black but brown": a predicate ruled out, then its replacement."""
        noun = self.pick(_SUBJECT_NOUNS[attr])
        t = Tagged().add(noun + self.pick((" not ", " - not ", " not ", " aren't " if noun.endswith("s") else
                                           " isn't ")))
        t.add(self._colour_word(attr, value, self.words[(attr, value)]), self.value_tag(attr, value, True))
        t.add(self.pick((" - ", " but ", ", ", ". ", " -- ", "; they're " if noun.endswith("s") else "; it's ")))
        return t.add(self._colour_word(attr, other, self.words[(attr, other)]), self.value_tag(attr, other))

