"""A real browser on the real app (the shipped family): Playwright driving Debian's Chromium (``.ci/run`` installs
it). Opens the page, generates from text, inverts and edits a photo, moves a slider and checks that the edited
image changes, runs the sketch and interpolation tabs, and saves a screenshot of each tab
(``$TEDIGAN_SCREENSHOTS``, default a temporary folder; ``docs/screenshots`` holds the committed ones)."""

import base64
import hashlib
import importlib
import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest

from tedigan_demo.loading import REPO_ROOT

CHROMIUM = os.environ.get("CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")
TIMEOUT_MS = 120_000

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Chromium is not installed (.ci/run installs it)")


@pytest.fixture(scope="module")
def app_url():
    sys.modules.pop("app", None)
    sys.path.insert(0, str(REPO_ROOT))
    os.environ.pop("TEDIGAN_FAMILY", None)
    app = importlib.import_module("app")
    app.demo.launch(prevent_thread_lock=True, server_name="127.0.0.1", quiet=True)
    yield app.demo.local_url
    app.demo.close()
    sys.modules.pop("app", None)


@pytest.fixture(scope="module")
def page(app_url):
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                     args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(TIMEOUT_MS)
        page.goto(app_url)
        page.get_by_text("TediGAN Demo").first.wait_for()
        yield page
        browser.close()


def _shots() -> Path:
    folder = Path(os.environ.get("TEDIGAN_SCREENSHOTS") or Path(tempfile.gettempdir()) / "tedigan-screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _image_digest(page, selector: str) -> str:
    """A digest of the pixels an <img> shows (fetched by the page itself: file URLs or data URLs)."""
    src = page.locator(f"{selector} img").first.get_attribute("src")
    data = page.evaluate("""async (src) => {
        const r = await fetch(src); const b = new Uint8Array(await r.arrayBuffer());
        let s = ''; for (const x of b) s += String.fromCharCode(x); return btoa(s); }""", src)
    return hashlib.sha256(base64.b64decode(data)).hexdigest()


def _open_tab(page, name: str):
    page.get_by_role("tab", name=name).click()


def test_text_to_image_edit_sliders_and_every_tab(page):
    # Text -> Image
    page.locator("#t2i-go").click()
    page.locator("#t2i-gallery img").nth(3).wait_for()
    assert page.locator("#t2i-gallery img").count() >= 4
    page.screenshot(path=str(_shots() / "text_to_image.png"), full_page=True)

    # Edit a photo: upload, invert, apply a description, move the middle slider, then a new description moves the
    # sliders to the groups that carry it
    _open_tab(page, "Edit a photo")
    page.locator("#edit-input input[type=file]").set_input_files(str(REPO_ROOT / "examples" / "synthface_24.png"))
    page.locator("#edit-input img").first.wait_for()
    page.locator("#edit-invert").click()
    page.locator("#edit-recon img").first.wait_for()
    page.get_by_text("Reconstruction PSNR").wait_for()
    page.locator("#edit-go").click()
    page.locator("#edit-out img").first.wait_for()
    before = _image_digest(page, "#edit-out")
    coarse, middle = (page.locator(f"#slider-{g} input[type=number]") for g in ("coarse", "middle"))
    assert (coarse.input_value(), middle.input_value()) == ("1", "0")  # "make her smile": the coarse codes
    page.screenshot(path=str(_shots() / "edit.png"), full_page=True)
    middle.fill("1")
    middle.press("Enter")
    for _ in range(100):
        page.wait_for_timeout(200)
        after = _image_digest(page, "#edit-out")
        if after != before:
            break
    assert after != before, "moving the middle slider did not change the edited image"
    page.locator("#edit-text textarea").fill("blond hair")  # hair colour: the coarse and middle codes here
    page.locator("#edit-text textarea").fill("she wears red lipstick")  # lipstick: the coarse codes only
    for _ in range(50):
        if middle.input_value() == "0":
            break
        page.wait_for_timeout(200)
    assert (coarse.input_value(), middle.input_value()) == ("1", "0")

    # Sketch / Label -> Image: an example sketch
    _open_tab(page, "Sketch / Label → Image")
    page.get_by_role("button", name="Faces from the label map").wait_for()
    page.locator("#sketch-go").click()  # nothing drawn yet: a clear message, the page lives on
    page.get_by_text("draw or upload").first.wait_for()
    page.locator(".toast-close").first.click()  # dismissed, so that the later screenshots show no stale message
    page.get_by_text("draw or upload").first.wait_for(state="hidden")
    page.locator("#label-input input[type=file]").first.set_input_files(str(REPO_ROOT / "examples" / "label_24.png"))
    page.wait_for_timeout(1500)
    page.locator("#label-go").click()
    page.locator("#mm-gallery img").first.wait_for()
    page.screenshot(path=str(_shots() / "sketch_label.png"), full_page=True)

    # Mix & Interpolate
    _open_tab(page, "Mix & Interpolate")
    page.locator("#int-go").click()
    page.locator("#int-strip img").nth(7).wait_for()
    page.locator("#mix-go").click()
    page.locator("#mix-out img").first.wait_for()
    page.screenshot(path=str(_shots() / "mix_interpolate.png"), full_page=True)

    _open_tab(page, "About")
    page.get_by_text("Model families").first.wait_for()
    page.screenshot(path=str(_shots() / "about.png"), full_page=True)
