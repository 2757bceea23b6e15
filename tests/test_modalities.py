"""Sketch and label map -> faces: inputs as people make them, on a tiny random family."""

import json

import numpy as np
import pytest
import torch
from PIL import Image

from tedigan_demo.cli import main
from tedigan_demo.imaging import ImageError, sketch_to_tensor
from tedigan_demo.pipeline import TediGANPipeline
from tedigan_demo.synthfaces import render_seeds
from tedigan_demo.synthfaces.labels import colorize


@pytest.fixture(scope="module")
def pipe(tiny_family):
    return TediGANPipeline.from_family(str(tiny_family))


@pytest.fixture(scope="module")
def face():
    return render_seeds([5])


def test_sketch_inputs_are_normalised(tmp_path, face):
    paper = (face.sketch[0, 0].numpy() * 255).astype(np.uint8)
    big = Image.fromarray(paper).resize((300, 300), Image.Resampling.BICUBIC)
    a = sketch_to_tensor(big, 64)
    # a photo of a pencil drawing: grey paper, grey lines
    photo = Image.fromarray((np.asarray(big, np.float32) * 0.3 + 120).astype(np.uint8))
    b = sketch_to_tensor(photo, 64)
    # white strokes on black
    c = sketch_to_tensor(Image.fromarray(255 - np.asarray(big)), 64)
    for x in (a, b, c):
        assert x.shape == (1, 1, 64, 64) and x.min() >= 0 and x.max() <= 1 and x.mean() > 0.6
    assert (a - b).abs().mean() < 0.05 and (a - c).abs().mean() < 0.05
    with pytest.raises(ImageError, match="blank"):
        sketch_to_tensor(Image.new("RGB", (256, 256), "white"), 64)
    with pytest.raises(ImageError, match="blank"):
        sketch_to_tensor(Image.new("RGBA", (256, 256), (0, 0, 0, 0)), 64)  # an untouched transparent canvas


def test_from_sketch_and_label_are_diverse_and_structural(pipe, face):
    sketch = Image.fromarray((face.sketch[0, 0].numpy() * 255).astype(np.uint8))
    out = pipe.from_sketch(sketch, n=3, seed=1)
    s = out.governed
    assert out.images.shape == (3, 3, 64, 64) and s == pipe.groups["coarse"] + pipe.groups["middle"]
    assert torch.equal(out.wp[0, s], out.wp[2, s])
    f = pipe.groups["fine"]
    assert not torch.equal(out.wp[0, f], out.wp[1, f])
    label = colorize(face.label[0].numpy())
    plain = pipe.from_label(label, n=2, seed=0)
    lab = pipe.from_label(label, text="She has red hair.", n=2, seed=0)
    # the text edits the results in its attribute's layers only
    edited = pipe.governed_layers("She has red hair.")[0]
    kept = [i for i in range(pipe.G.num_layers) if i not in edited]
    assert lab.named == {"hair_color": "red"} and torch.equal(lab.wp[:, kept], plain.wp[:, kept])
    assert not torch.equal(lab.wp[:, edited], plain.wp[:, edited])


def test_cli_sketch_label_and_bad_inputs(tmp_path, capsys, tiny_family, face, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    Image.fromarray((face.sketch[0, 0].numpy() * 255).astype(np.uint8)).save(tmp_path / "s.png")
    Image.fromarray(colorize(face.label[0].numpy())).save(tmp_path / "l.png")
    assert main(["sketch", "--family", str(tiny_family), "--sketch", str(tmp_path / "s.png"), "--n", "2",
                 "--out", str(tmp_path / "o")]) == 0
    assert len(json.loads(capsys.readouterr().out)["files"]) == 2
    assert main(["label", "--family", str(tiny_family), "--label", str(tmp_path / "l.png"), "--text",
                 "blond hair", "--n", "2", "--out", str(tmp_path / "o")]) == 0
    assert json.loads(capsys.readouterr().out)["named"] == {"hair_color": "blond"}
    Image.new("RGB", (128, 128), "white").save(tmp_path / "blank.png")
    Image.new("RGB", (128, 128), "black").save(tmp_path / "bg.png")
    rainbow = (np.random.default_rng(0).random((64, 64, 3)) * 255).astype(np.uint8)
    Image.fromarray(rainbow).save(tmp_path / "rainbow.png")
    for argv, message in [
        (["sketch", "--sketch", str(tmp_path / "blank.png")], "blank"),
        (["label", "--label", str(tmp_path / "bg.png")], "all background"),
        (["label", "--label", str(tmp_path / "rainbow.png")], "palette"),
    ]:
        assert main(argv[:1] + ["--family", str(tiny_family)] + argv[1:] + ["--out", str(tmp_path / "x")]) == 2
        err = capsys.readouterr().err.strip()
        assert message in err and len(err.splitlines()) == 1
