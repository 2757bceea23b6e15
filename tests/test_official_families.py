"""The official FFHQ families end to end on random weights in the official formats and containers (full-size
networks, exact compat key names and shapes): loading from the zoo through the weights folder, from a folder of
official files, conversion to safetensors, and every pipeline method."""

import json
import shutil

import numpy as np
import pytest
import torch
from conftest import compat_state_dict
from PIL import Image

from tedigan_demo.cli import main as cli
from tedigan_demo.demo import INVERT_STEPS, REFINE_STEPS
from tedigan_demo.loading import LoadError, family_status
from tedigan_demo.pipeline import TediGANPipeline


def _encoder_state(name: str, seed: int) -> dict:
    """Random encoder weights at a sane scale (He-style fan-in scaling, positive variances): finite codes."""
    sd = compat_state_dict(name, seed)
    return {k: (v.abs() + 0.5 if "running_var" in k else v / v[0].numel() ** 0.5 if v.ndim >= 2 else v)
            for k, v in sd.items()}


@pytest.fixture(scope="module")
def ffhq256_dir(tmp_path_factory, tiny_clip_dir, compat_available):
    """A weights folder as a user would fill it: IDInvert's three files and a (tiny) CLIP."""
    root = tmp_path_factory.mktemp("weights")
    torch.save(compat_state_dict("styleganinv_ffhq256_generator.json", 1), root / "styleganinv_ffhq256_generator.pth")
    torch.save(_encoder_state("styleganinv_ffhq256_encoder.json", 2), root / "styleganinv_ffhq256_encoder.pth")
    torch.save(compat_state_dict("vgg16_perceptual.json", 3), root / "vgg16.pth")
    shutil.copytree(tiny_clip_dir, root / "clip-vit-base-patch32")
    return root


@pytest.fixture(scope="module")
def ffhq256(ffhq256_dir):
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TEDIGAN_WEIGHTS", str(ffhq256_dir))
        assert family_status("ffhq-256") is None
        pipe = TediGANPipeline.from_family("ffhq-256")
    return pipe.with_settings(text_steps=1)


def test_ffhq256_status_names_the_missing_files(tmp_path, monkeypatch):
    monkeypatch.setenv("TEDIGAN_WEIGHTS", str(tmp_path))
    status = family_status("ffhq-256")
    assert "styleganinv_ffhq256_generator.pth" in status and "styleganinv_ffhq256_encoder.pth" in status
    with pytest.raises(LoadError, match="needs styleganinv_ffhq256_generator.pth in .*idinvert_pytorch"):
        TediGANPipeline.from_family("ffhq-256")


def test_ffhq256_every_pipeline_method(ffhq256, ffhq256_dir):
    pipe = ffhq256
    assert (pipe.G.num_layers, pipe.G.resolution, pipe.mapper, pipe.classifier) == (14, 256, None, None)
    assert (pipe.settings.inversion.perceptual, pipe.settings.inversion.encoder) == (5e-5, 2.0)  # the official weights
    gen = pipe.generate("She has blond hair.", n=2, seed=0)
    assert gen.images.shape == (2, 3, 256, 256) and gen.wp.shape == (2, 14, 512)
    assert gen.governed == pipe.groups["fine"]  # hair colour: the fine layers; the others stay random
    torch.testing.assert_close(gen.wp[:, pipe.groups["coarse"]], pipe.random_codes(2, 0)[:, pipe.groups["coarse"]])
    again = pipe.generate("She has blond hair.", n=2, seed=0)
    torch.testing.assert_close(gen.wp, again.wp)

    seen = []
    inv = pipe.invert(gen.images[:1], steps=2, progress=lambda s, t, losses: seen.append((s, set(losses))))
    assert inv.wp.shape == (1, 14, 512) and np.isfinite(inv.psnr)
    assert seen[-1] == (2, {"pixel", "perceptual", "encoder", "total"})

    edit = pipe.edit(inv.wp, "make her smile", {"coarse": 0, "middle": 1, "fine": 0}, steps=1)
    assert edit.image.shape == (1, 3, 256, 256) and set(edit.per_group) == {"coarse", "middle", "fine"}
    untouched = pipe.groups["coarse"] + pipe.groups["fine"]
    torch.testing.assert_close(edit.wp[:, untouched], inv.wp[:, untouched])
    assert not torch.equal(edit.wp[:, pipe.groups["middle"]], inv.wp[:, pipe.groups["middle"]])

    wp, image = pipe.mix(inv.wp, gen.wp[1:], {"fine": 1.0})
    torch.testing.assert_close(wp[:, pipe.groups["fine"]], gen.wp[1:, pipe.groups["fine"]])
    codes, frames = pipe.interpolate("He has a beard.", "She is smiling.", steps=3)
    assert frames.shape == (3, 3, 256, 256)

    d = pipe.describe(gen.images[:1], text="She has blond hair.", num_distractors=5)
    assert d.caption.endswith(".") and set(d.confidence) == set(d.attributes) and 1 <= d.rank <= 6
    with pytest.raises(LoadError, match="no sketch encoder"):
        pipe.from_sketch(np.zeros((64, 64)))


