"""Steps through the app's page in a real browser (Playwright), shared by the browser tests and
``bench.browser_render`` (which imports them as ``tests.pages``)."""

from __future__ import annotations

from pathlib import Path

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def edit_example(page) -> None:
    """On the Edit tab: upload an example face, invert it, apply the default description, and wait for the result."""
    page.get_by_role("tab", name="Edit", exact=True).click()
    page.locator("#edit-input input[type=file]").set_input_files(str(EXAMPLES / "synthface_24.png"))
    page.locator("#edit-input img").first.wait_for()
    page.locator("#edit-invert").click()
    page.get_by_text("Reconstruction PSNR").wait_for()
    page.locator("#edit-go").click()
    page.locator("#edit-out img").first.wait_for()
