"""Attribute sliders (``pipeline.attributes``): exact directions on the embedded family, InterFaceGAN direction files
on others, the demo's sessions keeping the amounts, and the app's ``/attribute`` through ``gradio_client``."""

import shutil

import numpy as np
import pytest
import torch
from conftest import start_app

from tedigan_demo.demo import Demo, EditSession, UserError, to_pil
from tedigan_demo.loading import REPO_ROOT, LoadError
from tedigan_demo.loading.interfacegan import read_direction
from tedigan_demo.pipeline import TediGANPipeline
from tedigan_demo.pipeline.attributes import FILE_SCALE
from tedigan_demo.sessions import SessionStore
from tedigan_demo.synthfaces import ATTRIBUTES
from tedigan_demo.synthfaces.latent import params

NAMES = [a.name for a in ATTRIBUTES]


@pytest.fixture(scope="module")
def shipped():
    return TediGANPipeline.from_family("synthfaces64")


def test_an_exact_slider_changes_its_value_and_nothing_else(shipped):
    G = shipped.G
    values, nuisance = params(G.sample_z(16, torch.Generator().manual_seed(7)))
    k = NAMES.index("smile")
    values[:, k] = 0  # neutral
    smiling = values.clone()
    smiling[:, k] = 1
    with torch.no_grad():
        before, after = G.style.forward_params(values, nuisance), G.style.forward_params(smiling, nuisance)
    offset = shipped.attribute_offset({"smile": 1.0})
    torch.testing.assert_close(G.broadcast(before) + offset, G.broadcast(after))
    assert shipped.attribute_sliders["smile"].label == "smile: neutral → smiling"
    with pytest.raises(ValueError, match="runs from"):
        shipped.attribute_offset({"smile": 2.0})
    with pytest.raises(ValueError, match="no attribute slider"):
        shipped.attribute_offset({"age": 1.0})


@pytest.mark.quality
def test_shipped_sliders_turn_their_attribute_on(shipped):
    """Amount 1 reads as the slider's second value on at least 0.9 of random faces (where the face shows it)."""
    wp = shipped.random_codes(32, seed=11)
    for name in ("smile", "glasses", "beard", "eyes", "freckles"):
        read = shipped.classifier.predict(shipped.render(wp + shipped.attribute_offset({name: 1.0})))[0]
        target = ATTRIBUTES[NAMES.index(name)].index({"smile": "smiling", "glasses": "glasses", "beard": "beard",
                                                      "eyes": "closed", "freckles": "freckles"}[name])
        column = read[:, NAMES.index(name)]
        if name == "glasses":  # sunglasses stay sunglasses: the slider adds glasses to a face without any
            column = column[column != 2]
        assert (column == target).float().mean() >= 0.9, (name, column.tolist())


def test_direction_files_are_tensors_and_nothing_else(tmp_path):
    torch.save(torch.randn(1, 16), tmp_path / "smile.pt")
    assert read_direction(tmp_path / "smile.pt").shape == (16,)
    torch.save({"direction": torch.randn(16)}, tmp_path / "dict.pt")
    torch.save(torch.arange(16), tmp_path / "ints.pt")
    (tmp_path / "junk.pt").write_bytes(b"not a checkpoint")
    for name in ("dict.pt", "ints.pt", "junk.pt"):
        with pytest.raises(LoadError) as e:
            read_direction(tmp_path / name)
        assert "\n" not in str(e.value) and name in str(e.value)


def test_the_demo_keeps_the_amounts_under_every_edit(shipped, tmp_path):
    demo = Demo(shipped, tmp_path / "out")
    content = shipped.random_codes(1, seed=3)
    session = EditSession(content.numpy())
    image, session = demo.set_attribute(session, "smile", 1.0, 0.0, 1.0, 0.0)
    offset = shipped.attribute_offset({"smile": 1.0})
    assert np.array_equal(np.asarray(image), np.asarray(to_pil(shipped.render(content + offset))[0]))
    _, _, edited = demo.apply_text(session, "give her glasses", 1.0, 0.0, 0.0, 0)
    assert edited.attributes == {"smile": 1.0}
    # the mix of the shifted codes: the sliders at 0 show the content with its attribute sliders
    assert np.array_equal(np.asarray(demo.rerender(edited, 0.0, 0.0, 0.0)), np.asarray(image))
    store = SessionStore(tmp_path / "sessions")
    store.save("page", edited)
    assert store.load("page").attributes == {"smile": 1.0}
    with pytest.raises(UserError, match="runs from"):
        demo.set_attribute(session, "smile", float("nan"), 0.0, 1.0, 0.0)
    with pytest.raises(UserError, match="no attribute slider"):
        demo.set_attribute(session, "age", 1.0, 0.0, 1.0, 0.0)


def test_direction_files_give_sliders_through_gradio_client(tiny_family, tmp_path):
    from gradio_client import Client, handle_file

    family = tmp_path / "tinyfaces"
    shutil.copytree(tiny_family, family)
    direction = torch.randn(1, 16)
    torch.save(direction, family / "smile.pt")  # e4e's file name
    blocks = start_app(family)
    try:
        client = Client(blocks.local_url, verbose=False)
        client.predict(handle_file(str(REPO_ROOT / "examples" / "synthface_24.png")), 0, False, api_name="/invert")
        plain = np.load(client.predict(0.0, 0.0, 0.0, api_name="/export_codes"))
        image = client.predict("smile", 1.0, 0.0, 1.0, 0.0, api_name="/attribute")
        assert image.endswith(".png")
        moved = np.load(client.predict(0.0, 0.0, 0.0, api_name="/export_codes"))
        expected = np.broadcast_to(FILE_SCALE * direction.numpy(), moved.shape[1:])[None]
        np.testing.assert_allclose(moved - plain, expected, atol=1e-5)
        with pytest.raises(Exception, match="maximum"):  # the page's slider bounds, checked by Gradio
            client.predict("smile", 5.0, 0.0, 1.0, 0.0, api_name="/attribute")
    finally:
        blocks.close()
