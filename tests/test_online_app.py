"""The app online: a local stand-in of the Hub serves random-weight files in the official containers under the zoo's
exact repo ids and file names; the app, started against it (``HF_ENDPOINT``), downloads ``ffhq-1024`` when it is
chosen, reports the download's progress, and runs every tab on it. Started offline, the same app lists the family
as unavailable with its reason."""

import io
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

import numpy as np
import pytest
import torch
import yaml
from fakehub import FakeHub
from PIL import Image

from tedigan_demo.loading import REPO_ROOT
from tedigan_demo.loading.clip2latent import EMA_PREFIX
from tedigan_demo.models.latent_prior import LatentPrior, LatentPriorConfig
from tedigan_demo.zoo import CLIP, INTERFACEGAN_DIRECTIONS, INTERFACEGAN_SPACE, family

pytestmark = pytest.mark.slow
START_TIMEOUT_S = 600


def _bytes(obj) -> bytes:
    buf = io.BytesIO()
    torch.save(obj, buf)
    return buf.getvalue()


@pytest.fixture(scope="module")
def hub_files(tiny_clip_dir, standins):
    """repo id -> {file name -> bytes or path}: what the zoo names for ffhq-1024, in the official containers (the
    run's full-size stand-ins; StyleCLIP's fs3 and five of the six InterFaceGAN directions too: pose's file is
    missing, which the family works without)."""
    fam = family("ffhq-1024")
    gen, enc, sketch, fs3 = (fam.component(p) for p in ("generator", "encoder", "sketch_encoder", "style_directions"))
    fs3_file = io.BytesIO()  # [conv channels of config-f, the tiny CLIP's 16 dimensions]
    np.save(fs3_file, np.random.default_rng(7).standard_normal((6048, 16)).astype(np.float32))
    # clip2latent's files: a small prior in the official layout (the tiny CLIP's 16 dimensions do not fit it, so
    # the family keeps random candidates; tests/test_latent_prior.py runs a prior that fits)
    prior, prior_config = fam.component("text_prior"), fam.component("text_prior_config")
    small = LatentPrior(LatentPriorConfig(dim=16, depth=1, heads=2, dim_head=8, num_timesteps=20)).state_dict()
    directions = {}
    for k, name in enumerate(n for n in INTERFACEGAN_DIRECTIONS if n != "pose"):
        comp = fam.component(f"direction_{name}")
        directions[comp.filename] = _bytes(torch.randn(1, 512, generator=torch.Generator().manual_seed(k)))
    return {
        gen.repo_id: {gen.filename: standins.path(gen.filename)},
        enc.repo_id: {enc.filename: standins.path(enc.filename)},
        sketch.repo_id: {sketch.filename: standins.path(sketch.filename)},
        CLIP.repo_id: {p.name: p.read_bytes() for p in tiny_clip_dir.iterdir() if p.is_file()},
        fs3.repo_id: {fs3.filename: fs3_file.getvalue()},
        INTERFACEGAN_SPACE: directions,
        prior.repo_id: {prior.filename: _bytes({"state_dict": {EMA_PREFIX + k: v for k, v in small.items()}}),
                        prior_config.filename: yaml.safe_dump(_prior_yaml()).encode()},
    }


def _prior_yaml() -> dict:
    return {"model": {"network": {"dim": 16, "num_timesteps": 20, "depth": 1, "dim_head": 8, "heads": 2},
                      "diffusion": {"cond_drop_prob": 0.2, "image_embed_scale": 1.0, "predict_x_start": True}},
            "data": {"n_latents": 1, "latent_repeats": [18]}, "train": {"znorm_latent": True}}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_app(tmp_path, env_extra: dict) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "TEDIGAN_"))}
    env.update(HF_HOME=str(tmp_path / "hf"), TEDIGAN_WEIGHTS=str(tmp_path / "no-weights"), TEDIGAN_TEXT_STEPS="1",
               GRADIO_SERVER_PORT=str(port), GRADIO_SERVER_NAME="127.0.0.1", **env_extra)
    log = open(tmp_path / f"app-{port}.log", "w")
    proc = subprocess.Popen([sys.executable, str(REPO_ROOT / "app.py")], cwd=REPO_ROOT, env=env, stdout=log,
                            stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.time() + START_TIMEOUT_S
    while time.time() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"the app exited: {(tmp_path / f'app-{port}.log').read_text()[-2000:]}")
        try:
            urllib.request.urlopen(url, timeout=5)
            return proc, url
        except OSError:
            time.sleep(1)
    proc.kill()
    raise AssertionError("the app did not start")


def _stop(proc: subprocess.Popen, tmp_path) -> None:
    """Stop the app and delete what it downloaded (2.5 GB a start): the run keeps one copy of each stand-in."""
    proc.kill()
    proc.wait()
    shutil.rmtree(tmp_path / "hf", ignore_errors=True)


def _config(url: str) -> dict:
    return json.loads(urllib.request.urlopen(url + "config", timeout=30).read())


def _family_choices(config: dict) -> list:
    picker = next(c for c in config["components"] if c.get("props", {}).get("elem_id") == "family-pick")
    return picker["props"]["choices"]


