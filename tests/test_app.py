"""The app: its task functions on a tiny family, its handlers and words, and every api_name through gradio_client
against the server."""

import os
import threading
import time
from pathlib import Path

import numpy as np
import pytest
import torch
from conftest import app_server, lying_npy, start_app
from PIL import Image

from tedigan_demo.demo import MAX_STRENGTH, Demo, UserError
from tedigan_demo.loading import REPO_ROOT
from tedigan_demo.serving import prune_folder, publish_png
from tedigan_demo.sessions import EditSession
from webapp.inputs import editor_image
from webapp.words import EDIT_EXAMPLES, match_words, not_understood_note, strip_captions


@pytest.fixture(scope="module")
def demo(tiny_family):
    return Demo.load(str(tiny_family), device="cpu")


def test_text_to_image_with_redescriptions(demo):
    images, descriptions = demo.text_to_image("She has long red hair and is smiling.", n=3, seed=2)
    assert len(images) == 3 and images[0].size == (256, 256)
    assert all(d.num_candidates == 50 and 1 <= d.rank <= 50 for d in descriptions)
    captions = [match_words(d) for d in descriptions]  # what the page shows under each sample
    assert all("fits this face better than" in c and "rank" in c for c in captions)
    again, _ = demo.text_to_image("She has long red hair and is smiling.", n=3, seed=2)
    assert np.array_equal(np.asarray(images[1]), np.asarray(again[1]))


def test_edit_flow_sliders_and_codes(demo, tmp_path):
    aligned, recon, psnr, session, photo = demo.invert(str(REPO_ROOT / "examples" / "synthface_24.png"), steps=3)
    assert photo is None  # a face of the domain: inverted, not read as a photo
    assert isinstance(session, EditSession) and session.content.shape == (1, 10, 16)
    edited, strip, session = demo.apply_text(session, "give her glasses", 1.0, 0.0, 0.0)
    assert [label for _, label in strip_captions(strip)] == ["coarse only", "middle only", "fine only"]
    a = np.asarray(demo.rerender(session, 1.0, 0.0, 0.0))
    b = np.asarray(demo.rerender(session, 0.0, 1.0, 1.0))
    assert np.array_equal(a, np.asarray(edited)) and not np.array_equal(a, b)
    # above 1 a slider exaggerates: the style's offset from the content, twice over in that group
    wp, _ = demo.pipe.mix(torch.zeros(1, 10, 16), torch.ones(1, 10, 16), {"coarse": MAX_STRENGTH})
    assert wp[0, :, 0].tolist() == [2.0] * 3 + [0.0] * 7  # coarse: entries 0-2 of the 64 px generator
    assert not np.array_equal(np.asarray(demo.rerender(session, MAX_STRENGTH, 0.0, 0.0)), a)
    with pytest.raises(UserError, match="runs from 0 to 2"):
        demo.rerender(session, 2.5, 0.0, 0.0)
    with pytest.raises(UserError, match="runs from 0 to 2"):
        demo.apply_text(session, "give her glasses", float("nan"), 0.0, 0.0)
    path = demo.export_codes(session, 0.5, 0.5, 0.5)
    image, restored = demo.import_codes(path)
    assert restored.content.shape == (1, 10, 16)
    np.save(tmp_path / "wrong.npy", np.zeros((3, 7)))
    with pytest.raises(UserError, match="shape"):
        demo.import_codes(str(tmp_path / "wrong.npy"))
    (tmp_path / "junk.npy").write_bytes(b"junk")
    with pytest.raises(UserError, match="not a .npy"):
        demo.import_codes(str(tmp_path / "junk.npy"))


def test_the_sliders_follow_the_groups_that_carry_what_the_description_names(demo):
    # the tiny family has no measurement: the domain's intended groups (smile: middle, hair colour: fine)
    assert demo.suggested_strengths("make her smile") == {"coarse": 0.0, "middle": 1.0, "fine": 0.0}
    assert demo.suggested_strengths("a smiling face with blond hair") == {"coarse": 0.0, "middle": 1.0, "fine": 1.0}
    assert demo.suggested_strengths("give him glasses") == {"coarse": 1.0, "middle": 0.0, "fine": 0.0}
    for text in ("", "   ", "hello there", None):  # nothing the family knows: the user's sliders stay
        assert demo.suggested_strengths(text) is None


