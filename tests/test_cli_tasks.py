"""The TediGAN commands end to end on a tiny random family (offline, real MiniLM text encoder)."""

import json

import numpy as np
import pytest
from PIL import Image

from tedigan_demo.cli import main


@pytest.fixture(autouse=True)
def offline(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out.strip(), err.strip()


def test_generate_edit_interpolate_describe(tmp_path, capsys, tiny_family):
    code, out, err = run(capsys, "generate", "--family", tiny_family, "--text",
                         "She has long red hair and is smiling.", "--n", 3, "--seed", 1, "--out", tmp_path / "gen")
    assert code == 0, err
    summary = json.loads(out)
    assert summary["named"] == {"hair_style": "long", "hair_color": "red", "smile": "smiling"}
    assert len(list((tmp_path / "gen").glob("generated-*.png"))) == 3
    wp = tmp_path / "gen" / "generated_wp.npy"
    np.save(tmp_path / "one.npy", np.load(wp)[0])
    code, out, err = run(capsys, "edit", "--family", tiny_family, "--latent", tmp_path / "one.npy", "--text",
                         "give her glasses", "--coarse", 1, "--middle", 0, "--fine", 0, "--out", tmp_path / "edit")
    assert code == 0, err
    assert json.loads(out)["strengths"] == {"coarse": 1.0, "middle": 0.0, "fine": 0.0}
    assert (tmp_path / "edit" / "edit_coarse_only.png").exists()
    code, out, err = run(capsys, "edit", "--family", tiny_family, "--latent", tmp_path / "one.npy", "--text",
                         "give her glasses", "--coarse", 3, "--out", tmp_path / "edit3")
    assert code == 2 and "runs from 0 to 2" in err and len(err.strip().splitlines()) == 1 and not out
    code, out, err = run(capsys, "interpolate", "--family", tiny_family, "--text-a", "He has a beard.", "--text-b",
                         "She has blond hair.", "--steps", 4, "--out", tmp_path / "interp")
    assert code == 0 and len(json.loads(out)["files"]) == 4, err
    img = tmp_path / "gen" / "generated-000.png"
    code, out, err = run(capsys, "describe", "--family", tiny_family, "--image", img, "--text", "She is smiling.")
    assert code == 0, err
    d = json.loads(out)
    assert d["caption"].endswith(".") and 1 <= d["rank"] <= d["num_candidates"] == 100


def test_invert_and_bad_inputs(tmp_path, capsys, tiny_family):
    Image.fromarray((np.random.default_rng(0).random((80, 100, 3)) * 255).astype(np.uint8)).save(tmp_path / "x.png")
    code, out, err = run(capsys, "invert", "--family", tiny_family, "--image", tmp_path / "x.png", "--steps", 3,
                         "--no-align", "--out", tmp_path / "inv")
    assert code == 0, err
    assert np.load(tmp_path / "inv" / "wp.npy").shape == (1, 10, 16)
    (tmp_path / "bad.png").write_bytes(b"not an image")
    from skimage import data

    Image.fromarray(data.chelsea()).save(tmp_path / "cat.png")
    cases = [
        (["generate", "--family", tiny_family, "--text", "  ", "--out", tmp_path / "g"], "description is empty"),
        (["invert", "--family", tiny_family, "--image", tmp_path / "bad.png", "--out", tmp_path / "i"],
         "cannot read the image"),
        (["invert", "--family", tiny_family, "--image", tmp_path / "nope.png", "--out", tmp_path / "i"],
         "no such image file"),
        (["edit", "--family", tiny_family, "--text", "smile", "--out", tmp_path / "e"], "--image PATH or --latent"),
        (["invert", "--family", tiny_family, "--image", tmp_path / "cat.png", "--out", tmp_path / "i"],
         "no face found"),
        (["generate", "--family", tmp_path, "--text", "hi", "--out", tmp_path / "g"], "lacks its"),
    ]
    for argv, message in cases:
        code, out, err = run(capsys, *argv)
        assert code == 2 and message in err and len(err.splitlines()) == 1, (argv, err)
