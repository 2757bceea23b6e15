"""Global-direction edits in a family (pipeline.directions, TediGANPipeline.direction_edit, the demo's session): a
tiny CLIP family with a random fs3 of its generator's shape, loaded from a folder like the official files."""

import json

import numpy as np
import pytest
import torch
from conftest import randomize

from tedigan_demo.demo import Demo, EditSession, UserError, to_pil
from tedigan_demo.loading import FamilyParts, LoadError
from tedigan_demo.loading.styleclip import read_fs3
from tedigan_demo.method.global_directions import apply_boundary, channel_boundary, style_statistics, text_direction
from tedigan_demo.models.encoders import EncoderConfig, WPlusEncoder
from tedigan_demo.models.stylegan2 import Generator, StyleGAN2Config
from tedigan_demo.pipeline import TediGANPipeline
from tedigan_demo.sessions import SessionStore


def _conv_channels(G) -> int:
    return sum(layer.in_ch for layer, rgb in zip(G.style_layers(), G.is_rgb_style()) if not rgb)


@pytest.fixture(scope="module")
def clip_family(tmp_path_factory, tiny_clip_dir):
    """A folder: generator and encoder in the project's format, StyleCLIP's fs3.npy, CLIP guidance."""
    root = tmp_path_factory.mktemp("dirfam") / "dirfaces"
    torch.manual_seed(0)
    G = randomize(Generator(StyleGAN2Config(resolution=32, w_dim=16, n_mlp=2, channel_base=256, channel_max=16)), 1)
    G.save_pretrained(root / "generator", dtype=torch.float32)
    WPlusEncoder(EncoderConfig(resolution=32, num_layers=G.num_layers, w_dim=16, widths=[8, 8, 8])).save_pretrained(
        root / "encoder", dtype=torch.float32)
    fs3 = np.random.RandomState(0).randn(_conv_channels(G), 16).astype(np.float32) * 0.05
    np.save(root / "fs3.npy", fs3)
    (root / "family.json").write_text(json.dumps({"guidance": "clip", "clip": str(tiny_clip_dir),
                                                  "pipeline": {"style_samples": 3000}}))
    return root


@pytest.fixture(scope="module")
def pipe(clip_family, tmp_path_factory):
    import os

    os.environ["TEDIGAN_CACHE"] = str(tmp_path_factory.mktemp("stats"))
    return TediGANPipeline.from_family(clip_family)


def _content(pipe, seed=0):
    return pipe.random_codes(1, seed)


def test_the_family_has_global_directions_and_an_edit_is_the_formula(pipe, clip_family):
    assert pipe.directions is not None and pipe.directions_problem is None
    content = _content(pipe)
    out = pipe.direction_edit(content, "a smiling face", {"coarse": 1, "middle": 1, "fine": 0}, alpha=3.0, beta=0.05)
    # the same edit, written from the method's functions and the family's own fs3
    G = pipe.G
    stats = style_statistics(G, 3000)
    dt = text_direction(pipe.guidance.embed_text, "face", "a smiling face")
    b = channel_boundary(torch.from_numpy(np.load(clip_family / "fs3.npy")), dt, 0.05, stats.std, G.is_rgb_style())
    group_of = {i: g for g, idx in G.layer_groups.items() for i in idx}
    k = [1.0 if group_of[i] in ("coarse", "middle") else 0.0 for i in G.style_wp_indices()]
    with torch.no_grad():
        expected = G.synthesize_styles(apply_boundary(G.styles(content), b, 3.0, k))
    torch.testing.assert_close(out.image, expected, atol=1e-4, rtol=1e-4)
    assert out.direction == {"neutral": "face", "target": "a smiling face", "alpha": 3.0, "beta": 0.05,
                             "channels": b.channels}
    assert set(out.per_group) == {"coarse", "middle", "fine"} and out.style is None
    assert not torch.equal(out.image, pipe.render(content))
    # every slider at 0 gives the face back exactly; a re-render at the same strengths is the same image
    still = pipe.direction_render(content, out.direction, {"coarse": 0, "middle": 0, "fine": 0})
    assert torch.equal(still, pipe.render(content))
    again = pipe.direction_render(content, out.direction, {"coarse": 1, "middle": 1, "fine": 0})
    assert torch.equal(again, out.image)


def test_statistics_are_computed_once_and_kept_on_disk(pipe):
    stats = pipe.directions.statistics()
    path = pipe.directions._cache_file()
    assert path.exists()
    other = TediGANPipeline(FamilyParts("custom", pipe.G, pipe.E, pipe.guidance, style_directions=pipe.directions.fs3),
                            pipe.settings)
    reread = other.directions.statistics()
    for a, b in zip(stats.std, reread.std):
        assert torch.equal(a, b)