@pytest.mark.parametrize("bad, message", [
    (None, "upload a photo"),
    ("broken", "cannot read the image"),
    ("cat", "no face found"),
    ("huge", "megapixels"),
])
def test_bad_photos_get_clear_messages(demo, tmp_path, bad, message):
    from skimage import data

    if bad == "broken":
        (tmp_path / "b.jpg").write_bytes(b"\xff\xd8\xff garbage")
        bad = str(tmp_path / "b.jpg")
    elif bad == "cat":
        bad = Image.fromarray(data.chelsea())
    elif bad == "huge":
        Image.new("L", (9000, 9000)).save(tmp_path / "huge.png")
        bad = str(tmp_path / "huge.png")
    with pytest.raises(UserError, match=message):
        demo.invert(bad, steps=1)


@pytest.mark.parametrize("text", ["", "   ", "a" * 2000])
def test_bad_texts(demo, text):
    with pytest.raises(UserError, match="description"):
        demo.text_to_image(text)
    with pytest.raises(UserError, match="description|invert"):
        demo.apply_text(None, text, 1, 1, 1)


def test_odd_script_text_is_fine(demo):
    images, _ = demo.text_to_image("彼女は笑っている 🙂 — Она улыбается", n=1)
    assert len(images) == 1
    # ... and the page says that the family understood none of it
    note = not_understood_note(demo.not_understood("彼女は笑っている 🙂"))
    assert note.startswith("not understood:") and "っている" in note  # quotes the words it could not place
    assert demo.not_understood("She has red hair.") is None


@pytest.mark.parametrize("call, message", [
    (lambda d: d.text_to_image("She is smiling.", 1, 2**70), "the seed is 1180591620717411303424; use a whole number"),
    (lambda d: d.text_to_image("She is smiling.", 1, float("nan")), "the seed is nan"),
    (lambda d: d.text_to_image("She is smiling.", 1, -3), "the seed is -3"),
    (lambda d: d.text_to_image("She is smiling.", 1, 2.5), "the seed is 2.5"),
    (lambda d: d.text_to_image("She is smiling.", 1, 0, float("nan")), "truncation is nan; it runs from 0 to 1"),
    (lambda d: d.text_to_image("She is smiling.", float("inf")), "number of samples is inf; it runs from 1 to 8"),
    (lambda d: d.text_to_image("She is smiling.", "many"), "number of samples must be a number, not 'many'"),
    (lambda d: d.invert(str(REPO_ROOT / "examples" / "synthface_24.png"), float("nan")), "optimisation steps is nan"),
    (lambda d: d.interpolate("He has a beard.", "She is smiling.", 8, float("inf")), "the seed is inf"),
    (lambda d: d.style_mix(None, "red hair", 0, 0, 1), "the seed is None"),
    (lambda d: d.style_mix(1, "red hair", 0, float("nan"), 1), "the middle strength is nan"),
])
def test_bad_numbers_get_clear_words(demo, call, message):
    with pytest.raises(UserError) as err:
        call(demo)
    assert message in str(err.value) and len(str(err.value).splitlines()) == 1


def test_files_renamed_npy_get_clear_words(demo, tmp_path):
    (tmp_path / "photo.npy").write_bytes((REPO_ROOT / "examples" / "synthface_24.png").read_bytes())
    with pytest.raises(UserError, match="is a PNG image, not a .npy array"):
        demo.import_codes(str(tmp_path / "photo.npy"))


def test_codes_whose_header_promises_too_much_get_one_line(demo, tmp_path):
    (tmp_path / "codes.npy").write_bytes(lying_npy((10**8, 10, 16)))
    with pytest.raises(UserError, match=r"codes.npy is a damaged or truncated .npy file: its header promises "
                                        r"100000000 x 10 x 16 float32 values \(59.6 GiB\) but the file holds 1,024 "
                                        r"bytes"):
        demo.import_codes(str(tmp_path / "codes.npy"))


def test_sketch_and_label_tabs(demo):
    sketch = Image.open(REPO_ROOT / "examples" / "sketch_24.png")
    assert len(demo.from_sketch(sketch, "", 2, 0)) == 2
    assert len(demo.from_label(Image.open(REPO_ROOT / "examples" / "label_58.png"), "red hair", 3, 1)) == 3
    with pytest.raises(UserError, match="blank"):
        demo.from_sketch(Image.new("RGBA", (256, 256)), "", 1, 0)
    with pytest.raises(UserError, match="draw or upload"):
        demo.from_label(None, "", 1, 0)
    with pytest.raises(UserError, match="all background"):
        demo.from_label(Image.new("RGB", (64, 64)), "", 1, 0)


