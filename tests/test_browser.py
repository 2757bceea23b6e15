"""A real browser on the real app (the shipped family): Playwright driving Debian's Chromium (``.ci/run`` installs
it). Opens the page, generates from text, inverts and edits a photo, moves a slider and checks that the edited
image changes, runs the sketch and interpolation tabs, and saves a screenshot of each tab
(``$TEDIGAN_SCREENSHOTS``, default a temporary folder; ``docs/screenshots`` holds the committed ones)."""

import base64
import hashlib
import os
import shutil
import tempfile
from pathlib import Path

import pytest
from conftest import start_app

from tedigan_demo.loading import REPO_ROOT

CHROMIUM = os.environ.get("CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")
TIMEOUT_MS = 120_000

pytestmark = [pytest.mark.browser, pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                                      reason="Chromium is not installed (.ci/run installs it)")]


@pytest.fixture(scope="module")
def app_url():
    blocks = start_app("synthfaces64")  # the shipped family, as `python app.py` offers it offline
    yield blocks.local_url
    blocks.close()


@pytest.fixture(scope="module", params=[1400, 400], ids=["wide", "phone"])
def page(app_url, request):
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                     args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
        page = browser.new_page(viewport={"width": request.param, "height": 1000})
        page.set_default_timeout(TIMEOUT_MS)
        page.goto(app_url)
        page.get_by_text("TediGAN Demo").first.wait_for()
        yield page
        browser.close()


