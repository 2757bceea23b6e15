"""The text reader: its corpus, how a reading resolves into values, how a negation is put to CLIP, the shipped
readers on texts people write (negations never read backwards), and any text answered without a crash."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from tedigan_demo.loading import load_text_reader
from tedigan_demo.train.reader import label_names
from tedigan_demo.train.reader_corpus import make_corpus
from tedigan_demo.vocabulary import for_vocabulary
from tedigan_demo.vocabulary.reader import Reading, ReadValue, guidance_prompts, resolve


@pytest.fixture(scope="module")
def synth():
    vocab = for_vocabulary("synthfaces")
    return vocab.attach(load_text_reader(vocab))


@pytest.fixture(scope="module")
def real():
    vocab = for_vocabulary("realface")
    return vocab.attach(load_text_reader(vocab))


@pytest.mark.parametrize("vocabulary", ["synthfaces", "realface"])
def test_the_corpus_tags_words_the_vocabulary_knows(vocabulary):
    labels = set(label_names(vocabulary))
    corpus = make_corpus(vocabulary, 300, seed=5)
    negated = 0
    for t in corpus.tagged:
        for a, b, tag in t.spans:
            assert 0 <= a < b <= len(t.text) and t.text[a:b].strip()
            if tag[0] == "V":
                assert f"{tag[1]}={tag[2]}{'!' if tag[3] else ''}" in labels
                negated += tag[3]
    assert negated > 50  # negations are a large part of it
    assert make_corpus(vocabulary, 20, seed=5).texts == corpus.texts[:20]  # deterministic in the seed


def test_ruled_out_values_resolve_to_the_other_value_none_or_an_avoid_set():
    terms = for_vocabulary("synthfaces").terms
    read = [ReadValue("beard", "beard", True, 0.9, "beard"), ReadValue("glasses", "sunglasses", True, 0.9, "shades"),
            ReadValue("hair_color", "blond", True, 0.9, "blond"), ReadValue("smile", "smiling", False, 0.9, "grin")]
    named, avoid = resolve(read, terms)
    assert named == {"beard": "none", "glasses": "none", "smile": "smiling"}
    assert avoid == {"hair_color": frozenset({"blond"})}
    # "swap the blue backdrop for a pink one": the value asked for wins
    named, avoid = resolve([ReadValue("background", "blue", True, 0.9, "blue backdrop"),
                            ReadValue("background", "pink", False, 0.8, "pink one")], terms)
    assert named == {"background": "pink"} and avoid == {}


def test_a_value_both_asked_for_and_ruled_out_goes_to_the_surer_reading_and_is_said():
    terms = for_vocabulary("synthfaces").terms
    # "sunnies in his pocket, so no shades", read equally surely both ways: ruled out, never shown
    read = [ReadValue("glasses", "sunglasses", False, 1.0, "sunnies"),
            ReadValue("glasses", "sunglasses", True, 1.0, "shades"), ReadValue("smile", "smiling", False, 0.9, "grin")]
    named, avoid = resolve(read, terms)
    assert named == {"glasses": "none", "smile": "smiling"} and avoid == {}
    summary = Reading("t", tuple(read), (), named, avoid).summary()
    assert "asked for and ruled out: sunglasses (ruled out" in summary
    # a stray negation read weakly leaves the value asked for
    named, _ = resolve([ReadValue("beard", "beard", True, 0.6, "w/"),
                        ReadValue("beard", "beard", False, 0.95, "beard")], terms)
    assert named == {"beard": "beard"}
    # another value asked for still wins: "not blond ... red hair ... blond"
    named, _ = resolve([ReadValue("hair_color", "blond", True, 0.9, "blond"),
                        ReadValue("hair_color", "red", False, 0.6, "red"),
                        ReadValue("hair_color", "blond", False, 0.9, "blond")], terms)
    assert named == {"hair_color": "red"}


def test_a_negation_is_put_to_clip_as_a_direction_away_not_as_its_words(real):
    reading = real.read("a man with no glasses")
    positive, negative = guidance_prompts(reading, real.statement)
    assert "glass" not in positive.lower() and "man" in positive
    assert negative is not None and "glasses" in negative
    assert guidance_prompts(real.read("a smiling woman"), real.statement) == ("a smiling woman", None)


class _Guidance:
    """A stand-in image-text model: a text mentioning glasses embeds as e0, any other as e1; an "image" is its own
    embedding."""

    def embed_text(self, texts):
        return torch.stack([torch.tensor([1.0, 0.0]) if "glass" in t else torch.tensor([0.0, 1.0]) for t in texts])

    def similarity(self, images, text_embedding):
        return images.flatten(1) @ text_embedding.t()


def test_ranking_for_no_glasses_prefers_the_face_without_them(real):
    from tedigan_demo.pipeline.reading import FaceReader

    reader = FaceReader(_Guidance(), real, None)
    images = torch.tensor([[1.0, 0.0], [0.0, 1.0]])  # [with glasses, without]
    assert reader.rank(images, "a man with no glasses").tolist() == [1, 0]
    assert reader.rank(images, "a man with glasses").tolist() == [0, 1]


@pytest.mark.parametrize("text, named", [
    ("not bearded", {"beard": "none"}),
    ("mouth not open", {"mouth": "closed"}),
    ("lipstick-free", {"lipstick": "none"}),
    ("she is not happy", {"smile": "neutral"}),
    ("long beard and short black hair", {"beard": "beard", "hair_style": "short", "hair_color": "black"}),
    ("pale blue eyes", {"eye_color": "blue"}),
    ("no glasses but a big grin", {"glasses": "none", "smile": "smiling"}),
    ("without glasses, a big grin", {"glasses": "none", "smile": "smiling"}),
    ("no glasses and a big grin", {"glasses": "none", "smile": "smiling"}),
    ("freckle-free, blond", {"freckles": "none", "hair_color": "blond"}),
    ("negative prompt: beard, glasses", {"beard": "none", "glasses": "none"}),
    ("red hair, freckles, green eyes, bob", {"hair_color": "red", "freckles": "freckles", "eye_color": "green",
                                             "hair_style": "bob"}),
])
def test_the_shipped_reader_reads_what_people_write(synth, text, named):
    got = synth.read(text).named
    for attr, value in named.items():
        assert got.get(attr) == value, (text, got)
    assert "skin_tone" not in synth.read("pale blue eyes").named


def test_words_about_other_things_are_reported_not_invented(synth):
    reading = synth.read("a man in a navy suit at the beach")
    assert reading.named == {} and reading.avoid == {}
    assert any("suit" in u for u in reading.unknown)


@pytest.mark.parametrize("text", ["", " ", "x" * 100_000, "微笑的女人", "🙂🙂 😎", "a\x00b\x07c\x1b[31m", "ü" * 600,
                                  "\n\t", "Ein Mann mit Bart"])
def test_any_text_gets_a_reading(synth, real, text):
    for vocab in (synth, real):
        reading = vocab.read(text)
        assert isinstance(reading, Reading)
        json.dumps(reading.to_dict())


@pytest.mark.quality
def test_the_held_out_sets_read_no_worse_than_the_card_says(synth):
    from bench.eval_reader import eval_reading, load_set

    for name in ("dev", "test", "fresh", "fourth", "fifth"):
        try:
            descriptions, edits = load_set(name)
        except ModuleNotFoundError:
            continue
        res = eval_reading(synth, descriptions, edits, table=False)["reader"]["all"]
        # the shipped reader's figures (the card's "Reading text"): guards against a reader that reads worse; the
        # aim of none backwards is not met on fresh and fifth (one each)
        assert res["backwards"] <= {"dev": 0, "test": 0, "fresh": 1, "fourth": 0, "fifth": 1}[name], (name, res)
        assert res["asked_read"] >= 0.95 and res["ruled_out_read"] >= 0.94, (name, res)


def test_reading_a_text_is_memoised_and_deterministic(synth):
    a = synth.read("ginger lass with freckles")
    b = synth.reader.read("ginger lass with freckles")
    assert a is b
    synth.reader._memo.clear()
    assert synth.read("ginger lass with freckles") == a


def test_the_cli_reads_a_text_as_one_json_line(capsys):
    from tedigan_demo.cli import main

    assert main(["read", "--text", "bald, no beard, big smile"]) == 0
    out = json.loads(capsys.readouterr().out.strip())
    assert out["named"]["hair_style"] == "bald" and out["named"]["beard"] == "none"
    assert main(["read", "--text", "x" * 100_000]) == 2
    assert "keep it under" in capsys.readouterr().err
    assert main(["read", "--text", " "]) == 2


def test_a_reading_is_the_same_for_the_same_text_across_loads():
    vocab = for_vocabulary("synthfaces")
    one = vocab.attach(load_text_reader(vocab)).read("red hair, no freckles").to_dict()
    two = for_vocabulary("synthfaces")
    assert two.attach(load_text_reader(two)).read("red hair, no freckles").to_dict() == one
    assert np.isfinite([v["confidence"] for v in one["values"]]).all()


@pytest.mark.quality
def test_a_ruled_out_value_with_no_single_opposite_is_absent_and_the_rest_varies():
    from tedigan_demo.pipeline import TediGANPipeline
    from tedigan_demo.synthfaces import ATTRIBUTES

    pipe = TediGANPipeline.from_family("synthfaces64")
    assert pipe.vocab.reader is not None
    out = pipe.generate("long hair that is not blond", n=8, seed=3)
    read = pipe.classifier.predict(out.images)[0]
    names = [a.name for a in ATTRIBUTES]
    colours = {ATTRIBUTES[names.index("hair_color")].values[int(v)] for v in read[:, names.index("hair_color")]}
    assert "blond" not in colours and len(colours) >= 2  # not blond, and not one colour for all
    assert len({int(v) for v in read[:, names.index("background")]}) >= 2  # what it leaves open varies


@pytest.mark.parametrize("text, named, ruled_out", [
    ("a man with no glasses", {"gender": "man", "eyeglasses": "none"}, "eyeglasses"),
    ("an old woman who isn't smiling", {"gender": "woman", "age": "old", "smile": "not smiling"}, "smile"),
    ("remove his beard", {"beard": "none"}, "beard"),
    ("make her smile", {"smile": "smiling"}, None),
])
def test_the_real_face_reader_reads_negations_the_right_way_round(real, text, named, ruled_out):
    reading = real.read(text)
    for attr, value in named.items():
        assert reading.named.get(attr) == value, (text, reading.named)
    assert "gender" not in real.read("make her smile").named  # a pronoun asks nothing of the gender
    if ruled_out:
        assert any(v.negated and v.attribute == ruled_out for v in reading.values)


def test_heads_of_an_ensemble_read_together(synth):
    from tedigan_demo.models.text_reader import TextReaderConfig, TextReaderHead
    from tedigan_demo.vocabulary.reader import TextReader

    shipped = synth.reader
    assert len(shipped.heads) == 4  # the folder's head and ensemble-2, -3 and -4 (seeds 2 to 4)
    once = TextReader(shipped.model, shipped.tokenizer, shipped.head, shipped.terms)
    twice = TextReader(shipped.model, shipped.tokenizer, [shipped.head, shipped.head], shipped.terms)
    text = "a smiling woman with no glasses and short red hair"
    a, b = twice.word_labels(text), once.word_labels(text)
    assert [w[:3] for w in a] == [w[:3] for w in b] and np.allclose([w[3] for w in a], [w[3] for w in b], atol=1e-5)
    torch.manual_seed(0)
    other = TextReaderHead(TextReaderConfig(vocabulary="synthfaces", labels=shipped.labels[:-2]))
    with pytest.raises(ValueError, match="different labels"):
        TextReader(shipped.model, shipped.tokenizer, [shipped.head, other], shipped.terms)
    # a second head of other weights moves the probabilities: the average is read
    noisy = TextReaderHead(shipped.head.config)
    mixed = TextReader(shipped.model, shipped.tokenizer, [shipped.head, noisy], shipped.terms)
    assert [w[3] for w in mixed.word_labels(text)] != [w[3] for w in once.word_labels(text)]
