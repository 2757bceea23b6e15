import numpy as np
import pytest
import torch

from tedigan_demo.synthfaces import (
    ATTRIBUTES,
    LABEL_CLASSES,
    attribute,
    observable,
    observable_mask,
    render_seeds,
    showing,
)
from tedigan_demo.synthfaces.captions import PHRASES, caption, captions, describe, parse, values_of
from tedigan_demo.synthfaces.render import _nuisance, render, sample_attributes

CLS = {n: i for i, n in enumerate(LABEL_CLASSES)}


@pytest.fixture(scope="module")
def batch():
    return render_seeds(range(64))


def test_domain_has_enough_attributes():
    assert len(ATTRIBUTES) >= 12
    assert all(2 <= len(a.values) <= 6 for a in ATTRIBUTES)
    assert {a.group for a in ATTRIBUTES} == {"coarse", "middle", "fine"}
    with pytest.raises(KeyError, match="valid"):
        attribute("height")


def test_render_is_deterministic_per_seed(batch):
    again = render_seeds([5, 3, 60])
    for j, s in enumerate([5, 3, 60]):
        assert torch.equal(again.image[j], batch.image[s])
        assert torch.equal(again.label[j], batch.label[s])
        assert torch.equal(again.attributes[j], batch.attributes[s])
    assert batch.image.shape == (64, 3, 64, 64) and batch.image.min() >= -1 and batch.image.max() <= 1
    assert batch.sketch.shape == (64, 1, 64, 64)
    # anti-aliased: edges have intermediate values, not just the palette
    assert len(torch.unique((batch.image[0] * 127.5).round())) > 200


def test_label_map_consistent_with_attributes_and_image(batch):
    a = {att.name: batch.attributes[:, i] for i, att in enumerate(ATTRIBUTES)}
    has = lambda cls: (batch.label == CLS[cls]).flatten(1).any(1)  # noqa: E731
    assert torch.equal(has("glasses"), a["glasses"] > 0)
    assert torch.equal(has("beard"), a["beard"] == 1)
    assert torch.equal(has("earrings"), a["earrings"] == 1)
    assert torch.equal(has("hair"), a["hair_style"] > 0)
    assert torch.equal(has("mouth"), a["mouth"] == 1)
    assert has("skin").all() and has("background").all() and has("nose").all()
    # hair pixels take the hair colour (up to texture), background pixels the background colour
    for i in range(16):
        hair = batch.label[i] == CLS["hair"]
        if hair.sum() > 30:
            mean = ((batch.image[i][:, hair].mean(1) + 1) * 127.5)
            want = torch.tensor(attribute("hair_color").colors[int(a["hair_color"][i])], dtype=torch.float32)
            assert (mean - want).abs().max() < 45
        bg = batch.label[i] == CLS["background"]
        mean = (batch.image[i][:, bg].mean(1) + 1) * 127.5
        want = torch.tensor(attribute("background").colors[int(a["background"][i])], dtype=torch.float32)
        assert (mean - want).abs().max() < 25


def test_sketch_draws_region_outlines(batch):
    edge = (batch.label[:, :, 1:] != batch.label[:, :, :-1])
    ink_on_edges = (1 - batch.sketch[:, 0, :, 1:])[edge].mean()
    ink_far = (1 - batch.sketch[:, 0, 4:-4, 4:-4])[batch.label[:, 4:-4, 4:-4] == CLS["background"]].mean()
    assert ink_on_edges > 0.5 and ink_far < 0.1


def test_observability(batch):
    sun = batch.attributes[:, 2] == 2
    eye_color = [a.name for a in ATTRIBUTES].index("eye_color")
    assert not batch.observed[sun, eye_color].any()
    assert torch.equal(batch.observed, observable_mask(batch.attributes))


@pytest.mark.parametrize("glasses,eyes,hidden", [("sunglasses", "open", True), ("none", "closed", True),
                                                 ("none", "open", False), ("glasses", "open", False)])
def test_eye_colour_is_hidden_exactly_where_the_mask_says(glasses, eyes, hidden):
    """The mask the evaluation and the redescription apply to a reading is the renderer's truth: where it hides the
    eye colour, changing it changes no pixel; where it shows it, every face changes."""
    rng = np.random.default_rng(7)
    k = [a.name for a in ATTRIBUTES].index("eye_color")
    for _ in range(6):
        a = dict(sample_attributes(rng), glasses=attribute("glasses").index(glasses),
                 eyes=attribute("eyes").index(eyes))
        nuisance = _nuisance(rng)
        faces = render([dict(a, eye_color=v) for v in range(3)], np.stack([nuisance] * 3))
        changed = (faces.image[1:] - faces.image[0]).abs().amax() > 0.1
        assert bool(changed) is not hidden
        assert not faces.observed[:, k].any() if hidden else faces.observed[:, k].all()
        assert observable(a)["eye_color"] is not hidden