def test_an_fs3_that_does_not_fit_turns_directions_off_with_one_line(pipe):
    parts = FamilyParts("custom", pipe.G, pipe.E, pipe.guidance, style_directions=torch.zeros(6048, 512))
    other = TediGANPipeline(parts, pipe.settings)
    assert other.directions is None and "fs3 has shape [6048, 512]" in other.directions_problem
    with pytest.raises(LoadError, match="no global directions: fs3 has shape"):
        other.direction_edit(_content(pipe), "a smiling face")


def test_fs3_files_are_read_without_pickle(tmp_path):
    np.save(tmp_path / "objects.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(LoadError, match="holds Python objects, not numbers; it is refused unread"):
        read_fs3(tmp_path / "objects.npy")
    np.save(tmp_path / "ints.npy", np.zeros((4, 3), dtype=np.int64))
    with pytest.raises(LoadError, match="holds a int64 array"):
        read_fs3(tmp_path / "ints.npy")
    (tmp_path / "junk.npy").write_bytes(b"not numpy")
    with pytest.raises(LoadError, match="not a numpy array file"):
        read_fs3(tmp_path / "junk.npy")


def test_the_demo_edits_instantly_and_the_session_survives_a_restart(pipe, tmp_path):
    demo = Demo(pipe, tmp_path / "out")
    assert demo.default_refine_steps() == 0 and demo.default_inversion_steps() == 0  # a CPU, and directions
    session = EditSession(_content(pipe).numpy().astype(np.float32))
    image, strip, session = demo.apply_text(session, "a smiling face", 1.0, 1.0, 1.0, 0)
    assert session.direction["target"] == "a smiling face" and session.style is None and len(strip) == 3
    moved = demo.rerender(session, 0.0, 0.0, 0.0)
    assert np.array_equal(np.asarray(moved), np.asarray(to_pil(pipe.render(torch.from_numpy(session.content)))[0]))
    store = SessionStore(tmp_path / "sessions")
    store.save("page", session)
    back = store.load("page")
    assert back.direction == session.direction
    assert np.array_equal(np.asarray(demo.rerender(back, 1.0, 1.0, 1.0)), np.asarray(image))
    out = demo.apply_direction(session, "a face with glasses", "face", 5.0, 0.05, 1.0, 0.0, 0.0)
    assert out[2].direction["target"] == "a face with glasses" and out[2].direction["channels"] >= 0
    with pytest.raises(UserError, match="strength"):
        demo.apply_direction(session, "a face with glasses", "face", float("nan"), 0.05, 1.0, 0.0, 0.0)
    # refinement steps above 0 keep TediGAN's optimisation
    _, _, refined = demo.apply_text(session, "a smiling face", 1.0, 1.0, 1.0, 1)
    assert refined.direction is None and refined.style is not None


def test_text_to_image_on_a_cpu_ranks_random_codes_by_clip_at_the_preview_size(pipe, clip_family, monkeypatch):
    p = pipe.with_settings(generate_steps=0, candidates=4, guided_resolution=16)
    monkeypatch.setattr(p.text_codes, "refine", lambda *a, **k: pytest.fail("CLIP-ranked sampling optimised"))
    out = p.generate("a smiling face", n=2, seed=0)
    assert out.images.shape == (2, 3, 32, 32)
    # the kept codes: the 2 of 8 random candidates that CLIP ranks highest in their 16 px preview, best first
    base = p.random_codes(8, 0)
    with torch.no_grad():
        sims = p.guidance.similarity(p.G.synthesize(base, "const", resolution=16),
                                     p.guidance.embed_text(["a smiling face"]))[:, 0]
    torch.testing.assert_close(out.wp, base[sims.argsort(descending=True)[:2]])
    torch.testing.assert_close(out.images, p.render(out.wp))
    # the demo's defaults on a CPU: that sampling, 8 candidates per sample
    demo = Demo.load(str(clip_family), device="cpu")
    assert (demo.pipe.settings.generate_steps, demo.pipe.settings.candidates) == (0, 8)


def test_an_inversion_can_show_its_reconstruction_small(pipe):
    target = pipe.render(_content(pipe, 1))
    full = pipe.invert(target, steps=0, align=False)
    small = pipe.invert(target, steps=0, align=False, preview=16)
    torch.testing.assert_close(small.wp, full.wp)
    assert small.image.shape[-1] == small.target.shape[-1] == 16 and full.image.shape[-1] == 32
    torch.testing.assert_close(small.image, pipe.G.synthesize(full.wp, "const", resolution=16))


def test_changed_settings_leave_the_original_pipelines_directions_alone(pipe):
    samples = pipe.directions.samples
    other = pipe.with_settings(style_samples=samples + 1)
    assert pipe.directions.samples == samples and other.directions.samples == samples + 1
    assert other.directions.fs3 is pipe.directions.fs3 and other.directions.G is pipe.G  # nothing loaded again
    assert other.directions._cache_file() != pipe.directions._cache_file()
    assert pipe.with_settings(candidates=2).directions is pipe.directions  # the same count: the same object
