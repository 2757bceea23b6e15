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


def test_the_corpus_tags_idioms_by_what_they_say():
    import re

    from tedigan_demo.train.reader_corpus import Composer

    comp = Composer("synthfaces", np.random.default_rng(0))

    def tags(t):  # word -> (value, negated), for the words a span covers
        return {w: (tag[2], tag[3]) for a, b, tag in t.spans if tag[0] == "V"
                for w in re.findall(r"[\w-]+", t.text[a:b])}

    for _ in range(20):
        assert set(tags(comp.bald_by_negation("hair_style", "bald")).values()) == {("bald", False)}  # "no hair"
        assert set(tags(comp.never_without("earrings", "earrings")).values()) == {("earrings", False)}
        t = comp.changed("background", "pink", "green")  # "from pink to green", "pink? nah. green"
        assert {("pink", True), ("green", False)} == set(tags(t).values()), t.text
        t = comp.compound_hair("short", "brown")  # "short brown hair": two values, neither negated
        assert {v for v, _ in tags(t).values()} == {"short", "brown"} and not any(n for _, n in tags(t).values())
        t = comp.free_before(("freckles", "freckles"), ("face_shape", "oval"))
        assert set(tags(t).values()) == {("freckles", True), ("oval", False)}, t.text


def test_a_distilled_head_learns_the_labels_and_the_teachers_together():
    from tedigan_demo.models.text_reader import TextReaderConfig, TextReaderHead
    from tedigan_demo.train.reader import DISTIL, _loss, teacher_probs

    torch.manual_seed(0)
    cfg = TextReaderConfig(labels=["O", "UNK", "beard=beard", "beard=beard!"], text_dim=8, hidden=4, layers=[1])
    head, one, two = (TextReaderHead(cfg).eval() for _ in range(3))
    feats, tags = torch.randn(1, 5, 8), torch.tensor([[0, 2, 3, -100, 1]])
    mask = torch.ones(1, 5, dtype=torch.long)
    probs = torch.stack(teacher_probs([one, two], [(feats[0], tags[0])])).float()
    with torch.no_grad():
        mean = (one(feats, mask).softmax(-1) + two(feats, mask).softmax(-1))[0] / 2
    assert torch.allclose(probs[0], mean, atol=1e-3)  # the teachers' probabilities, averaged (float16)
    hard = _loss(head, feats, tags, mask, None)
    one_hot = torch.nn.functional.one_hot(tags.clamp(min=0), 4).float()  # teachers that agree with the labels
    assert torch.allclose(_loss(head, feats, tags, mask, one_hot), hard, atol=1e-6)
    mixed = _loss(head, feats, tags, mask, probs)
    logp = head(feats, mask).log_softmax(-1)[0][tags[0] != -100]
    soft = -(probs[0][tags[0] != -100] * logp).sum(-1).mean()
    assert torch.allclose(mixed, (1 - DISTIL) * hard + DISTIL * soft, atol=1e-5)


def test_a_reading_is_backwards_where_it_shows_what_is_ruled_out_or_rules_out_what_is_asked():
    from bench.eval_reader import score_reading

    asks, forbids = {"background": "green"}, {"background": ["pink"]}
    pink = score_reading({"background": "pink"}, {}, asks, forbids)  # "from pink to green" read as pink
    assert pink["backwards"] == pink["shows_ruled_out"] == 1 and pink["rules_out_asked"] == 0
    assert score_reading({"background": "green"}, {}, asks, forbids)["backwards"] == 0
    asks = {"hair_style": "short"}  # "no beard and short hair" with the hair ruled out too
    hair = score_reading({}, {"hair_style": {"short"}}, asks, {})
    assert hair["backwards"] == hair["rules_out_asked"] == 1 and hair["shows_ruled_out"] == 0
    assert score_reading({"beard": "none"}, {}, {"beard": "beard"}, {}, {("beard", "beard")})["backwards"] == 1
    assert score_reading({"beard": "none"}, {}, {}, {"beard": ["beard"]})["backwards"] == 0


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
    ("a woman with no glasses and long red hair", {"glasses": "none", "hair_style": "long", "hair_color": "red"}),
    ("switch the backdrop from blue to gray", {"background": "gray"}),
    ("he hasn't a hair on his head", {"hair_style": "bald"}),
    ("never seen without his shades", {"glasses": "sunglasses"}),
    ("(blue eyes:1.3), (freckles:1.1)", {"eye_color": "blue", "freckles": "freckles"}),
    ("freckle-free round face", {"freckles": "none", "face_shape": "round"}),
    ("black hair -> red hair", {"hair_color": "red"}),
    ("--no makeup", {"lipstick": "none"}),
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

    for name in ("dev", "test", "fresh", "fourth", "fifth", "sixth"):
        try:
            descriptions, edits = load_set(name)
        except ModuleNotFoundError:
            continue
        res = eval_reading(synth, descriptions, edits, table=False)["reader"]["all"]
        # the shipped reader's figures (the card's "Reading text"): guards against a reader that reads worse; the
        # aim of none backwards is not met (most are values asked for that a negation's scope took in)
        shows = {"dev": 0, "test": 1, "fresh": 1, "fourth": 0, "fifth": 1, "sixth": 0}[name]
        assert res["shows_ruled_out"] <= shows, (name, res)
        assert res["backwards"] <= {"dev": 0, "test": 3, "fresh": 6, "fourth": 2, "fifth": 3, "sixth": 5}[name], (
            name, res)
        assert res["asked_read"] >= 0.96 and res["ruled_out_read"] >= 0.96, (name, res)


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


def test_stacked_heads_read_as_the_heads_one_by_one(synth):
    from tedigan_demo.models.text_reader import HeadStack, TextReaderConfig, TextReaderHead

    heads = synth.reader.heads
    torch.manual_seed(1)
    features = torch.randn(2, 11, heads[0].config.text_dim * len(heads[0].config.layers))
    mask = torch.ones(2, 11, dtype=torch.long)
    mask[1, 7:] = 0  # a shorter text, padded at the end
    stack = HeadStack(heads)
    with torch.no_grad():
        one_by_one = torch.stack([h(features, mask).softmax(-1) for h in heads]).mean(0)
        xs = torch.randn(len(heads), 2, 11, heads[0].gru.input_size)
        recurred = stack.recur(xs)
        for k, h in enumerate(heads):  # each head's recurrence over two texts, as its own GRU steps through them
            assert torch.allclose(recurred[k], h.gru(xs[k])[0], atol=1e-5)
    assert torch.allclose(stack.probs(features, mask), one_by_one, atol=1e-6)
    deeper = TextReaderHead(TextReaderConfig(labels=["O", "UNK"], hidden=8))
    deeper.gru = torch.nn.GRU(16, 8, num_layers=2, batch_first=True, bidirectional=True)
    with pytest.raises(ValueError, match="one-layer"):
        HeadStack([deeper])
    with pytest.raises(ValueError, match="one width"):
        HeadStack([heads[0], TextReaderHead(TextReaderConfig(labels=heads[0].config.labels, hidden=64))])
