"""StyleSpace in the StyleGAN2 generator and StyleCLIP's global directions (method.global_directions), each formula
against an independent numpy implementation of the official global_torch code written here."""

import numpy as np
import pytest
import torch

from tedigan_demo.method.global_directions import (
    IMAGENET_TEMPLATES,
    apply_boundary,
    channel_boundary,
    check_fs3,
    style_statistics,
    text_direction,
)
from tedigan_demo.models.stylegan2 import Generator, StyleGAN2Config

TINY = dict(resolution=32, w_dim=16, n_mlp=2, channel_base=256, channel_max=16)


def _tiny(seed=0) -> Generator:
    torch.manual_seed(seed)
    G = Generator(StyleGAN2Config(**TINY)).eval()
    with torch.no_grad():
        for p in G.parameters():
            p.normal_(0, 0.5)
    return G


def test_config_f_style_layout_matches_the_official_one():
    with torch.device("meta"):
        G = Generator(StyleGAN2Config())
    layers = G.style_layers()
    assert len(layers) == 26
    rgb = G.is_rgb_style()
    conv = [layer.in_ch for layer, r in zip(layers, rgb) if not r]
    assert conv == [512] + [512] * 8 + [512, 256, 256, 128, 128, 64, 64, 32]
    assert sum(conv) == 6048
    assert sum(layer.in_ch for layer, r in zip(layers, rgb) if r) == 3040
    # indices of the conv entries among the 26, as fs3's rows run
    assert [i for i, r in enumerate(rgb) if not r] == [0, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18, 20, 21, 23, 24]
    assert G.style_wp_indices()[:8] == [0, 1, 1, 2, 3, 3, 4, 5]


