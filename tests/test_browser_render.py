"""Slider moves drawn in the visitor's browser (``export.onnx``, ``browser``, ``static/slider.js``).

The exported graph against the pipeline's own mix and render (onnxruntime in Python); then the page in headless
Chromium on the shipped family: after an edit, dragging a slider sends no request and the canvas shows the
server's render of the same strengths; the download saves the codes shown; the Mix tab's sliders draw too; and
where the runtime does not load, the server renders the moves as before (frame times: ``bench.browser_render``).
"""

import base64
import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
from conftest import randomize, start_app
from pages import edit_example

from tedigan_demo.browser import BrowserRender
from tedigan_demo.export.onnx import INPUTS, OUTPUT, export_slider
from tedigan_demo.imaging import to_uint8
from tedigan_demo.loading import load_generator
from tedigan_demo.method.control import MAX_STRENGTH, layer_mask, mix
from tedigan_demo.models.base import GROUP_NAMES
from tedigan_demo.models.stylegan2 import Generator, StyleGAN2Config

CHROMIUM = os.environ.get("CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")
TIMEOUT_MS = 120_000


def _psnr(a: np.ndarray, b: np.ndarray, peak: float) -> float:
    mse = float(np.mean((np.asarray(a, np.float64) - np.asarray(b, np.float64)) ** 2))
    return float("inf") if mse == 0 else 10 * np.log10(peak**2 / mse)


def _server_render(G, content, style, strengths) -> torch.Tensor:
    with torch.no_grad():
        return G.synthesize(mix(content, style, layer_mask(G.num_layers, G.layer_groups, strengths)), "const")


@pytest.mark.parametrize("which", ["shipped", "random 32 px"])
def test_the_exported_graph_renders_what_the_pipeline_renders(which):
    ort = pytest.importorskip("onnxruntime")
    if which == "shipped":
        G = load_generator("synthfaces64")
    else:
        torch.manual_seed(0)
        G = randomize(Generator(StyleGAN2Config(resolution=32, w_dim=24, n_mlp=2, channel_base=256,
                                                channel_max=48)), 2).eval()
    session = ort.InferenceSession(export_slider(G), providers=["CPUExecutionProvider"])
    assert [i.name for i in session.get_inputs()] == list(INPUTS)
    assert [o.name for o in session.get_outputs()] == [OUTPUT]
    with torch.no_grad():
        content, style = G.map_to_wp(G.sample_z(2, torch.Generator().manual_seed(3))).split(1)
    for values in ((1.0, 0.5, 0.0), (0.0, 2.0, 1.3), (0.25, 0.0, 1.0)):
        strengths = dict(zip(GROUP_NAMES, values))
        image = session.run(None, {"content": content.numpy(), "style": style.numpy(),
                                   "strengths": np.array(values, np.float32)})[0]
        assert image.shape == (1, 3, G.resolution, G.resolution)
        assert _psnr(image, _server_render(G, content, style, strengths).numpy(), peak=2.0) >= 40, values


def test_only_small_stylegan2_generators_render_in_the_page(tmp_path):
    big = Generator(StyleGAN2Config(resolution=256, w_dim=16, n_mlp=1, channel_base=2048, channel_max=8))
    assert BrowserRender(big, tmp_path).codes(torch.zeros(1, 14, 16), torch.zeros(1, 14, 16)) is None
    small = load_generator("synthfaces64")
    code = torch.zeros(1, small.num_layers, small.w_dim)
    payload = BrowserRender(small, tmp_path).codes(code, code + 1)
    assert Path(payload["model"]).is_file() and payload["shape"] == [small.num_layers, small.w_dim]
    assert payload["layers"] == [0, 0, 0, 1, 1, 1, 1, 2, 2, 2]  # the shipped generator's coarse / middle / fine
    assert np.frombuffer(base64.b64decode(payload["style"]), "<f4").tolist() == [1.0] * code.numel()
    assert payload["max_strength"] == MAX_STRENGTH  # the page clamps the sliders to the server's bound


# ---- in the browser ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def app():
    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium is not installed (.ci/run installs it)")
    pytest.importorskip("playwright.sync_api")
    blocks = start_app("synthfaces64")
    yield blocks
    blocks.close()


def _open(pw, url, block_runtime=False):
    browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                 args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
    page = browser.new_page(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    page.set_default_timeout(TIMEOUT_MS)
    if block_runtime:  # as on a browser without WebAssembly
        page.route("**/onnxruntime-web/**", lambda route: route.abort())
    page.goto(url)
    page.get_by_text("TediGAN Demo").first.wait_for()
    return browser, page


def _drag(page, selector: str, to: float):
    """Drag a slider's thumb with the mouse from its current place to the fraction ``to`` of its track."""
    track = page.locator(f"{selector} input[type=range]").first
    box = track.bounding_box()
    lo, hi = float(track.get_attribute("min")), float(track.get_attribute("max"))
    start = (float(track.input_value()) - lo) / (hi - lo)
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + start * box["width"], y)
    page.mouse.down()
    for k in range(1, 11):
        page.mouse.move(box["x"] + (start + (to - start) * k / 10) * box["width"], y)
        page.wait_for_timeout(30)
    page.mouse.up()


