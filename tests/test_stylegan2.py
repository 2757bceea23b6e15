import math

import pytest
import torch
from conftest import TINY, randomize
from reference_stylegan2 import reference_mapping, reference_synthesis

from tedigan_demo.models.stylegan2 import Generator, StyleGAN2Config, layer_groups, layer_resolution
from tedigan_demo.models.stylegan2_layers import ModulatedConv2d, upfirdn2d


def test_layer_groups_follow_resolution():
    # FFHQ-1024: 18 W+ entries; 4-8 px coarse, 16-32 px middle, 64 px and up fine.
    g = layer_groups(18, 1024)
    assert g == {"coarse": [0, 1, 2], "middle": [3, 4, 5, 6], "fine": list(range(7, 18))}
    assert [layer_resolution(i, 1024) for i in (0, 1, 2, 3, 6, 7, 16, 17)] == [4, 8, 8, 16, 32, 64, 1024, 1024]
    # 64 px embedded model: 10 entries.
    assert layer_groups(10, 64) == {"coarse": [0, 1, 2], "middle": [3, 4, 5, 6], "fine": [7, 8, 9]}
    # every index in exactly one group
    for res in (16, 64, 256, 1024):
        n = StyleGAN2Config(resolution=res).num_layers
        assert sorted(sum(layer_groups(n, res).values(), [])) == list(range(n))


def test_config_f_channels_and_layers():
    cfg = StyleGAN2Config()
    assert cfg.num_layers == 18
    assert [cfg.channels(2**i) for i in range(2, 11)] == [512, 512, 512, 512, 512, 256, 128, 64, 32]
    with pytest.raises(ValueError):
        StyleGAN2Config(resolution=48)


def test_synthesize_shapes_and_validation(tiny_generator):
    G = tiny_generator
    wp = G.broadcast(G.mapping(G.sample_z(3, torch.Generator().manual_seed(0))))
    assert wp.shape == (3, G.num_layers, G.w_dim)
    with torch.no_grad():
        img = G.synthesize(wp)
    assert img.shape == (3, 3, 16, 16) and torch.isfinite(img).all()
    with pytest.raises(ValueError, match="wp must have shape"):
        G.synthesize(wp[:, :-1])
    with pytest.raises(ValueError, match="z must have shape"):
        G.mapping(torch.zeros(2, G.w_dim + 1))
    with pytest.raises(ValueError, match="noise mode"):
        G.synthesize(wp, "sometimes")