def test_the_editors_value_is_what_is_painted_or_else_what_was_uploaded():
    """A Sketchpad / ImageEditor value as one image: the composite where strokes were painted, the upload as it is
    (a class-index label keeps its one channel) where none were, nothing where there is neither."""
    upload, stroke, blank = Image.new("L", (8, 8), 3), Image.new("RGBA", (8, 8)), Image.new("RGBA", (8, 8))
    stroke.putpixel((2, 2), (0, 0, 0, 255))
    composite = Image.new("RGB", (8, 8))
    assert editor_image({"background": upload, "layers": [blank], "composite": composite}) is upload
    assert editor_image({"background": upload, "layers": [blank, stroke], "composite": composite}) is composite
    assert editor_image({"background": None, "layers": [], "composite": composite}) is composite
    assert editor_image({"background": None, "layers": [], "composite": None}) is None
    assert editor_image(upload) is upload and editor_image(None) is None


def test_interpolate_and_style_mix(demo):
    frames, gif = demo.interpolate("He has a beard.", "She has blond hair.", steps=4)
    assert len(frames) == 4 and Image.open(gif).n_frames >= 4
    content, mixed = demo.style_mix(1, "She has red hair.", 0, 0, 1)
    assert content.size == mixed.size


def test_every_api_name_through_gradio_client(tiny_family, monkeypatch):
    from gradio_client import Client, handle_file

    blocks = start_app(tiny_family)
    try:
        client = Client(blocks.local_url, verbose=False)
        names = set(client.view_api(print_info=False, return_format="dict")["named_endpoints"])
        assert {"/text_to_image", "/invert", "/edit", "/rerender", "/export_codes", "/import_codes",
                "/interpolate", "/style_mix", "/random_seed", "/from_sketch", "/from_label"} <= names
        gallery = client.predict("She is smiling.", 2, 1, 0.8, api_name="/text_to_image")
        assert len(gallery) == 2 and "fits this face better than" in gallery[0]["caption"]
        aligned, recon, fidelity = client.predict(handle_file(str(REPO_ROOT / "examples" / "synthface_24.png")),
                                                     3, False, api_name="/invert")
        assert "PSNR" in fidelity
        edited, strip = client.predict("make her smile", 0.0, 1.0, 0.0, 0, api_name="/edit")
        assert len(strip) == 3 and Path(edited).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        again = client.predict(0.0, 1.0, 0.0, api_name="/rerender")
        assert again is not None
        codes = client.predict(0.0, 1.0, 0.0, api_name="/export_codes")
        assert codes.endswith(".npy")
        client.predict(handle_file(codes), api_name="/import_codes")
        strip, gif = client.predict("He has a beard.", "She is smiling.", 3, 0, api_name="/interpolate")
        assert len(strip) == 3
        client.predict(2, "She has red hair.", 0, 0, 1, api_name="/style_mix")
        sketch = {"background": handle_file(str(REPO_ROOT / "examples" / "sketch_24.png")), "layers": [],
                  "composite": handle_file(str(REPO_ROOT / "examples" / "sketch_24.png"))}
        assert len(client.predict(sketch, "", 2, 0, api_name="/from_sketch")) == 2
        label = {"background": handle_file(str(REPO_ROOT / "examples" / "label_24.png")), "layers": [],
                 "composite": handle_file(str(REPO_ROOT / "examples" / "label_24.png"))}
        assert len(client.predict(label, "blond hair", 2, 0, api_name="/from_label")) == 2
        assert isinstance(client.predict(api_name="/random_seed"), (int, float))
        with pytest.raises(Exception, match="description is empty"):
            client.predict("   ", 2, 1, 0.8, api_name="/text_to_image")
        # the label map's button before anything is drawn or loaded: the handler's words, as the page sends it
        with pytest.raises(Exception, match="draw or upload an input first"):
            client.predict({"background": None, "layers": [], "composite": None}, "", 2, 0, api_name="/from_label")
        # the server carries on after a user error
        assert len(client.predict("He has a beard.", 1, 0, 0.8, api_name="/text_to_image")) == 1
        # the photo also comes from a webcam; the edit has a before / after slider
        props = {c.get("props", {}).get("elem_id"): c for c in blocks.config["components"]}
        assert props["edit-input"]["props"]["sources"] == ["upload", "webcam", "clipboard"]
        assert props["edit-compare"]["type"] == "imageslider"
    finally:
        blocks.close()


