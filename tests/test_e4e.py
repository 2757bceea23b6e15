"""e4e_ffhq_encode.pt in its official layout (tests/compat/e4e_ffhq_encode.json): strict loading, e4e's forward,
the official input transform, and ``python -m tedigan_demo encode``."""

import json

import numpy as np
import pytest
import torch
from conftest import COMPAT
from PIL import Image

from tedigan_demo.cli import main as cli
from tedigan_demo.loading import LoadError, load_encoder, load_psp_encoder

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def e4e_file(standins):
    """The run's full-size e4e file (``standins``): random weights in e4e's container, with the extra top-level
    entries real training files carry; its state dict and stored mean code."""
    path = standins.path("e4e_ffhq_encode.pt")
    saved = standins.load("e4e_ffhq_encode.pt")
    assert {"global_step", "optimizer", "opts"} <= set(saved)
    return path, saved["state_dict"], saved["latent_avg"]


def test_e4e_file_loads_strictly_with_its_forward(e4e_file, compat_available):
    path, state, latent_avg = e4e_file
    spec = json.loads((COMPAT / "e4e_ffhq_encode.json").read_text())
    assert len(state) == 792 and len(spec["params"]) + len(spec["buffers"]) == 621
    e4e, opts = load_psp_encoder(path)
    assert e4e.config.encoder_type == "Encoder4Editing" and opts["stylegan_size"] == 1024
    torch.testing.assert_close(e4e.latent_avg, latent_avg)
    # the same weights under pSp's forward give the heads' own outputs: e4e puts head 0 in every entry and adds
    # head i to entry i (compat notes: w[:, i] = styles[0](c3) + styles[i](feat_i), entry 0 has no delta)
    torch.save({"state_dict": state, "opts": {"encoder_type": "GradualStyleEncoder"}, "latent_avg": latent_avg},
               path.parent / "as_psp.pt")
    psp, _ = load_psp_encoder(path.parent / "as_psp.pt")
    x = torch.randn(1, 3, 256, 256, generator=torch.Generator().manual_seed(0)).clamp(-1, 1)
    with torch.no_grad():
        heads = psp.encoder(x)
        codes = e4e(x)
    expected = torch.cat([heads[:, :1], heads[:, :1] + heads[:, 1:]], 1) + latent_avg
    torch.testing.assert_close(codes, expected, rtol=1e-4, atol=1e-4)
    assert not torch.allclose(codes, heads + latent_avg)


def test_e4e_unknown_encoder_type_and_wrong_latent_avg(e4e_file, tmp_path, compat_available):
    _, state, latent_avg = e4e_file
    enc_only = {k: v for k, v in state.items() if k.startswith("encoder.")}
    enc_only["decoder.style.1.weight"] = torch.zeros(1)
    torch.save({"state_dict": enc_only, "opts": {"encoder_type": "SingleStyleCodeEncoder"}, "latent_avg": latent_avg},
               tmp_path / "single.pt")
    with pytest.raises(LoadError, match="encoder_type 'SingleStyleCodeEncoder' is not supported"):
        load_psp_encoder(tmp_path / "single.pt")
    torch.save({"state_dict": enc_only, "opts": {"encoder_type": "Encoder4Editing"}, "latent_avg": torch.zeros(7)},
               tmp_path / "avg.pt")
    with pytest.raises(LoadError, match=r"latent_avg of shape \[7\] does not fit"):
        load_psp_encoder(tmp_path / "avg.pt")


def _official_transform(path) -> torch.Tensor:
    """e4e's EncodeTransforms (PIL open, convert RGB, Resize((256, 256)) bilinear, ToTensor, Normalize 0.5 / 0.5)."""
    img = Image.open(path).convert("RGB").resize((256, 256), Image.BILINEAR)
    x = torch.tensor(np.array(img), dtype=torch.float32).permute(2, 0, 1) / 255.0
    return ((x - 0.5) / 0.5)[None]


def test_encode_command_gives_the_official_codes(e4e_file, tmp_path, capsys, compat_available):
    path, _, _ = e4e_file
    rng = np.random.default_rng(0)
    photo = tmp_path / "face.png"
    Image.fromarray(rng.integers(0, 255, (300, 220, 3), dtype=np.uint8)).save(photo)
    out = tmp_path / "codes.npy"
    assert cli(["encode", "--encoder", str(path), "--input", str(photo), "--no-align", "--out", str(out)]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["shape"] == [1, 18, 512]
    codes = np.load(out)
    assert codes.dtype == np.float32 and codes.shape == (1, 18, 512)
    e4e = load_encoder(str(path))
    with torch.no_grad():
        expected = e4e(_official_transform(photo)).numpy()
    np.testing.assert_allclose(codes, expected, rtol=1e-5, atol=1e-5)
    # a tensor already in the encoder's input form is taken as it is
    np.save(tmp_path / "x.npy", _official_transform(photo).numpy())
    assert cli(["encode", "--encoder", str(path), "--input", str(tmp_path / "x.npy"), "--out", str(out)]) == 0
    np.testing.assert_allclose(np.load(out), expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("args, message", [
    (["--kind", "sketch"], "reads 3-channel inputs, not sketches"),
    (["--input", "{tmp}/missing.png"], "input file not found"),
    (["--input", "{tmp}/bad.npy"], "has shape [1, 1, 8, 8]; this encoder takes [1, 3, H, W]"),
    (["--input", "{tmp}/broken.png"], "not a readable image"),
    (["--encoder", "{tmp}/truncated.pt"], "corrupted or truncated"),
    (["--out", "{tmp}/codes.txt"], "--out must end in .npy"),
])
def test_encode_errors_are_one_line(e4e_file, tmp_path, capsys, args, message, compat_available):
    path, _, _ = e4e_file
    np.save(tmp_path / "bad.npy", np.zeros((1, 1, 8, 8), np.float32))
    (tmp_path / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n not really")
    with open(path, "rb") as f:
        (tmp_path / "truncated.pt").write_bytes(f.read(4096))
    Image.new("RGB", (64, 64), (120, 90, 80)).save(tmp_path / "ok.png")
    base = {"--encoder": str(path), "--input": str(tmp_path / "ok.png"), "--out": str(tmp_path / "codes.npy")}
    extra = [a.format(tmp=tmp_path) for a in args]
    for flag, value in zip(extra[::2], extra[1::2]):
        base[flag] = value
    argv = ["encode", "--no-align"] + [x for kv in base.items() for x in kv]
    assert cli(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and message in err, err
