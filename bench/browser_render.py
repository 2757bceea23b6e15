"""Slider moves rendered in the visitor's browser (``static/slider.js``): what the page loads for it, and how long a
frame takes in headless Chromium's WASM runtime (one thread) on this machine.

    python -m bench.browser_render [--family synthfaces64] [--moves 40] [--chromium /usr/bin/chromium]

The app runs in this process; the page inverts an example face, applies a description, then moves the coarse
slider ``--moves`` times, one frame at a time. Prints one JSON object: the graph's and the runtime's sizes, the
seconds from the edit's result to the page's first own frame (runtime and graph loaded), and the frame times.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # app.py and webapp/ beside the package


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--family", default="synthfaces64")
    ap.add_argument("--moves", type=int, default=40)
    ap.add_argument("--chromium", default=shutil.which("chromium") or "/usr/bin/chromium")
    args = ap.parse_args()

    from playwright.sync_api import sync_playwright

    import app
    from tedigan_demo.registry import FamilyRegistry
    from tests.pages import edit_example
    from webapp.handlers import OUTPUTS

    blocks = app.create_app(FamilyRegistry.start(OUTPUTS, family=args.family))
    blocks.launch(prevent_thread_lock=True, server_name="127.0.0.1", quiet=True, **app.page_options())
    runtime = app.STATIC / "onnxruntime-web"
    res: dict = {"family": args.family,
                 "runtime_bytes": {p.name: p.stat().st_size for p in sorted(runtime.iterdir()) if p.suffix != ""}}
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=args.chromium, headless=True,
                                         args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(120_000)
            page.goto(blocks.local_url)
            edit_example(page)
            t = time.perf_counter()
            page.wait_for_function("() => window.tediganSlider.ready('edit')")
            res["seconds_to_ready_after_edit"] = round(time.perf_counter() - t, 2)
            payload = json.loads(page.locator("#edit-live textarea").input_value())
            res["graph_bytes"] = Path(payload["model"].split("file=", 1)[1]).stat().st_size
            for k in range(args.moves):  # one frame at a time: the slider's input event, then its frame
                value = round(0.05 * (k % 40), 2)
                page.evaluate("""(v) => { const r = document.querySelector('#slider-coarse input[type=range]');
                    r.value = v; r.dispatchEvent(new Event('input', {bubbles: true})); }""", value)
                page.wait_for_function("(n) => window.tediganSlider.frameCount() > n", arg=k)
            frames = page.evaluate("() => window.tediganSlider.frames()")  # the newest 100 frames' times
            browser.close()
    finally:
        blocks.close()
    frames = sorted(frames)
    res.update(frames=len(frames), frame_ms_median=round(statistics.median(frames), 1),
               frame_ms_p95=round(frames[int(0.95 * (len(frames) - 1))], 1), frame_ms_min=round(frames[0], 1))
    print(json.dumps(res, indent=1))


if __name__ == "__main__":
    main()