def test_noise_modes_and_determinism(tiny_generator):
    G = tiny_generator
    wp = torch.randn(2, G.num_layers, G.w_dim, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        a, b = G.synthesize(wp, "const"), G.synthesize(wp, "const")
        r1 = G.synthesize(wp, "random", torch.Generator().manual_seed(5))
        r2 = G.synthesize(wp, "random", torch.Generator().manual_seed(5))
        r3 = G.synthesize(wp, "random", torch.Generator().manual_seed(6))
        none = G.synthesize(wp, "none")
    assert torch.equal(a, b) and torch.equal(r1, r2)
    assert (r1 - r3).abs().max() > 1e-3 and (a - none).abs().max() > 1e-3
    # each sample's image depends only on its own code
    with torch.no_grad():
        single = G.synthesize(wp[1:], "const")
    torch.testing.assert_close(single[0], a[1], atol=1e-5, rtol=1e-5)


def test_truncation(tiny_generator):
    G = tiny_generator
    with torch.no_grad():
        w = G.mapping(G.sample_z(4, torch.Generator().manual_seed(0)))
        w_avg = G.mean_w(256)
    torch.testing.assert_close(G.truncate(w, 1.0, w_avg), w)
    torch.testing.assert_close(G.truncate(w, 0.0, w_avg), w_avg.expand_as(w))
    half = G.truncate(w, 0.5, w_avg)
    torch.testing.assert_close((half - w_avg).norm(dim=1), 0.5 * (w - w_avg).norm(dim=1))
    # default centre: the generator's own mean w; W+ codes are truncated layer by layer
    wp = G.broadcast(w)
    torch.testing.assert_close(G.truncate(wp, 0.0)[:, 3], G.mean_w().expand_as(w))


def test_upfirdn2d_matches_explicit_definition():
    x = torch.randn(2, 3, 5, 5)
    k = torch.outer(torch.tensor([1.0, 3, 3, 1]), torch.tensor([1.0, 3, 3, 1]))
    k = k / k.sum() * 4
    out = upfirdn2d(x, k, up=2, pad=(2, 1))
    # explicit: zero insertion, padding, then sum over the (flipped) kernel window
    z = torch.zeros(2, 3, 10, 10)
    z[:, :, ::2, ::2] = x
    z = torch.nn.functional.pad(z, [2, 1, 2, 1])
    ref = torch.zeros(2, 3, 10, 10)
    kf = torch.flip(k, [0, 1])
    for i in range(10):
        for j in range(10):
            ref[:, :, i, j] = (z[:, :, i : i + 4, j : j + 4] * kf).sum((-1, -2))
    torch.testing.assert_close(out, ref, atol=1e-6, rtol=1e-5)


def test_modulated_conv_equals_per_sample_weights():
    torch.manual_seed(0)
    for up in (False, True):
        conv = randomize(ModulatedConv2d(6, 5, 3, 8, upsample=up), seed=3)
        x, w = torch.randn(3, 6, 4, 4), torch.randn(3, 8)
        with torch.no_grad():
            ours = conv(x, conv.modulation(w))  # the layer takes its style (StyleSpace)
        sd = {"c." + k: v for k, v in conv.state_dict().items()}
        from reference_stylegan2 import _modconv

        ref = _modconv(sd, "c", x, w, up=up)
        torch.testing.assert_close(ours, ref, atol=1e-5, rtol=1e-4)


def test_generator_matches_reference_forward(tiny_generator):
    G = Generator(StyleGAN2Config(resolution=32, w_dim=16, n_mlp=3, channel_base=512, channel_max=32))
    randomize(G, seed=7).eval()
    sd = G.state_dict()
    z = torch.randn(2, 16, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        w = G.mapping(z)
        torch.testing.assert_close(w, reference_mapping(sd, z), atol=1e-5, rtol=1e-4)
        wp = torch.randn(2, G.num_layers, 16, generator=torch.Generator().manual_seed(1))
        torch.testing.assert_close(G.synthesize(wp, "const"), reference_synthesis(sd, wp), atol=1e-4, rtol=1e-4)


def test_equalized_lr_scales():
    cfg = StyleGAN2Config(**TINY)
    G = Generator(cfg)
    assert math.isclose(G.style[1].scale, 0.01 / math.sqrt(TINY["w_dim"]))
    assert math.isclose(G.conv1.conv.scale, 1 / math.sqrt(32 * 9))
    assert torch.all(G.conv1.conv.modulation.bias == 1)  # the TF '+1' lives in the stored bias


def test_one_truncation_for_both_generators():
    """``truncate(wp, psi)`` moves the generator's truncation layers toward its mean w by psi: every layer of a
    StyleGAN2 (rosinality), the first eight of IDInvert's StyleGAN (the official code)."""
    from tedigan_demo.models.stylegan1 import StyleGAN1Generator

    G2 = Generator(StyleGAN2Config(resolution=16, w_dim=16, n_mlp=2, channel_base=256, channel_max=32))
    G1 = StyleGAN1Generator()
    for G in (G2, G1):
        wp = G.map_to_wp(G.sample_z(2, torch.Generator().manual_seed(0)))
        k = G.truncation_layers
        torch.testing.assert_close(G.truncate(wp, 1.0), wp)
        centre = G.truncate(wp, 0.0)
        torch.testing.assert_close(centre[:, :k], centre[:1, :1].expand(2, k, -1))  # one point: the mean w
        torch.testing.assert_close(centre[:, k:], wp[:, k:])
    assert (G2.truncation_layers, G1.truncation_layers) == (G2.num_layers, 8)


def test_the_mean_w_is_a_buffer_outside_the_official_keys():
    G = Generator(StyleGAN2Config(resolution=16, w_dim=16, n_mlp=2, channel_base=256, channel_max=32))
    assert "w_avg" not in G.state_dict() and torch.isnan(G.w_avg).all()
    wp = G.map_to_wp(G.sample_z(1, torch.Generator().manual_seed(1)))
    first = G.truncate(wp, 0.5)
    torch.testing.assert_close(G.w_avg, G.mean_w())  # estimated once, then kept
    assert torch.equal(G.truncate(wp, 0.5), first)
    assert any(b is G.w_avg for b in G.buffers())  # so .to(device) moves it with the weights
