"""The families a server offers (``tedigan_demo.registry``), without any web framework."""

import pytest

from tedigan_demo.demo import UserError
from tedigan_demo.registry import FamilyRegistry, text_steps_from_env


@pytest.fixture(scope="module")
def families(tiny_family, tmp_path_factory):
    return FamilyRegistry.start(tmp_path_factory.mktemp("out"), family=str(tiny_family))


def test_the_default_family_is_loaded_and_listed_first(families, tiny_family):
    assert families.default == str(tiny_family) and families.states[str(tiny_family)].state == "here"
    assert families.choices()[0] == (str(tiny_family), str(tiny_family))
    assert families.demo_for(None) is families.demo_for(str(tiny_family))  # loaded once


def test_families_that_cannot_be_had_say_why(families):
    with pytest.raises(UserError, match="unknown model family 'nope'"):
        families.demo_for("nope")
    # no network in the tests: the real-face family can be neither found here nor downloaded
    assert families.states["ffhq-1024"].state == "unavailable"
    with pytest.raises(UserError, match="ffhq-1024 is not available here: .+"):
        families.demo_for("ffhq-1024")


def test_sliders_are_labelled_by_what_each_group_carries(families):
    # the tiny family has no measured attribute_groups.json: the domain's intended groups
    from webapp.words import group_label, scope_note

    assert group_label(families, "coarse") == "coarse (pose, face shape, glasses)"
    assert group_label(families, "fine") == "fine (hair color, skin tone, eye color, lipstick, freckles, background)"
    assert "knows only its own cartoon faces" in scope_note(families)


@pytest.mark.parametrize("value, steps", [("", None), ("12", 12), ("many", None)])
def test_text_steps_come_from_the_environment(monkeypatch, value, steps):
    monkeypatch.setenv("TEDIGAN_TEXT_STEPS", value)
    assert text_steps_from_env() == steps
