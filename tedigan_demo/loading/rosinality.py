"""rosinality's StyleGAN2 (``stylegan2-ffhq-config-f.pt``: ``g_ema`` + ``latent_avg``; also the ``decoder.*`` of a
pSp / e4e checkpoint, or a bare state dict) -> ``models.stylegan2.Generator``, strictly."""

from __future__ import annotations

import re
from pathlib import Path

import torch

from ..models.stylegan2 import Generator, StyleGAN2Config
from .errors import LoadError, load_strict
from .formats import detect_format

__all__ = ["load_rosinality", "config_from_rosinality"]


def config_from_rosinality(sd: dict[str, torch.Tensor]) -> StyleGAN2Config:
    """Infer the generator's constructor arguments from a rosinality state dict's shapes."""
    try:
        w_dim = sd["style.1.weight"].shape[1]
        n_mlp = sum(1 for k in sd if re.fullmatch(r"style\.\d+\.weight", k))
        n_blocks = sum(1 for k in sd if re.fullmatch(r"to_rgbs\.\d+\.bias", k))
        channels = {4: sd["input.input"].shape[1]}
        for j in range(n_blocks):
            channels[2 ** (j + 3)] = sd[f"to_rgbs.{j}.conv.weight"].shape[2]
    except KeyError as e:
        raise LoadError(f"not a rosinality StyleGAN2 state dict: key {e} is missing") from None
    resolution = 2 ** (n_blocks + 2)
    cmax = max(channels.values())
    base = channels[resolution] * resolution
    cfg = StyleGAN2Config(resolution=resolution, w_dim=w_dim, n_mlp=n_mlp, channel_base=base, channel_max=cmax)
    if any(cfg.channels(r) != c for r, c in channels.items()):
        raise LoadError(f"unsupported channel layout {channels}")
    return cfg


def load_rosinality(path: Path, obj: dict, device: str | torch.device = "cpu") -> tuple[Generator, dict]:
    """The generator of a rosinality, pSp or bare-state-dict checkpoint ``obj`` and extras (``format``,
    ``latent_avg``)."""
    fmt = detect_format(obj)
    extras: dict = {"format": fmt}
    if fmt == "rosinality":
        sd = obj["g_ema"]
        if "latent_avg" in obj:
            extras["latent_avg"] = obj["latent_avg"]
    elif fmt == "psp":
        sd = {k.removeprefix("decoder."): v for k, v in obj["state_dict"].items() if k.startswith("decoder.")}
        if "latent_avg" in obj:
            extras["latent_avg"] = obj["latent_avg"]
    else:
        sd = obj
    G = Generator(config_from_rosinality(sd))
    load_strict(G, sd, source=path.name)
    return G.to(device).eval(), extras