def _shots() -> Path:
    folder = Path(os.environ.get("TEDIGAN_SCREENSHOTS") or Path(tempfile.gettempdir()) / "tedigan-screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _image_bytes(page, selector: str) -> bytes:
    """The file an <img> shows (fetched by the page itself: file URLs or data URLs)."""
    src = page.locator(f"{selector} img").first.get_attribute("src")
    data = page.evaluate("""async (src) => {
        const r = await fetch(src); const b = new Uint8Array(await r.arrayBuffer());
        let s = ''; for (const x of b) s += String.fromCharCode(x); return btoa(s); }""", src)
    return base64.b64decode(data)


def _image_digest(page, selector: str) -> str:
    """A digest of the pixels an <img> shows."""
    return hashlib.sha256(_image_bytes(page, selector)).hexdigest()


def _read_by_classifier(png: bytes) -> dict:
    """What the shipped family's classifier reads in an image the page shows: attribute -> value."""
    import io

    from PIL import Image

    from tedigan_demo.imaging import to_model_input
    from tedigan_demo.loading import load_module
    from tedigan_demo.synthfaces import ATTRIBUTES

    classifier = load_module(REPO_ROOT / "checkpoints" / "synthfaces64" / "classifier").float()
    values, _ = classifier.predict(to_model_input(Image.open(io.BytesIO(png)), 64))
    return {a.name: a.values[int(v)] for a, v in zip(ATTRIBUTES, values[0])}


def _edit_view(page) -> str:
    """A digest of what the Edit tab shows as its result: the page's own render of a slider move (a canvas over the
    image, ``static/slider.js``) where it drew one, else the server's image."""
    drawn = page.evaluate("""() => { const c = document.querySelector('#edit-live-canvas');
        return c && c.style.display !== 'none' ? c.toDataURL() : null; }""")
    return hashlib.sha256(drawn.encode()).hexdigest() if drawn else _image_digest(page, "#edit-out")


def _open_tab(page, name: str):
    page.get_by_role("tab", name=name, exact=True).click()


def _box(page, selector: str) -> dict:
    return page.locator(selector).first.bounding_box()


def _shot(page, name: str) -> None:
    width = page.viewport_size["width"]
    page.screenshot(path=str(_shots() / (f"{name}.png" if width > 1000 else f"{name}_{width}px.png")), full_page=True)


def test_text_to_image_edit_sliders_and_every_tab(page):
    width = page.viewport_size["width"]
    # every tab's name shows, none behind an overflow menu
    for name in ("Text", "Edit", "Sketch / Label", "Mix", "About"):  # shown once the page has laid out its tabs
        page.get_by_role("tab", name=name, exact=True).wait_for(state="visible", timeout=30_000)
    # the reading shows under the box as the user types: values read, a ruled-out one marked, words not understood
    box = page.locator("#t2i-text textarea")
    default = box.input_value()
    box.fill("ginger hair, no beard, in a navy suit")
    reading = page.locator("#t2i-reading")
    reading.get_by_text("not understood").wait_for()
    said = reading.inner_text()
    assert "red (hair color)" in said and "not beard" in said and "navy suit" in said, said
    box.fill(default)
    reading.get_by_text("Reads").wait_for()
    # Text -> Image
    page.locator("#t2i-go").click()
    page.locator("#t2i-gallery img").nth(3).wait_for()
    assert page.locator("#t2i-gallery img").count() >= 4
    captions = page.locator("#t2i-gallery .caption-label")
    assert captions.count() >= 4 and "fits this face better than" in captions.first.inner_text()
    assert captions.first.evaluate("e => e.scrollWidth <= e.clientWidth + 1"), "the redescription is cut off"
    _shot(page, "text_to_image")

    # Edit a photo: upload, invert, apply a description, move the fine slider, then a new description moves the
    # sliders to the groups that carry it
    _open_tab(page, "Edit")
    page.evaluate("window.scrollTo(0, 0)")
    invert_box = _box(page, "#edit-invert")
    if width > 1000:  # on a desktop screen the button is in view without scrolling
        assert invert_box["y"] + invert_box["height"] <= page.viewport_size["height"]
    page.locator("#edit-input input[type=file]").set_input_files(str(REPO_ROOT / "examples" / "synthface_24.png"))
    page.locator("#edit-input img").first.wait_for()
    if width > 1000:  # two visitors already inverting: this one is told its place in the queue
        from gradio_client import Client, handle_file

        other = handle_file(str(REPO_ROOT / "examples" / "synthface_58.png"))
        waiting = [Client(page.url, verbose=False).submit(other, 100, False, api_name="/invert") for _ in range(2)]
        page.wait_for_timeout(500)
        page.locator("#edit-invert").click()
        page.locator("#edit-recon").get_by_text("queue:").first.wait_for()
        for job in waiting:  # let them finish: the next page starts on an idle server
            job.result()
    else:
        page.locator("#edit-invert").click()
    page.locator("#edit-recon img").first.wait_for()
    page.get_by_text("Reconstruction PSNR").wait_for()
    page.locator("#edit-go").click()
    page.locator("#edit-out img").first.wait_for()
    # the default example edits visibly: the reconstruction's hair is not long, the edit's is
    assert _read_by_classifier(_image_bytes(page, "#edit-recon"))["hair_style"] != "long"
    assert _read_by_classifier(_image_bytes(page, "#edit-out"))["hair_style"] == "long"
    before = _edit_view(page)
    coarse, middle, fine = (page.locator(f"#slider-{g} input[type=number]") for g in ("coarse", "middle", "fine"))

    def values():
        return coarse.input_value(), middle.input_value(), fine.input_value()

    assert values() == ("0", "1", "0")  # "make her hair long": the hair style lives in the middle codes
    # the note under the sliders says which of them carry this edit; the before / after slider shows it
    note = page.locator("#edit-groups-note")
    note.get_by_text("barely change").wait_for()
    assert "The middle group carries the hair style" in note.inner_text(), note.inner_text()
    page.locator("#edit-compare img").first.wait_for()
    assert page.get_by_text("Examples (cartoon faces)").is_visible()
    assert not page.get_by_text("Examples (photos)").is_visible()
    # the sliders sit right under the image they change, and the codes download in one click
    out_box, slider_box = _box(page, "#edit-out"), _box(page, "#slider-coarse")
    assert 0 <= slider_box["y"] - (out_box["y"] + out_box["height"]) < 120
    with page.expect_download() as download:
        page.locator("#edit-save").click()
    assert download.value.suggested_filename.endswith(".npy")
    _shot(page, "edit")
    middle.fill("2")  # the group that carries the edit: above 1 it exaggerates it
    middle.press("Enter")
    for _ in range(100):
        page.wait_for_timeout(200)
        after = _edit_view(page)
        if after != before:
            break
    assert after != before, "moving the middle slider did not change the edited image"
    page.locator("#edit-text textarea").fill("blond hair")
    page.locator("#edit-text textarea").fill("she wears red lipstick")  # lipstick: the fine codes only
    for _ in range(50):
        if middle.input_value() == "0":
            break
        page.wait_for_timeout(200)
    assert values() == ("0", "0", "1")

    # Sketch / Label -> Image: an example sketch
    _open_tab(page, "Sketch / Label")
    page.get_by_role("button", name="Faces from the label map").wait_for()
    page.locator("#sketch-go").click()  # nothing drawn yet: a clear message, the page lives on
    page.get_by_text("draw or upload").first.wait_for()
    page.locator(".toast-close").first.click()  # dismissed, so that the later screenshots show no stale message
    page.get_by_text("draw or upload").first.wait_for(state="hidden")
    page.locator("#label-go").click()  # the label map's button too, before its example is there
    page.get_by_text("draw or upload an input first").first.wait_for()
    page.locator(".toast-close").first.click()
    page.get_by_text("draw or upload").first.wait_for(state="hidden")
    page.locator("#label-input input[type=file]").first.set_input_files(str(REPO_ROOT / "examples" / "label_24.png"))
    page.wait_for_timeout(1500)
    page.locator("#label-go").click()
    page.locator("#mm-gallery img").first.wait_for()
    _shot(page, "sketch_label")

    # Mix & Interpolate
    _open_tab(page, "Mix")
    page.locator("#int-go").click()
    page.locator("#int-strip img").nth(7).wait_for()
    strip = _box(page, "#int-strip")
    for k in range(8):  # every frame of the strip shows, none cut off at its right edge
        frame = page.locator("#int-strip img").nth(k).bounding_box()
        assert frame["x"] + frame["width"] <= strip["x"] + strip["width"] + 1, k
    page.locator("#mix-go").click()
    page.locator("#mix-out img").first.wait_for()
    _shot(page, "mix_interpolate")

    _open_tab(page, "About")
    page.get_by_text("Model families").first.wait_for()
    _shot(page, "about")
