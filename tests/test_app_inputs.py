"""Hostile and odd inputs through the API, as a visitor or an attacker sends them: each gets one clear line, the
server carries on, and its memory comes back to where it was."""

import base64
import io
import os
import resource
import time
from pathlib import Path

import numpy as np
import pytest
from conftest import lying_npy, start_app
from PIL import Image
from skimage import data as skdata

from tedigan_demo.loading import REPO_ROOT

EXAMPLE = REPO_ROOT / "examples" / "synthface_24.png"


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 2**20


@pytest.fixture(scope="module")
def client(tiny_family, tmp_path_factory):
    from gradio_client import Client

    blocks = start_app(tiny_family, max_file_size="10mb")
    yield Client(blocks.local_url, verbose=False), blocks.server
    blocks.close()


@pytest.fixture(scope="module")
def bad_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bad")
    (folder / "not_an_image.png").write_bytes(b"%PDF-1.4 this is not a picture at all" * 20)
    buf = io.BytesIO()
    Image.fromarray(skdata.astronaut()).save(buf, "JPEG", quality=90)
    (folder / "truncated.jpg").write_bytes(buf.getvalue()[: len(buf.getvalue()) // 2])
    Image.new("L", (13000, 13000), 128).save(folder / "huge.png", optimize=False)  # ~0.5 MB, 169 Mpx
    Image.new("L", (8, 8)).save(folder / "tiny.png")
    return folder


@pytest.mark.parametrize("name, message", [
    ("not_an_image.png", "not an image this app can read"),
    ("huge.png", "too large"),
    ("tiny.png", "only 8x8 pixels"),
    ("truncated.jpg", "cannot read the image"),
])
def test_bad_photos_get_one_line(client, bad_files, name, message):
    from gradio_client import handle_file

    c, _ = client
    with pytest.raises(Exception, match=message):
        c.predict(handle_file(str(bad_files / name)), 1, False, api_name="/invert")


def test_bad_drawings_get_one_line(client, bad_files):
    from gradio_client import handle_file

    c, _ = client
    for name, message in (("not_an_image.png", "not an image"), ("huge.png", "too large")):
        value = {"background": handle_file(str(bad_files / name)), "layers": [],
                 "composite": handle_file(str(bad_files / name))}
        with pytest.raises(Exception, match=message):
            c.predict(value, "", 1, 0, api_name="/from_sketch")
        with pytest.raises(Exception, match=message):
            c.predict(value, "", 1, 0, api_name="/from_label")


def test_memory_comes_back_after_bad_inputs(client, bad_files):
    from gradio_client import handle_file

    c, _ = client
    c.predict(handle_file(str(EXAMPLE)), 1, False, api_name="/invert")  # warm: the first request allocates
    before = _rss_mb()
    for _ in range(3):
        for name in ("huge.png", "not_an_image.png", "truncated.jpg"):
            with pytest.raises(Exception, match="too large|not an image|cannot read"):
                c.predict(handle_file(str(bad_files / name)), 1, False, api_name="/invert")
        value = {"background": handle_file(str(bad_files / "huge.png")), "layers": [],
                 "composite": handle_file(str(bad_files / "huge.png"))}
        with pytest.raises(Exception, match="too large"):
            c.predict(value, "", 1, 0, api_name="/from_sketch")
    assert _rss_mb() - before < 100
    assert c.predict(handle_file(str(EXAMPLE)), 1, False, api_name="/invert")[2].startswith("Reconstruction")


def test_codes_whose_header_promises_too_much_get_one_line(client, tmp_path):
    from gradio_client import handle_file

    c, _ = client
    (tmp_path / "codes.npy").write_bytes(lying_npy((10**8, 10, 16)))
    before = _rss_mb()
    with pytest.raises(Exception, match=r"its header promises 100000000 x 10 x 16 float32 values \(59.6 GiB\) but "
                                        r"the file holds 1,024 bytes"):
        c.predict(handle_file(str(tmp_path / "codes.npy")), api_name="/import_codes")
    assert _rss_mb() - before < 100


def test_a_large_data_url_is_refused(client):
    c, _ = client
    noise = np.random.default_rng(0).integers(0, 255, (2200, 2200, 3), dtype=np.uint8)
    buf = io.BytesIO()
    Image.fromarray(noise).save(buf, "PNG")  # ~14 MB of incompressible pixels
    url = "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()
    with pytest.raises(Exception, match="larger than 10 MB"):
        c.predict({"url": url, "path": None, "meta": {"_type": "gradio.FileData"}}, 1, False, api_name="/invert")


def test_16_bit_grey_photo_and_class_index_label(client, tmp_path):
    from gradio_client import handle_file

    c, _ = client
    grey = np.asarray(Image.fromarray(skdata.astronaut()).convert("L"), dtype=np.uint16) * 257
    Image.fromarray(grey).save(tmp_path / "grey16.png")
    assert Image.open(tmp_path / "grey16.png").mode.startswith("I;16")
    aligned, _, fidelity = c.predict(handle_file(str(tmp_path / "grey16.png")), 1, False, api_name="/invert")
    assert "PSNR" in fidelity
    assert np.asarray(Image.open(aligned)).std() > 10  # a face, not a white sheet
    # a CelebAMask-HQ class-index image (neck 17, cloth 18 beyond the domain's classes) is read as one
    idx = np.zeros((256, 256), np.uint8)
    idx[40:200, 60:196] = 1
    idx[200:, 100:156] = 17
    idx[230:, :] = 18
    idx[20:80, 50:206] = 13
    Image.fromarray(idx).save(tmp_path / "celebamask.png")
    value = {"background": handle_file(str(tmp_path / "celebamask.png")), "layers": [],
             "composite": handle_file(str(tmp_path / "celebamask.png"))}
    assert len(c.predict(value, "", 1, 0, api_name="/from_label")) == 1


def test_a_flood_of_uploads_stays_under_the_cap(client, tmp_path, monkeypatch):
    """Thirty 0.3 MB photos sent through the API against a 2 MB cap: one pass of the app's pruning (it runs every
    30 s) brings Gradio's upload folder back under the cap, and the app keeps working."""
    import gradio as gr
    from gradio_client import handle_file

    from tedigan_demo.serving import folder_bytes

    c, server = client
    monkeypatch.setattr(server, "storage_cap_bytes", 2 * 2**20)
    rng = np.random.default_rng(1)
    for i in range(30):
        Image.fromarray(rng.integers(0, 255, (320, 320, 3), dtype=np.uint8)).save(tmp_path / f"flood{i}.png")
        with pytest.raises(Exception, match="no face"):  # noise has no face: each upload is still stored first
            c.predict(handle_file(str(tmp_path / f"flood{i}.png")), 0, False, api_name="/invert")
    uploads = Path(gr.utils.get_upload_folder())
    assert folder_bytes(uploads) > 2 * 2**20
    assert server.prune_storage() > 0
    assert folder_bytes(uploads) <= 2 * 2**20
    assert c.predict(handle_file(str(EXAMPLE)), 1, False, api_name="/invert")[2].startswith("Reconstruction")


def test_storage_stays_under_its_cap(client, tmp_path):
    import gradio as gr

    from tedigan_demo.serving import folder_bytes, prune_folder
    from webapp.handlers import OUTPUT_MAX_AGE_S

    _, server = client
    folder = tmp_path / "uploads"
    for i in range(40):  # a flood of 1 MB uploads against a 10 MB cap
        (folder / f"{i:02d}").mkdir(parents=True)
        (folder / f"{i:02d}" / "photo.png").write_bytes(b"x" * 2**20)
        os.utime(folder / f"{i:02d}" / "photo.png", (time.time() - 100 + i, time.time() - 100 + i))
    prune_folder(folder, OUTPUT_MAX_AGE_S, 10 * 2**20)
    assert folder_bytes(folder) <= 10 * 2**20
    assert sorted(p.name for p in folder.iterdir())[-1] == "39"  # the newest are kept
    assert Path(gr.utils.get_upload_folder()).exists() and server.storage_cap_bytes > 0