def test_captions_mention_true_attributes(batch):
    for i in range(20):
        values = values_of(batch.attributes[i].tolist())
        rng = np.random.default_rng(i)
        for split in ("train", "heldout"):
            text, mentioned = caption(values, rng, split, include=("smile", "glasses"))
            assert text.endswith(".") and mentioned["smile"] == values["smile"]
            for name, value in mentioned.items():
                if name == "hair_color":
                    continue
                options = PHRASES.get(name, {}).get(value)
                if options is None:
                    continue
                used = [p for p in options if p in text]
                assert used, (name, value, text)
                assert (options[-1] in used) == (split == "heldout") or len(options) == 1
    caps = captions(batch.attributes[0].tolist(), seed=1, n=4)
    assert caps == captions(batch.attributes[0].tolist(), seed=1, n=4) and len(set(caps)) > 1
    assert describe(values_of(batch.attributes[0].tolist())).count(",") >= 4


def test_caption_of_only_quiet_values_still_says_something():
    import numpy as np

    from tedigan_demo.synthfaces.captions import caption

    for seed in range(20):
        text, mentioned = caption({"lipstick": "none", "freckles": "none"}, np.random.default_rng(seed), "heldout")
        assert len(mentioned) == 1 and text.endswith(".") and "  " not in text


def test_statement_names_exactly_the_values_given():
    from tedigan_demo.synthfaces.captions import parse, statement

    for a in ATTRIBUTES:
        for v in a.values:
            assert parse(statement({a.name: v})) == {a.name: v}, statement({a.name: v})
    pair = {"smile": "neutral", "hair_color": "red"}
    assert parse(statement(pair)) == pair and statement({}) == ""


def test_every_training_statement_states_its_value_alone():
    from tedigan_demo.synthfaces.captions import parse, statement, statements

    for a in ATTRIBUTES:
        for v in a.values:
            train, held = statements(a.name, v), statements(a.name, v, "heldout")
            assert train[0] == statement({a.name: v}) and not set(train) & set(held)
            for text in train:
                read = parse(text)
                assert read.get(a.name) == v, (text, read)


@pytest.mark.parametrize("text, expected", [
    ("he doesn't wear glasses", {"glasses": "none"}),
    ("no sunglasses, short hair", {"glasses": "none", "hair_style": "short"}),
    ("ginger lady with specs", {"hair_color": "red", "glasses": "glasses"}),
    ("a frowning man with a moustache", {"smile": "neutral", "beard": "beard"}),
    ("she isn't smiling", {"smile": "neutral"}),
    ("clean shaven, blue-eyed", {"beard": "none", "eye_color": "blue"}),
    ("dark-skinned woman, no make-up", {"skin_tone": "dark", "lipstick": "none"}),
])
def test_people_s_words_and_negations_are_read(text, expected):
    assert parse(text) == expected


def test_what_a_named_value_needs_to_show():
    assert showing({"hair_color": "blond"}, {"hair_style": "bald"}) == {"hair_style": "short"}
    assert showing({"hair_color": "blond", "hair_style": "bald"}, {"hair_style": "bald"}) == {}  # as named
    assert showing({"eye_color": "blue"}, {"eyes": "closed", "glasses": "sunglasses"}) == {"eyes": "open",
                                                                                           "glasses": "none"}
    assert showing({"lipstick": "red"}, {"beard": "beard"}) == {"beard": "none"}
    assert showing({"beard": "beard"}, {"lipstick": "red"}) == {"lipstick": "none"}
    assert showing({"smile": "smiling"}, {"hair_style": "bald", "eyes": "closed", "lipstick": "red"}) == {}


def test_a_negation_reaches_its_noun_over_two_words_not_over_a_conjunction():
    assert parse("she isn't wearing any lipstick") == {"lipstick": "none"}
    assert parse("she does not wear any glasses") == {"glasses": "none"}
    assert parse("no glasses and smiling") == {"glasses": "none", "smile": "smiling"}
    assert parse("He has no beard but wears glasses") == {"glasses": "glasses", "beard": "none"}
