import json
from pathlib import Path

import numpy as np
import pytest
import torch
from conftest import lying_npy
from PIL import Image

from tedigan_demo.cli import main
from tedigan_demo.models.base import save_pretrained


@pytest.fixture
def gen_dir(tmp_path, tiny_generator):
    return str(save_pretrained(tiny_generator, tiny_generator.config.to_dict(), tmp_path / "gen",
                               dtype=torch.float32, kind="StyleGAN2Generator"))


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out.strip(), err.strip()


def test_synthesize_npy_is_deterministic_raw_output(tmp_path, capsys, gen_dir, tiny_generator):
    wp = np.random.default_rng(0).standard_normal((2, 6, 16)).astype(np.float32)
    np.save(tmp_path / "codes.npy", wp)
    outs = []
    for name in ("a.npy", "b.npy"):
        code, out, err = run(capsys, "synthesize", "--generator", gen_dir, "--latent", str(tmp_path / "codes.npy"),
                             "--out", str(tmp_path / name))
        assert code == 0, err
        summary = json.loads(out)
        assert summary["shape"] == [2, 3, 16, 16] and summary["noise"] == "const"
        outs.append(np.load(tmp_path / name))
    np.testing.assert_array_equal(outs[0], outs[1])
    with torch.no_grad():
        expected = tiny_generator.synthesize(torch.from_numpy(wp)).numpy()
    np.testing.assert_allclose(outs[0], expected, atol=1e-5)
    # [L, D] input and PNG output
    np.save(tmp_path / "one.npy", wp[0])
    code, out, _ = run(capsys, "synthesize", "--generator", gen_dir, "--latent", str(tmp_path / "one.npy"),
                       "--out", str(tmp_path / "one.png"), "--noise", "none")
    assert code == 0 and json.loads(out)["files"] == [str(tmp_path / "one.png")]
    assert Image.open(tmp_path / "one.png").size == (16, 16)


def test_sample_seed_and_truncation(tmp_path, capsys, gen_dir):
    paths = []
    for name, seed in (("a.png", 3), ("b.png", 3), ("c.png", 4)):
        code, out, err = run(capsys, "sample", "--generator", gen_dir, "--seed", str(seed), "--truncation", "0.7",
                             "--out", str(tmp_path / name))
        assert code == 0, err
        assert json.loads(out)["truncation"] == 0.7
        paths.append(np.asarray(Image.open(tmp_path / name)))
    assert np.array_equal(paths[0], paths[1]) and not np.array_equal(paths[0], paths[2])
    code, out, _ = run(capsys, "sample", "--generator", gen_dir, "--n", "3", "--out", str(tmp_path / "m.png"),
                       "--save-latent", str(tmp_path / "m.npy"))
    assert code == 0 and len(json.loads(out)["files"]) == 4
    assert np.load(tmp_path / "m.npy").shape == (3, 6, 16)


@pytest.mark.parametrize("latent, message", [
    (np.zeros((2, 5, 16), np.float32), "has shape [2, 5, 16]; this model takes W+ codes [N, 6, 16]"),
    (np.full((6, 16), np.nan, np.float32), "finite floating-point"),
    (np.zeros((6, 16), np.int64), "finite floating-point"),
])
def test_bad_latents_exit_2_with_one_line(tmp_path, capsys, gen_dir, latent, message):
    np.save(tmp_path / "bad.npy", latent)
    code, out, err = run(capsys, "synthesize", "--generator", gen_dir, "--latent", str(tmp_path / "bad.npy"),
                         "--out", str(tmp_path / "x.png"))
    assert code == 2 and out == "" and message in err and len(err.splitlines()) == 1


def test_a_latent_whose_header_promises_too_much_exits_2_with_one_line(tmp_path, capsys, gen_dir):
    (tmp_path / "codes.npy").write_bytes(lying_npy((10**8, 6, 16)))
    code, out, err = run(capsys, "synthesize", "--generator", gen_dir, "--latent", str(tmp_path / "codes.npy"),
                         "--out", str(tmp_path / "x.png"))
    assert code == 2 and out == "" and len(err.splitlines()) == 1
    assert "its header promises 100000000 x 6 x 16 float32 values (35.8 GiB) but the file holds 1,024 bytes" in err


def test_errors_exit_2_with_one_line(tmp_path, capsys, gen_dir):
    (tmp_path / "junk.npy").write_bytes(b"junk")
    cases = [
        (["synthesize", "--generator", gen_dir, "--latent", str(tmp_path / "junk.npy"), "--out", "x.png"],
         "cannot read"),
        (["synthesize", "--generator", gen_dir, "--latent", str(tmp_path / "none.npy"), "--out", "x.png"],
         "latent file not found"),
        (["sample", "--generator", str(tmp_path / "missing.pt"), "--out", "x.png"], "no such file"),
    ]
    if not torch.cuda.is_available():
        cases.append((["sample", "--generator", gen_dir, "--device", "cuda", "--out", "x.png"], "CUDA"))
    for argv, message in cases:
        code, out, err = run(capsys, *argv)
        assert code == 2 and message in err and len(err.splitlines()) == 1, (argv, err)
    with pytest.raises(SystemExit) as exc:
        main(["sample"])
    assert exc.value.code == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


def test_encode_with_the_embedded_family_encoders(tmp_path, capsys, tiny_family):
    """``encode`` runs the project's own encoders on their own input transforms (image, sketch, label map)."""
    from tedigan_demo.encoding import encoder_input
    from tedigan_demo.loading import load_encoder

    examples = Path(__file__).resolve().parent.parent / "examples"
    for part, kind, source in (("encoder", "image", "synthface_24.png"), ("sketch_encoder", "sketch", "sketch_24.png"),
                               ("label_encoder", "label", "label_24.png")):
        out = tmp_path / f"{part}.npy"
        code, stdout, err = run(capsys, "encode", "--encoder", str(tiny_family / part), "--input",
                                str(examples / source), "--kind", kind, "--no-align", "--out", str(out))
        assert code == 0, err
        assert json.loads(stdout)["shape"] == [1, 10, 16]
        encoder = load_encoder(tiny_family / part)
        with torch.no_grad():
            expected = encoder(encoder_input(examples / source, encoder, kind, align=False)).numpy()
        np.testing.assert_allclose(np.load(out), expected, rtol=1e-5, atol=1e-6)
    code, _, err = run(capsys, "encode", "--encoder", str(tiny_family / "encoder"), "--input",
                       str(examples / "label_24.png"), "--kind", "label", "--out", str(tmp_path / "x.npy"))
    assert code == 2 and "reads 3-channel inputs, not label maps" in err