def test_published_results_are_shared_and_never_rewritten(tmp_path):
    """Two users with the same result get one file; publishing it again must not touch the bytes someone may be
    downloading (an in-place rewrite cut concurrent downloads short), and a new file appears whole."""
    img = Image.fromarray(np.random.default_rng(0).integers(0, 255, (64, 64, 3), dtype=np.uint8))
    first = publish_png(img, tmp_path)
    png = Path(first).read_bytes()
    Path(first).write_bytes(b"being downloaded")  # a marker: publishing the same image again must not write here
    paths = []
    threads = [threading.Thread(target=lambda: paths.append(publish_png(img, tmp_path))) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert set(paths) == {first} and Path(first).read_bytes() == b"being downloaded"
    Path(first).write_bytes(png)
    assert Image.open(first).format == "PNG" and np.array_equal(np.asarray(Image.open(first)), np.asarray(img))
    other = publish_png(img.rotate(90), tmp_path)
    assert other != first and not list(tmp_path.rglob("*.part"))
    old = time.time() - 7200
    os.utime(first, (old, old))
    assert prune_folder(tmp_path, 3600) == 1
    assert not Path(first).exists() and not Path(first).parent.exists() and Path(other).exists()


@pytest.fixture
def handlers(tiny_family):
    """The app's handlers: a ``webapp.Server`` over the tiny family (no page built, no server started)."""
    return app_server(tiny_family)


def test_every_button_says_what_is_missing_and_never_a_bare_error(handlers, monkeypatch):
    """Each button's handler, pressed before its input is there, raises ``gr.Error`` with the server's words (the
    page shows a bare "Error" for any other exception); an unexpected failure comes as one line too."""
    import gradio as gr

    h = handlers
    empty_editor = {"background": None, "layers": [], "composite": None}
    for press, words in [
        (lambda: h.from_label(empty_editor, "", 2, 0), "draw or upload an input first"),
        (lambda: h.from_label(None, "", 2, 0), "draw or upload an input first"),
        (lambda: h.from_sketch(empty_editor, "", 2, 0), "draw or upload an input first"),
        (lambda: h.invert(None, 0, False), "upload a photo"),
        (lambda: h.apply_text(None, "make her smile", 0, 1, 0, 0), "invert a photo or load saved codes first"),
        (lambda: h.apply_direction(None, "smile", "face", 4, 0.12, 0, 1, 0), "invert a photo"),
        (lambda: h.rerender(None, 0, 1, 0), "invert a photo"),
        (lambda: h.set_attribute(None, "smile", 1, 0, 1, 0), "invert a photo"),
        (lambda: h.export_codes(None, 0, 1, 0), "invert a photo"),
        (lambda: h.import_codes(None), "choose a .npy file"),
        (lambda: h.text_to_image(" ", 2, 0, 0.8), "description is empty"),
        (lambda: h.interpolate("", "x", 8, 0), "description is empty"),
        (lambda: h.style_mix(3, "", 0, 0, 1), "description is empty"),
        (lambda: h.switch_family("no-such-family"), "unknown model family"),
    ]:
        with pytest.raises(gr.Error, match=words):
            press()
    monkeypatch.setattr(Demo, "from_label", lambda *a, **k: 1 / 0)
    with pytest.raises(gr.Error, match=r"the server failed at this step \(ZeroDivisionError: division by zero\)"):
        h.from_label(None, "", 2, 0)


def test_edit_examples_belong_to_the_loaded_family(handlers):
    """Cartoon examples on the procedural family, photos on a real-face one; a family switch shows its domain's
    and puts its first text in the box unless the user wrote their own."""
    from webapp.words import edit_examples

    for synthetic, prefix in ((True, "synthface_"), (False, "astronaut")):
        rows = edit_examples(synthetic)
        assert rows and all(Path(path).name.startswith(prefix) and Path(path).exists() and text
                            for path, text in rows)
    family = str(handlers.families.default)
    assert handlers.families.demo_for(family).pipe.synthetic_domain
    photo_text = EDIT_EXAMPLES[False][0][1]
    text, cartoons, photos, note = handlers.edit_defaults(family, photo_text)
    assert text["value"] == EDIT_EXAMPLES[True][0][1] and cartoons["visible"] and not photos["visible"]
    assert note == ""
    assert "value" not in handlers.edit_defaults(family, "give him a beard")[0]  # the user's own text stays


def test_before_after_pairs_the_reconstruction_with_the_edit(handlers):
    before, after = handlers.before_after(Image.new("RGB", (256, 256), "red"), Image.new("RGB", (1024, 1024)))
    assert Image.open(before).size == Image.open(after).size == (1024, 1024)
    assert handlers.before_after(None, Image.new("RGB", (8, 8))) is None


def test_the_group_note_says_which_sliders_carry_the_edit(handlers):
    family = str(handlers.families.default)
    note = handlers.groups_note("make him smile", family)
    # the tiny family's mapper offsets every layer: the other sliders are said to add the text's code there
    assert note.startswith("The middle group carries the smile; the coarse and fine sliders mix the text's code")
    assert handlers.groups_note("give him glasses and a smile", family) == (
        "The coarse group carries the glasses; the middle group carries the smile; the fine slider mixes the text's "
        "code into its layers too, which changes more than that.")
    assert "names nothing" in handlers.groups_note("hello there", family)


@pytest.fixture(scope="module")
def shipped():
    """The app's ``Demo`` on the shipped family, as ``python app.py`` loads it offline."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HF_HUB_OFFLINE", "1")
        return Demo.load("synthfaces64", device="cpu")


def _edit_example(shipped, photo: str, text: str):
    """An Edit example run with the app's defaults: ``(photo path, reconstruction, edited, session, strengths)``."""
    from tedigan_demo.pipeline import GROUP_NAMES

    path = str(REPO_ROOT / "examples" / photo)
    _, recon, _, session, _ = shipped.invert(path, shipped.default_inversion_steps(), False)
    strengths = shipped.suggested_strengths(text)
    edited, _, session = shipped.apply_text(session, text, *(strengths[g] for g in GROUP_NAMES),
                                            shipped.default_refine_steps())
    return path, recon, edited, session, strengths


@pytest.mark.quality
@pytest.mark.parametrize("photo, text", EDIT_EXAMPLES[True])
def test_each_edit_example_shows_what_its_text_asks_for(shipped, photo, text):
    """The first edit of every cartoon example changes something: the classifier reads the value its text asks for
    in the edited face, and neither in the example nor in its reconstruction; the sliders of the groups that carry
    none of it barely move the edit (the group note says so)."""
    named = shipped.pipe.vocab.parse(text)
    assert named, text
    path, recon, edited, session, strengths = _edit_example(shipped, photo, text)
    for image, asked in ((path, False), (recon, False), (edited, True)):
        read = shipped.pipe.describe(image).attributes
        assert all((read[a] == v) == asked for a, v in named.items()), (photo, text, asked, read)
    assert shipped.edits_stay_in_their_groups()
    for group in (g for g, v in strengths.items() if v == 0):
        moved = shipped.rerender(session, **{**strengths, group: MAX_STRENGTH})
        change = np.abs(np.asarray(moved, dtype=float) - np.asarray(edited, dtype=float)).mean()
        assert change < 1.5, (photo, group, change)  # grey levels of 255; measured at most 0.6


@pytest.mark.quality
def test_a_photo_of_a_person_is_said_to_have_become_your_cartoon(shipped):
    from webapp.words import fidelity_note

    photo = str(REPO_ROOT / "examples" / "astronaut.jpg")
    aligned, recon, psnr, session, caption = shipped.invert(photo, shipped.default_inversion_steps(), False)
    note = fidelity_note(psnr, caption, shipped.pipe.name)
    assert note.startswith("Your photo as a synthfaces64 face: ") and "smiling" in note, note
    assert recon.size[0] == recon.size[1] and session.content.shape[1:] == (shipped.pipe.G.num_layers,
                                                                             shipped.pipe.G.w_dim)
    from tedigan_demo.pipeline import GROUP_NAMES

    strengths = shipped.suggested_strengths("give her red hair")
    edited, _, _ = shipped.apply_text(session, "give her red hair", *(strengths[g] for g in GROUP_NAMES),
                                      shipped.default_refine_steps())
    assert shipped.pipe.describe(edited).attributes["hair_color"] == "red"  # edited like any other face
    assert fidelity_note(30.0) == "Reconstruction PSNR 30.00 dB after optimisation"
