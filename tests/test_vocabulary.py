"""The real-face vocabulary (FFHQ families) reads texts as people write them; the procedural grammar stays with
the embedded family."""

import ast
from pathlib import Path

import numpy as np
import pytest

from tedigan_demo.vocabulary import for_family
from tedigan_demo.vocabulary.realface import RealFaceVocabulary
from tedigan_demo.vocabulary.synthetic import SyntheticVocabulary

REAL = RealFaceVocabulary()


@pytest.mark.parametrize("text, expected", [
    ("She has long wavy blond hair and is smiling.",
     {"hair_style": "wavy", "hair_color": "blond", "smile": "smiling"}),
    ("make her smile", {"smile": "smiling"}),  # a pronoun names no gender: the edit keeps the coarse layers
    ("no glasses", {"eyeglasses": "none"}),
    ("without a beard", {"beard": "none"}),
    ("He doesn't wear glasses", {"eyeglasses": "none"}),
    ("no glasses and a beard", {"eyeglasses": "none", "beard": "beard"}),
    ("an old man with a grey beard and spectacles", {"gender": "man", "age": "old", "eyeglasses": "eyeglasses",
                                                      "beard": "beard"}),
    ("A young woman, not smiling, with bangs", {"gender": "woman", "age": "young", "smile": "not smiling",
                                                "hair_style": "bangs"}),
    ("bald guy in shades", {"gender": "man", "hair_style": "bald", "eyeglasses": "sunglasses"}),
    ("give him a mustache", {"beard": "beard"}),
    ("a 25 year old redhead", {"hair_color": "red"}),
    ("clean-shaven, black hair", {"beard": "none", "hair_color": "black"}),
    ("make him older", {"age": "old"}),
    ("a man and his wife", {}),
    ("🙂🙂", {}),
])
def test_real_face_parse(text, expected):
    assert REAL.parse(text) == expected


def test_real_face_words():
    assert REAL.statement({"age": "old", "gender": "man", "beard": "beard"}) == (
        "a photo of an old man who has a beard.")
    assert REAL.statement({"smile": "smiling", "hair_color": "blond"}) == (
        "a photo of a person who is smiling and has blond hair.")
    # a bald head shows no hair colour, and quiet values go unsaid
    assert REAL.describe({"gender": "woman", "hair_style": "bald", "hair_color": "red", "eyeglasses": "none"}) == (
        "A woman who is bald.")
    prompts = REAL.prompts()
    assert [len(p) for p in prompts] == [len(t.values) for t in REAL.terms]
    a, b = REAL.distractors(np.random.default_rng(3), 5), REAL.distractors(np.random.default_rng(3), 5)
    assert a == b and len(set(a)) > 1
    rng = np.random.default_rng(0)
    for _ in range(200):  # a caption reads back as the values it says
        values = {t.name: t.values[int(rng.integers(len(t.values)))] for t in REAL.terms}
        said = {k: v for k, v in values.items() if (k, v) not in REAL.quiet and REAL.visible(values)[k]}
        parsed = REAL.parse(REAL.describe(values))
        assert {k: parsed.get(k) for k in said} == said, REAL.describe(values)
    assert {t.name for t in REAL.terms} >= {"smile", "eyeglasses", "hair_color", "beard", "age", "lipstick"}


def test_families_get_their_vocabulary():
    assert isinstance(for_family(True), SyntheticVocabulary) and isinstance(for_family(False), RealFaceVocabulary)


def test_the_procedural_grammar_stays_with_the_embedded_family():
    root = Path(__file__).resolve().parent.parent / "tedigan_demo"
    allowed = {"synthfaces", "train", "vocabulary/synthetic.py", "models/classifier.py"}
    offenders = []
    for path in root.rglob("*.py"):
        rel = path.relative_to(root).as_posix()
        if any(rel == a or rel.startswith(a + "/") for a in allowed):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and "captions" in node.module:
                offenders.append(rel)
    assert offenders == []
