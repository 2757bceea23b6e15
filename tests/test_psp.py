import argparse

import pytest
import torch

from tedigan_demo.loading import LoadError, load_generator, load_psp_encoder

pytestmark = pytest.mark.slow  # ~1 GB official-size files


@pytest.fixture(scope="module")
def psp_file(standins):
    """The run's full-size pSp label-to-face file (``standins``) and its state dict."""
    return standins.path("psp_celebs_seg_to_face.pt"), standins.load("psp_celebs_seg_to_face.pt")["state_dict"]


def test_psp_label_checkpoint_loads_both_parts_strictly(psp_file, compat_available):
    path, state = psp_file
    assert len(state) == 792
    encoder, opts = load_psp_encoder(path)
    assert encoder.config.input_nc == 19 and encoder.config.input_kind == "label" and opts["label_nc"] == 19
    assert encoder.latent_avg.shape == (18, 512)
    decoder = load_generator(path)
    assert decoder.num_layers == 18
    one_hot = torch.zeros(1, 19, 256, 256)
    one_hot[:, 0] = 1
    with torch.no_grad():
        wp = encoder(one_hot)
        offsets = encoder.encoder(one_hot)
    torch.testing.assert_close(wp, offsets + encoder.latent_avg)
    assert wp.shape == (1, 18, 512) and torch.isfinite(wp).all()


def test_psp_encoder_errors(tmp_path, psp_file, compat_available):
    _, state = psp_file
    partial = {k: v for k, v in state.items() if k != "encoder.styles.17.linear.bias"}
    torch.save({"state_dict": partial, "latent_avg": torch.zeros(18, 512)}, tmp_path / "p.pt")
    with pytest.raises(LoadError, match=r"1 missing: encoder\.styles\.17\.linear\.bias"):
        load_psp_encoder(tmp_path / "p.pt")
    decoder_only = {k: v for k, v in state.items() if k.startswith("decoder.")}
    torch.save({"state_dict": decoder_only, "latent_avg": torch.zeros(18, 512),
                "opts": argparse.Namespace(input_nc=1)}, tmp_path / "d.pt")
    with pytest.raises(LoadError, match="no pSp encoder weights"):
        load_psp_encoder(tmp_path / "d.pt")
    torch.save({"g_ema": {}}, tmp_path / "r.pt")
    with pytest.raises(LoadError, match="not a pSp checkpoint"):
        load_psp_encoder(tmp_path / "r.pt")