def test_ffhq1024_downloads_when_chosen_and_every_tab_runs(hub_files, tmp_path, compat_available):
    from gradio_client import Client, handle_file

    with FakeHub() as hub:
        for repo_id, files in hub_files.items():
            hub.add(repo_id, files)
        proc, url = _start_app(tmp_path, {"HF_ENDPOINT": hub.url})
        try:
            choices = _family_choices(_config(url))
            assert any(name == "ffhq-1024" and "(download " in label for label, name in choices), choices
            client = Client(url, verbose=False)
            job = client.submit("ffhq-1024", api_name="/switch_family")
            progress = []
            while not job.done():
                status = job.status()
                progress += [p for p in (status.progress_data or []) if p.unit == "bytes"]
                time.sleep(0.2)
            job.result()  # raises when the switch failed
            assert progress and progress[-1].index <= progress[-1].length
            cached = list((tmp_path / "hf" / "hub").glob("models--*/snapshots/*/*"))
            assert {p.name for p in cached} >= {"stylegan2-ffhq-config-f.pt", "e4e_ffhq_encode.pt",
                                                 "psp_celebs_sketch_to_face.pt", "config.json", "fs3.npy",
                                                 "ffhq-sg2-510.ckpt", "ffhq-sg2-510.yaml"}
            boundaries = (tmp_path / "hf" / "hub").glob("spaces--rinong--StyleGAN-NADA/snapshots/*/editing/"
                                                        "interfacegan_boundaries/*.pt")
            assert {p.stem for p in boundaries} == {"age", "smile", "gender", "beard", "hair_length"}
            fam = "ffhq-1024"
            gallery = client.predict("She has blond hair.", 1, 0, 0.8, fam, api_name="/text_to_image")
            assert len(gallery) == 1 and Image.open(gallery[0]["image"]).size == (1024, 1024)
            photo = tmp_path / "photo.png"
            Image.fromarray(np.random.default_rng(0).integers(0, 255, (256, 256, 3), dtype=np.uint8)).save(photo)
            aligned, recon, fidelity = client.predict(handle_file(str(photo)), 1, True, fam, api_name="/invert")
            assert "PSNR" in fidelity
            edited, strip = client.predict("make her smile", 0.0, 1.0, 0.0, 0, fam, api_name="/edit")
            assert len(strip) == 3
            assert client.predict(0.0, 1.0, 1.0, fam, api_name="/rerender") is not None
            # StyleCLIP's global direction from the downloaded fs3: one render; InterFaceGAN sliders from the Space
            moved, strip, note = client.predict("She has blond hair.", "face", 4.0, 0.1, 1.0, 1.0, 1.0, fam,
                                                api_name="/edit_direction")
            assert len(strip) == 3 and "channels" in note, note
            assert Image.open(moved).size == (1024, 1024)
            older = client.predict("age", 1.0, 1.0, 1.0, 1.0, fam, api_name="/attribute")
            assert np.abs(np.asarray(Image.open(older), float) - np.asarray(Image.open(moved), float)).mean() > 0.5
            sketch = {"background": handle_file(str(REPO_ROOT / "examples" / "sketch_24.png")), "layers": [],
                      "composite": handle_file(str(REPO_ROOT / "examples" / "sketch_24.png"))}
            assert len(client.predict(sketch, "", 1, 0, fam, api_name="/from_sketch")) == 1
            label = {"background": handle_file(str(REPO_ROOT / "examples" / "label_24.png")), "layers": [],
                     "composite": handle_file(str(REPO_ROOT / "examples" / "label_24.png"))}
            with pytest.raises(Exception, match="no label-map encoder"):  # its pSp file is not on the Hub
                client.predict(label, "", 1, 0, fam, api_name="/from_label")
            strip, _ = client.predict("He has a beard.", "She is smiling.", 2, 0, fam, api_name="/interpolate")
            assert len(strip) == 2
            client.predict(2, "She has red hair.", 0, 0, 1, fam, api_name="/style_mix")
            # the embedded family kept serving beside it
            assert len(client.predict("She is smiling.", 1, 0, 0.8, "synthfaces64", api_name="/text_to_image")) == 1
        finally:
            _stop(proc, tmp_path)


def test_offline_app_says_why_ffhq1024_is_unavailable(tmp_path):
    from gradio_client import Client

    proc, url = _start_app(tmp_path, {"HF_HUB_OFFLINE": "1"})
    try:
        assert ["ffhq-1024 (unavailable)", "ffhq-1024"] in _family_choices(_config(url))
        client = Client(url, verbose=False)
        with pytest.raises(Exception, match="not available here: not on this machine and the Hub is offline"):
            client.predict("ffhq-1024", api_name="/switch_family")
        assert len(client.predict("She is smiling.", 1, 0, 0.8, "synthfaces64", api_name="/text_to_image")) == 1
    finally:
        _stop(proc, tmp_path)


def test_ffhq1024_as_the_default_downloads_at_start_with_a_progress_bar(hub_files, tmp_path, compat_available):
    with FakeHub() as hub:
        for repo_id, files in hub_files.items():
            hub.add(repo_id, files)
        proc, url = _start_app(tmp_path, {"HF_ENDPOINT": hub.url, "TEDIGAN_FAMILY": "ffhq-1024"})
        try:
            picker = next(c for c in _config(url)["components"]
                          if c.get("props", {}).get("elem_id") == "family-pick")
            assert picker["props"]["value"] == "ffhq-1024"
            log = next(tmp_path.glob("app-*.log")).read_text()
            assert "downloading ffhq-1024: e4e_ffhq_encode.pt" in log and "100% of 2.54 GB" in log, log[-2000:]
        finally:
            _stop(proc, tmp_path)