def _settled_canvas(page, tab: str) -> np.ndarray:
    """The canvas's pixels ``[H, W, 3]`` once the page has drawn the sliders' current values."""
    page.wait_for_function(f"""() => {{
        const c = document.querySelector('#{tab}-live-canvas');
        return c && c.style.display !== 'none' && window.tediganSlider.frames().length > 0; }}""")
    page.wait_for_timeout(500)  # the newest frame
    data = page.evaluate(f"""() => {{
        const c = document.querySelector('#{tab}-live-canvas');
        return Array.from(c.getContext('2d').getImageData(0, 0, c.width, c.height).data); }}""")
    side = int(round((len(data) // 4) ** 0.5))
    return np.array(data, np.uint8).reshape(side, side, 4)[..., :3]


def _page_codes(page, tab: str):
    payload = json.loads(page.locator(f"#{tab}-live textarea").input_value())
    shape = [1, *payload["shape"]]
    return [torch.from_numpy(np.frombuffer(base64.b64decode(payload[k]), "<f4").reshape(shape).copy())
            for k in ("content", "style")]


@pytest.mark.browser
def test_slider_moves_are_drawn_in_the_page_without_a_request(app):
    from playwright.sync_api import sync_playwright

    G = load_generator("synthfaces64")
    with sync_playwright() as pw:
        browser, page = _open(pw, app.local_url)
        edit_example(page)
        page.wait_for_function("() => window.tediganSlider.ready('edit')")
        requests = []
        page.on("request", lambda r: requests.append(r.url))
        _drag(page, "#slider-coarse", 0.6)
        _drag(page, "#slider-fine", 0.35)
        shown = _settled_canvas(page, "edit")
        assert [u for u in requests if not u.startswith(("data:", "blob:"))] == []
        values = page.evaluate("() => window.tediganSlider.strengths('edit')")
        assert values[0] > 0.5 and values[2] > 0.3, values  # the drags moved the sliders
        content, style = _page_codes(page, "edit")
        strengths = dict(zip(GROUP_NAMES, values))
        server = to_uint8(_server_render(G, content, style, strengths))[0]
        assert _psnr(shown, server, peak=255) >= 35
        # the download saves what the canvas shows
        with page.expect_download() as download:
            page.locator("#edit-save").click()
        saved = np.load(download.value.path())
        np.testing.assert_allclose(saved, mix(content, style, layer_mask(G.num_layers, G.layer_groups,
                                                                          strengths)).numpy(), atol=1e-6)
        # a value set by a script and announced with `change` alone is drawn too; frame times stay bounded
        count = page.evaluate("() => window.tediganSlider.frameCount()")
        page.evaluate("""() => { const box = document.querySelector('#slider-middle input[type=number]');
            box.value = 0.4; box.dispatchEvent(new Event('change', {bubbles: true})); }""")
        page.wait_for_function("(n) => window.tediganSlider.frameCount() > n", arg=count)
        assert page.evaluate("() => window.tediganSlider.frames().length") <= 100
        # the Mix tab: its sliders draw after a mix
        page.get_by_role("tab", name="Mix", exact=True).click()
        page.locator("#mix-go").click()
        page.wait_for_function("() => window.tediganSlider.ready('mix')")
        _drag(page, "#mix-middle", 0.8)
        shown = _settled_canvas(page, "mix")
        content, style = _page_codes(page, "mix")
        strengths = dict(zip(GROUP_NAMES, page.evaluate("() => window.tediganSlider.strengths('mix')")))
        assert _psnr(shown, to_uint8(_server_render(G, content, style, strengths))[0], peak=255) >= 35
        browser.close()


@pytest.mark.browser
def test_without_the_runtime_the_server_renders_slider_moves(app):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser, page = _open(pw, app.local_url, block_runtime=True)
        edit_example(page)
        before = page.locator("#edit-out img").first.get_attribute("src")
        page.wait_for_timeout(1000)  # the page has tried (and failed) to load its runtime
        _drag(page, "#slider-coarse", 0.8)
        page.wait_for_function(f"() => document.querySelector('#edit-out img').getAttribute('src') !== {before!r}")
        assert not page.evaluate("() => window.tediganSlider.ready('edit')")
        assert page.locator("#edit-live-canvas").count() == 0
        browser.close()
