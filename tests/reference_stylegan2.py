"""An independent, literal StyleGAN2 forward pass written from
tests/compat/psp_stylegan2_1024_generator.json (a copy of the team's ../shared/compat).

It takes a rosinality state dict and follows the official formulation step by step: per-sample (fused) modulated
weights in a grouped convolution, transposed grouped convolution for upsampling, explicit zero insertion for the
toRGB skip upsampling. The package's generator uses a different but equivalent formulation (input modulation and
output demodulation), so agreement of the two is evidence that both render the same image.
"""

import math

import torch
import torch.nn.functional as F


def _fir(x, kernel_1d, up, pad0, pad1, gain):
    k = torch.tensor(kernel_1d, dtype=torch.float32)
    k = torch.outer(k, k)
    k = k / k.sum() * gain
    n, c, h, w = x.shape
    if up == 2:
        z = x.new_zeros(n, c, h * 2, w * 2)
        z[:, :, ::2, ::2] = x
        x = z
    x = F.pad(x, [pad0, pad1, pad0, pad1])
    return F.conv2d(x, torch.flip(k, [0, 1]).expand(c, 1, 4, 4), groups=c)


def _lrelu(x, bias):
    return F.leaky_relu(x + bias.view(1, -1, 1, 1), 0.2) * math.sqrt(2)


def _modconv(sd, prefix, x, w, demodulate=True, up=False):
    weight = sd[prefix + ".weight"]  # [1, out, in, k, k]
    _, out_ch, in_ch, k, _ = weight.shape
    mod_w, mod_b = sd[prefix + ".modulation.weight"], sd[prefix + ".modulation.bias"]
    style = F.linear(w, mod_w / math.sqrt(mod_w.shape[1]), mod_b)  # bias lr_mul 1
    n = x.shape[0]
    wt = weight / math.sqrt(in_ch * k * k) * style.view(n, 1, in_ch, 1, 1)
    if demodulate:
        wt = wt * torch.rsqrt(wt.pow(2).sum([2, 3, 4]) + 1e-8).view(n, out_ch, 1, 1, 1)
    h, wd = x.shape[2:]
    xin = x.reshape(1, n * in_ch, h, wd)
    if up:
        wt = wt.transpose(1, 2).reshape(n * in_ch, out_ch, k, k)
        out = F.conv_transpose2d(xin, wt, stride=2, padding=0, groups=n)
        out = out.view(n, out_ch, *out.shape[2:])
        return _fir(out, [1, 3, 3, 1], 1, 1, 1, gain=4)
    out = F.conv2d(xin, wt.reshape(n * out_ch, in_ch, k, k), padding=k // 2, groups=n)
    return out.view(n, out_ch, h, wd)


def _styled(sd, prefix, x, w, noise, up=False):
    out = _modconv(sd, prefix + ".conv", x, w, up=up)
    out = out + sd[prefix + ".noise.weight"] * noise
    return _lrelu(out, sd[prefix + ".activate.bias"])


def reference_mapping(sd, z, lr_mul=0.01):
    x = z * torch.rsqrt(z.pow(2).mean(1, keepdim=True) + 1e-8)
    i = 1
    while f"style.{i}.weight" in sd:
        wgt, b = sd[f"style.{i}.weight"], sd[f"style.{i}.bias"]
        x = F.leaky_relu(F.linear(x, wgt * lr_mul / math.sqrt(wgt.shape[1])) + b * lr_mul, 0.2) * math.sqrt(2)
        i += 1
    return x


def reference_synthesis(sd, wp):
    """Render ``wp [N, L, D]`` with the stored noise buffers (randomize_noise=False)."""
    n = wp.shape[0]
    x = sd["input.input"].repeat(n, 1, 1, 1)
    x = _styled(sd, "conv1", x, wp[:, 0], sd["noises.noise_0"])
    skip = _modconv(sd, "to_rgb1.conv", x, wp[:, 1], demodulate=False) + sd["to_rgb1.bias"]
    j = 0
    while f"to_rgbs.{j}.bias" in sd:
        x = _styled(sd, f"convs.{2 * j}", x, wp[:, 2 * j + 1], sd[f"noises.noise_{2 * j + 1}"], up=True)
        x = _styled(sd, f"convs.{2 * j + 1}", x, wp[:, 2 * j + 2], sd[f"noises.noise_{2 * j + 2}"])
        rgb = _modconv(sd, f"to_rgbs.{j}.conv", x, wp[:, 2 * j + 3], demodulate=False) + sd[f"to_rgbs.{j}.bias"]
        skip = rgb + _fir(skip, [1, 3, 3, 1], 2, 2, 1, gain=4)
        j += 1
    return skip
