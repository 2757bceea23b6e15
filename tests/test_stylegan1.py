import pytest
import torch
import torch.nn.functional as F
from conftest import compat_state_dict, randomize

from tedigan_demo.cli import main
from tedigan_demo.loading import LoadError, load_generator
from tedigan_demo.models.stylegan1 import StyleGAN1Config, StyleGAN1Generator, _ConvLayer

COMPAT = "styleganinv_ffhq256_generator.json"
TINY = dict(resolution=32, w_dim=16, num_mapping_layers=2, fmaps_base=256, fmaps_max=32, fused_min_resolution=16)


def idinvert_state(seed=0) -> dict:
    return compat_state_dict(COMPAT, seed)


def tiny_v1(seed=2) -> StyleGAN1Generator:
    G = randomize(StyleGAN1Generator(StyleGAN1Config(**TINY)), seed=seed).eval()
    G.synthesis.lod.data.zero_()  # a trained model is at full resolution
    return G


def test_idinvert_file_loads_strictly_and_renders(tmp_path, compat_available):
    sd = idinvert_state()
    del sd["truncation.truncation"]  # optional in the file: the official loader re-inserts it
    torch.save(sd, tmp_path / "styleganinv_ffhq256_generator.pth")
    G = load_generator(tmp_path / "styleganinv_ffhq256_generator.pth")
    assert isinstance(G, StyleGAN1Generator) and (G.resolution, G.num_layers) == (256, 14)
    assert G.config.fused_min_resolution == 128
    assert G.layer_groups == {"coarse": [0, 1, 2, 3], "middle": [4, 5, 6, 7], "fine": list(range(8, 14))}
    torch.testing.assert_close(G.truncation.truncation.flatten()[:9], torch.tensor([0.7] * 8 + [1.0]))
    with torch.no_grad():
        img = G.synthesize(torch.randn(1, 14, 512, generator=torch.Generator().manual_seed(0)))
    assert img.shape == (1, 3, 256, 256) and img.abs().max() <= 1
    # a file stuck mid progressive-growing, or with an extra key, is refused with one clear line
    torch.save({**sd, "synthesis.lod": torch.tensor(1.0)}, tmp_path / "lod.pth")
    with pytest.raises(LoadError, match="level of detail"):
        load_generator(tmp_path / "lod.pth")
    sd["synthesis.layer99.conv.weight"] = torch.zeros(1)
    torch.save(sd, tmp_path / "extra.pth")
    with pytest.raises(LoadError, match="1 unexpected: synthesis.layer99.conv.weight"):
        load_generator(tmp_path / "extra.pth")


def test_fused_upconv_equals_nearest_upsample_then_conv():
    torch.manual_seed(0)
    fused = randomize(_ConvLayer(4, 5, 8, 16, up="fused"))
    plain = _ConvLayer(4, 5, 8, 16, up="nearest")
    # TF [3, 3, in, out] -> [out, in, 3, 3]; the transposed conv applies the kernel mirrored w.r.t. correlation
    plain.load_state_dict({**{k: v for k, v in fused.state_dict().items() if k != "weight"},
                           "conv.weight": fused.weight.permute(3, 2, 0, 1).flip(2, 3)})
    x, w = torch.randn(2, 4, 4, 4), torch.randn(2, 16)
    with torch.no_grad():
        a = fused(x, w, None)
        b = plain(x, w, None)
    # interior pixels agree exactly; the border differs only through zero padding of the upsampled map
    torch.testing.assert_close(a[..., 1:-1, 1:-1], b[..., 1:-1, 1:-1], atol=1e-5, rtol=1e-4)


def test_epilogue_follows_the_official_order():
    layer = randomize(_ConvLayer(3, 3, 4, 8), seed=1)
    x, w, noise = torch.randn(2, 3, 4, 4), torch.randn(2, 8), torch.randn(1, 1, 4, 4)
    with torch.no_grad():
        out = layer(x, w, noise)
        y = F.conv2d(x, layer.conv.weight * layer.scale, padding=1)
        ep = layer.epilogue
        y = y + noise * ep.apply_noise.weight.view(1, -1, 1, 1)
        y = F.leaky_relu(y + ep.bias.view(1, -1, 1, 1), 0.2)
        y = (y - y.mean((2, 3), keepdim=True)) / torch.sqrt(y.var((2, 3), unbiased=False, keepdim=True) + 1e-8)
        s = F.linear(w, ep.style_mod.dense.fc.weight / 8 ** 0.5) + ep.style_mod.dense.wscale.bias
        y = y * (s[:, :3, None, None] + 1) + s[:, 3:, None, None]
    torch.testing.assert_close(out, y, atol=1e-5, rtol=1e-4)


def test_mapping_truncation_and_cli(tmp_path, capsys):
    G = tiny_v1()
    with torch.no_grad():
        wp = G.map_to_wp(G.sample_z(3, torch.Generator().manual_seed(0)))
        assert wp.shape == (3, 8, 16)
        t = G.truncate(wp)
        w_avg = G.truncation.w_avg.view(1, 1, -1)
        torch.testing.assert_close(t[:, :8], w_avg + 0.7 * (wp - w_avg)[:, :8])
        torch.testing.assert_close(G.truncate(wp, 1.0), wp)
    torch.save(G.state_dict(), tmp_path / "g.pth")
    assert main(["sample", "--generator", str(tmp_path / "g.pth"), "--truncation", "0.7", "--out",
                 str(tmp_path / "s.png")]) == 0
    assert '"resolution": 32' in capsys.readouterr().out