def test_unchanged_styles_render_what_wp_renders_and_one_channel_changes_it():
    G = _tiny()
    wp = torch.randn(2, G.num_layers, G.w_dim, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        styles = G.styles(wp)
        assert torch.equal(G.synthesize_styles(styles), G.synthesize(wp))
        moved = [s.clone() for s in styles]
        moved[3][:, 0] += 1.0
        assert not torch.equal(G.synthesize_styles(moved), G.synthesize(wp))
        # each style is its layer's affine of its own W+ entry
        torch.testing.assert_close(styles[4], G.to_rgbs[0].conv.modulation(wp[:, 3]))


def test_stopping_at_a_resolution_equals_the_smaller_generator():
    G = _tiny()
    small = Generator(StyleGAN2Config(**{**TINY, "resolution": 16})).eval()
    state = {k: v for k, v in G.state_dict().items() if k in small.state_dict()}
    small.load_state_dict(state)
    wp = torch.randn(2, G.num_layers, G.w_dim, generator=torch.Generator().manual_seed(2))
    with torch.no_grad():
        part = G.synthesize(wp, resolution=16)
        assert part.shape[-1] == 16
        torch.testing.assert_close(part, small.synthesize(wp[:, :small.num_layers]))


# ---- the official formulas, written independently (numpy, as global_torch does them) --------------------------

def _ref_embedding(encode, text):
    e = encode([t.format(text) for t in IMAGENET_TEMPLATES]).numpy().astype(np.float64)
    e /= np.linalg.norm(e, axis=-1, keepdims=True)
    m = e.mean(0)
    return m / np.linalg.norm(m)


def _ref_boundary(fs3, dt, beta, std_per_layer, names):
    tmp = fs3 @ dt
    imp = tmp.copy()
    select = np.abs(tmp) < beta
    imp[select] = 0
    imp /= np.abs(imp).max()
    out, start = [], 0
    for sd, name in zip(std_per_layer, names):
        if "RGB" in name:
            out.append(np.zeros(len(sd)))
        else:
            out.append(imp[start:start + len(sd)] * sd)
            start += len(sd)
    return out, int((~select).sum())


class _TinyTextEncoder:
    """A stand-in for CLIP's text tower: hashed words through a fixed random projection."""

    def __init__(self, dim=12):
        self.table = torch.randn(997, dim, generator=torch.Generator().manual_seed(0))

    def __call__(self, texts):
        rows = [sum(self.table[hash(w) % 997] for w in t.split()) for t in texts]
        return torch.stack(rows)


def test_templates_are_the_official_79():
    assert len(IMAGENET_TEMPLATES) == 79 and len(set(IMAGENET_TEMPLATES)) == 79
    assert "a photo of many {}." not in IMAGENET_TEMPLATES
    assert all(t.count("{}") == 1 for t in IMAGENET_TEMPLATES)


def test_text_direction_matches_the_official_formula():
    enc = _TinyTextEncoder()
    dt = text_direction(enc, "face", "smiling face").numpy()
    ref = _ref_embedding(enc, "smiling face") - _ref_embedding(enc, "face")
    np.testing.assert_allclose(dt, ref / np.linalg.norm(ref), atol=1e-5)
    with pytest.raises(ValueError, match="read the same"):
        text_direction(enc, "face", "face")


def test_boundary_and_edit_match_the_official_formulas():
    G = _tiny()
    layers, rgb = G.style_layers(), G.is_rgb_style()
    names = [f"{i}_{'ToRGB' if r else 'Conv'}" for i, r in enumerate(rgb)]
    conv_channels = sum(layer.in_ch for layer, r in zip(layers, rgb) if not r)
    rng = np.random.RandomState(0)
    fs3 = check_fs3(rng.randn(conv_channels, 12).astype(np.float32) * 0.1, conv_channels, 12)
    dt = torch.from_numpy(rng.randn(12)).float()
    dt = dt / dt.norm()
    std = tuple(torch.from_numpy(rng.rand(layer.in_ch)).float() for layer in layers)
    b = channel_boundary(fs3, dt, 0.1, std, rgb)
    ref, kept = _ref_boundary(fs3.numpy().astype(np.float64), dt.numpy().astype(np.float64), 0.1,
                              [s.numpy() for s in std], names)
    assert b.channels == kept and 0 < kept < conv_channels
    for ours, theirs in zip(b.change, ref):
        np.testing.assert_allclose(ours.numpy(), theirs, atol=1e-5)
    wp = torch.randn(1, G.num_layers, G.w_dim, generator=torch.Generator().manual_seed(3))
    with torch.no_grad():
        styles = G.styles(wp)
    strengths = [0.0 if i < 2 else 1.0 for i in range(len(styles))]
    edited = apply_boundary(styles, b, 3.0, strengths)
    for i, (s, e, c) in enumerate(zip(styles, edited, ref)):
        np.testing.assert_allclose(e.numpy(), s.numpy() + 3.0 * strengths[i] * c, atol=1e-5)
    with pytest.raises(ValueError, match="no style channel"):
        channel_boundary(fs3, dt, 1e9, std, rgb)


def test_fs3_of_the_wrong_shape_is_one_clear_line():
    with pytest.raises(ValueError, match=r"fs3 has shape \[10, 3\]"):
        check_fs3(np.zeros((10, 3)), 6048, 512)


def test_style_statistics_follow_the_official_recipe():
    G = _tiny()
    stats = style_statistics(G, n=500, batch=128)
    z = torch.from_numpy(np.random.RandomState(5).randn(500, G.w_dim)).float()
    with torch.no_grad():
        wp = G.broadcast(G.mapping(z))
        w_avg = G.w_avg.view(1, 1, -1)
        wp[:, :8] = w_avg + 0.7 * (wp[:, :8] - w_avg)
        styles = [s.numpy().astype(np.float64) for s in G.styles(wp)]
    for m, s, ref in zip(stats.mean, stats.std, styles):
        np.testing.assert_allclose(m.numpy(), ref.mean(0), rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(s.numpy(), ref.std(0), rtol=1e-3, atol=1e-5)
