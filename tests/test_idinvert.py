import pytest
import torch
import torch.nn.functional as F
from conftest import compat_state_dict

from tedigan_demo.loading import LoadError, load_official_network
from tedigan_demo.models.idinvert import IDInvertEncoder, IDInvertEncoderConfig, VGG16Perceptual


def test_encoder_file_loads_strictly_without_step_counters(tmp_path, compat_available):
    sd = compat_state_dict("styleganinv_ffhq256_encoder.json")
    sd = {k: (v.abs() + 0.5 if "running_var" in k else v) for k, v in sd.items() if "num_batches_tracked" not in k}
    torch.save(sd, tmp_path / "styleganinv_ffhq256_encoder.pth")
    E, fmt = load_official_network(tmp_path / "styleganinv_ffhq256_encoder.pth")
    assert fmt == "idinvert-encoder" and E.config == IDInvertEncoderConfig()
    with torch.no_grad():
        wp = E(torch.rand(2, 3, 256, 256) * 2 - 1)
    assert wp.shape == (2, 14, 512) and torch.isfinite(wp).all()
    del sd["block3.conv2.weight"]
    torch.save(sd, tmp_path / "broken.pth")
    with pytest.raises(LoadError, match=r"1 missing: block3\.conv2\.weight"):
        load_official_network(tmp_path / "broken.pth")


def test_encoder_blocks_follow_the_official_equations():
    E = IDInvertEncoder(IDInvertEncoderConfig(resolution=16, num_layers=2, w_dim=8, channels_base=4,
                                              channels_max=8)).eval()
    with torch.no_grad():
        for p in E.parameters():
            p.normal_()
    x = torch.randn(2, 3, 16, 16)
    with torch.no_grad():
        out = E(x)
        # by hand: block0 (conv, BN, lrelu) -> avgpool -> block1 (res with shortcut) -> avgpool -> block2 -> block3
        bn = lambda m, t: F.batch_norm(t, m.bn.running_mean, m.bn.running_var, m.bn.weight, m.bn.bias,  # noqa
                                       False, 0.1, 1e-5)
        h = F.leaky_relu(bn(E.block0.bn, F.conv2d(x, E.block0.conv.weight, padding=1)), 0.2)
        for i in (1, 2):
            b = getattr(E, f"block{i}")
            h = F.avg_pool2d(h, 2)
            y = F.leaky_relu(bn(b.bn, F.conv2d(h, b.conv.weight)), 0.2) if b.has_shortcut else h
            t = F.leaky_relu(bn(b.bn1, F.conv2d(h, b.conv1.weight, padding=1) + b.wscale1.bias.view(1, -1, 1, 1)), .2)
            t = F.leaky_relu(bn(b.bn2, F.conv2d(t, b.conv2.weight, padding=1) + b.wscale2.bias.view(1, -1, 1, 1)), .2)
            h = t + y
        last = E.block3
        flat = F.linear(h.flatten(1), last.fc.weight) / (h[0].numel() ** 0.5)
        ref = bn(last.bn, flat[:, :, None, None]).view(2, 2, 8)
    torch.testing.assert_close(out, ref, atol=1e-4, rtol=1e-4)


def test_vgg16_file_and_preprocessing(tmp_path, compat_available):
    torch.save(compat_state_dict("vgg16_perceptual.json"), tmp_path / "vgg16.pth")
    vgg, fmt = load_official_network(tmp_path / "vgg16.pth")
    assert fmt == "vgg16" and isinstance(vgg, VGG16Perceptual)
    x = torch.rand(1, 3, 32, 32) * 2 - 1
    with torch.no_grad():
        feat = vgg(x)
        # by hand: RGB [-1, 1] -> BGR [0, 255] - Caffe mean; convs with ReLU; max-pools at 4, 9, 16; stop before 23
        h = ((x + 1) * 255 / 2)[:, [2, 1, 0]] - torch.tensor([103.939, 116.779, 123.68]).view(1, 3, 1, 1)
        for idx in range(23):
            if idx in (4, 9, 16):
                h = F.max_pool2d(h, 2)
            elif hasattr(vgg, f"layer{idx}"):
                conv = getattr(vgg, f"layer{idx}")
                h = F.relu(F.conv2d(h, conv.weight, conv.bias, padding=1))
    assert feat.shape == (1, 512, 4, 4)
    torch.testing.assert_close(feat, h)