def test_ffhq256_folder_of_official_files_and_conversion(ffhq256, ffhq256_dir, tmp_path, capsys):
    out = tmp_path / "converted"
    assert cli(["convert", str(ffhq256_dir), str(out), "--clip", str(ffhq256_dir / "clip-vit-base-patch32")]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert set(summary["parts"]) == {"generator", "encoder", "perceptual"}
    assert sorted(p.name for p in out.iterdir()) == ["encoder", "family.json", "generator", "perceptual"]
    converted = TediGANPipeline.from_family(out)
    wp = ffhq256.random_codes(1, 5)
    # fp32 conversion: the same networks, the same images
    torch.testing.assert_close(converted.render(wp), ffhq256.render(wp), atol=1e-4, rtol=1e-4)
    x = ffhq256.render(wp)
    with torch.no_grad():
        torch.testing.assert_close(converted.E(x), ffhq256.E(x), atol=1e-3, rtol=1e-3)
        torch.testing.assert_close(converted.perceptual(x), ffhq256.perceptual(x), atol=1e-3, rtol=1e-3)
    direct = TediGANPipeline.from_family(ffhq256_dir)  # the folder of official files itself
    torch.testing.assert_close(direct.render(wp), ffhq256.render(wp))
    assert cli(["convert", str(tmp_path / "nothing"), str(tmp_path / "o")]) == 2
    assert "no official files" in capsys.readouterr().err


@pytest.mark.slow
def test_ffhq1024_with_psp_encoders_from_sketch_label_and_invert(tmp_path, tiny_clip_dir, standins):
    # a folder of the official files, as a user fills it: links to the run's full-size stand-ins
    for name in ("stylegan2-ffhq-config-f.pt", "psp_ffhq_encode.pt", "psp_celebs_sketch_to_face.pt",
                 "psp_celebs_seg_to_face.pt"):
        (tmp_path / name).symlink_to(standins.path(name))
    (tmp_path / "family.json").write_text(json.dumps({"guidance": "clip", "clip": str(tiny_clip_dir)}))
    pipe = TediGANPipeline.from_family(tmp_path)
    assert pipe.G.num_layers == 18 and pipe.perceptual is None
    assert pipe.sketch_encoder.config.input_kind == "sketch" and pipe.label_encoder.config.input_nc == 19
    sketch = np.full((300, 300), 255, np.uint8)
    sketch[100:200, 140:160] = 0
    out = pipe.from_sketch(sketch, n=2, seed=1)
    structure = pipe.groups["coarse"] + pipe.groups["middle"]
    assert out.images.shape == (2, 3, 1024, 1024)
    torch.testing.assert_close(out.wp[0, structure], out.wp[1, structure])  # one structure, two appearances
    assert not torch.equal(out.wp[0, pipe.groups["fine"]], out.wp[1, pipe.groups["fine"]])
    label = np.zeros((64, 64), np.int64)
    label[16:48, 16:48] = 1  # skin
    label[24:28, 20:28] = 3  # eyes, on both sides: CelebAMask-HQ's l_eye / r_eye
    label[24:28, 36:44] = 3
    lab = pipe.from_label(label, n=1, seed=0)
    assert lab.wp.shape == (1, 18, 512) and torch.isfinite(lab.images).all()
    inv = pipe.invert(out.images[:1], steps=1)
    assert inv.wp.shape == (1, 18, 512)
    # the text side at 1024: CLIP-guided codes (one step each), redescription, mixing
    pipe = pipe.with_settings(text_steps=1)
    gen = pipe.generate("She has blond hair.", n=1, seed=0)
    assert gen.images.shape == (1, 3, 1024, 1024) and gen.governed == pipe.groups["fine"]
    edit = pipe.edit(inv.wp, "make her smile", {"coarse": 0, "middle": 1, "fine": 0}, steps=1, per_group=False)
    torch.testing.assert_close(edit.wp[:, pipe.groups["fine"]], inv.wp[:, pipe.groups["fine"]])
    wp, _ = pipe.mix(inv.wp, gen.wp, {"coarse": 1.0})
    torch.testing.assert_close(wp[:, pipe.groups["coarse"]], gen.wp[:, pipe.groups["coarse"]])
    codes, frames = pipe.interpolate("He has a beard.", "She is smiling.", steps=2)
    assert frames.shape == (2, 3, 1024, 1024)
    d = pipe.describe(gen.images, text="She has blond hair.", num_distractors=3)
    assert d.caption.endswith(".") and 1 <= d.rank <= 4


def test_app_offers_a_family_whose_weights_are_present(ffhq256_dir, tiny_family, monkeypatch):
    import gradio as gr

    import app
    from tedigan_demo.registry import FamilyRegistry
    from webapp import words
    from webapp.handlers import OUTPUTS, Server

    monkeypatch.setenv("TEDIGAN_WEIGHTS", str(ffhq256_dir))
    families = FamilyRegistry.start(OUTPUTS, family=str(tiny_family))
    h = Server(families)
    app.create_app(server=h)  # the page builds over them; its handlers serve these families
    assert [name for _, name in families.choices()] == [str(tiny_family), "synthfaces64", "ffhq-256", "ffhq-1024"]
    assert families.states["ffhq-256"].state == "here"  # its files are in the weights folder
    # ffhq-1024's files are neither here nor reachable (no network in the tests): unavailable, and why
    assert families.states["ffhq-1024"].state == "unavailable" and "Hub" in families.states["ffhq-1024"].detail
    assert "ffhq-1024 (unavailable)" in [label for label, _ in families.choices()]
    assert "on this machine" in words.about_markdown(families)
    *labels, session, picker, scope, refine, panel, inversion = h.switch_family("ffhq-256")
    assert session is None and all("label" in u for u in labels) and picker["value"] == "ffhq-256"
    # no fs3 for this family: edits keep TediGAN's refinement and the global-direction panel is hidden
    assert refine["value"] == REFINE_STEPS and panel["visible"] is False and inversion["value"] == INVERT_STEPS
    assert scope == ""  # a real-face family: no warning that photos become cartoons
    assert "knows only its own cartoon faces" in words.scope_note(families, str(tiny_family))
    # its Edit examples are photos, and the box takes their first text in place of a cartoon example's
    text, cartoons, photos, _ = h.edit_defaults("ffhq-256", words.EDIT_EXAMPLES[True][0][1])
    assert text["value"] == words.EDIT_EXAMPLES[False][0][1] and photos["visible"] and not cartoons["visible"]
    assert h.groups_note("give her blond hair", "ffhq-256") == (
        "The fine group carries the hair color; the coarse and middle sliders mix the text's code into their layers "
        "too, which changes more than that.")
    families.demos["ffhq-256"].pipe = families.demos["ffhq-256"].pipe.with_settings(text_steps=1)
    gallery = h.text_to_image("She has blond hair.", 1, 0, 0.8, "ffhq-256")
    assert len(gallery) == 1 and Image.open(gallery[0][0]).size == (256, 256)
    assert "fits this face better than" in gallery[0][1]
    with pytest.raises(gr.Error, match="not available here"):
        h.text_to_image("She has blond hair.", 1, 0, 0.8, "ffhq-1024")
