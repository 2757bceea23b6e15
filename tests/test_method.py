import pytest
import torch

from tedigan_demo.method.control import MAX_STRENGTH, layer_mask, mix
from tedigan_demo.method.inversion import InversionWeights, optimize_wp
from tedigan_demo.models.stylegan2 import layer_groups


def test_layer_mask_named_groups_and_ranges():
    groups = layer_groups(10, 64)
    m = layer_mask(10, groups, {"coarse": 1.0, "fine": 0.5})
    assert m.tolist() == [1, 1, 1, 0, 0, 0, 0, 0.5, 0.5, 0.5]
    assert layer_mask(10, groups, {"2-4": 1, "9": 0.25}).tolist() == [0, 0, 1, 1, 1, 0, 0, 0, 0, 0.25]
    with pytest.raises(ValueError, match="unknown layer group"):
        layer_mask(10, groups, {"ultra": 1})
    with pytest.raises(ValueError, match="outside 0-9"):
        layer_mask(10, groups, {"8-12": 1})
    for bad in (-0.1, MAX_STRENGTH + 0.1, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="runs from 0 to 2"):
            layer_mask(10, groups, {"coarse": bad})


def test_strength_above_one_extrapolates_the_style_offset():
    content, style = torch.zeros(1, 10, 4), torch.full((1, 10, 4), 0.5)
    out = mix(content, style, layer_mask(10, layer_groups(10, 64), {"coarse": MAX_STRENGTH, "fine": 1.0}))
    assert out[:, :3].eq(1.0).all() and out[:, 3:7].eq(0).all() and out[:, 7:].eq(0.5).all()


def test_mix_takes_style_only_in_masked_layers():
    content, style = torch.zeros(2, 10, 4), torch.ones(2, 10, 4)
    out = mix(content, style, layer_mask(10, layer_groups(10, 64), {"middle": 1.0, "fine": 0.5}))
    assert out[:, :3].eq(0).all() and out[:, 3:7].eq(1).all() and out[:, 7:].eq(0.5).all()
    with pytest.raises(ValueError):
        mix(content, torch.ones(2, 9, 4), torch.ones(10))


def test_optimize_wp_reduces_the_loss_and_reports_progress(tiny_generator):
    G = tiny_generator.requires_grad_(False)
    g = torch.Generator().manual_seed(0)
    wp_true = G.broadcast(G.mapping(G.sample_z(2, g)))
    with torch.no_grad():
        target = G.synthesize(wp_true)
    wp0 = wp_true + 0.5 * torch.randn(wp_true.shape, generator=g)
    seen = []
    synth = lambda w: G.synthesize(w)  # noqa: E731
    with torch.no_grad():
        before = (G.synthesize(wp0) - target).pow(2).mean()
    wp, losses = optimize_wp(synth, target, wp0, InversionWeights(steps=60, lr=0.05, encoder=0),
                             progress=lambda s, n, l: seen.append((s, n, l["total"])))
    after = (G.synthesize(wp) - target).pow(2).mean()
    assert after < 0.5 * before and len(seen) == 60 and seen[-1][0] == 60
    # same inputs, same result; the progress callback can stop early
    wp2, _ = optimize_wp(synth, target, wp0, InversionWeights(steps=60, lr=0.05, encoder=0))
    assert torch.equal(wp, wp2)
    calls = []
    optimize_wp(synth, target, wp0, InversionWeights(steps=60), progress=lambda s, n, l: calls.append(s) or s >= 5)
    assert calls == [1, 2, 3, 4, 5]
