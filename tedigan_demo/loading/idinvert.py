"""IDInvert's files (``styleganinv_ffhq256_generator.pth``, ``styleganinv_ffhq256_encoder.pth``, ``vgg16.pth``:
raw state dicts) -> the project's StyleGAN (v1) generator, encoder and VGG16, strictly."""

from __future__ import annotations

import re
from pathlib import Path

import torch

from ..models.stylegan1 import StyleGAN1Config, StyleGAN1Generator
from .errors import LoadError, load_strict
from .formats import detect_format, read_official

__all__ = ["load_idinvert_generator", "load_official_network", "config_from_idinvert"]


def config_from_idinvert(sd: dict[str, torch.Tensor]) -> StyleGAN1Config:
    """Infer the IDInvert StyleGAN generator's settings from its state dict's shapes."""
    num_layers = sum(1 for k in sd if re.fullmatch(r"synthesis\.layer\d+\.epilogue\.bias", k))
    num_mapping = sum(1 for k in sd if re.fullmatch(r"mapping\.dense\d+\.fc\.weight", k))
    w_dim = sd["mapping.dense0.fc.weight"].shape[1]
    resolution = 2 ** (num_layers // 2 + 1)
    fused = [2 ** (i // 2 + 2) for i in range(2, num_layers, 2) if f"synthesis.layer{i}.weight" in sd]
    channels = {2 ** (i // 2 + 2): sd[f"synthesis.layer{i}.epilogue.bias"].shape[0] for i in range(num_layers)}
    cmax = max(channels.values())
    cfg = StyleGAN1Config(resolution=resolution, w_dim=w_dim, num_mapping_layers=num_mapping,
                          fmaps_base=channels[resolution] * resolution, fmaps_max=cmax,
                          fused_min_resolution=min(fused) if fused else resolution * 2)
    if any(cfg.channels(r) != c for r, c in channels.items()):
        raise LoadError(f"unsupported channel layout {channels}")
    return cfg


def load_idinvert_generator(path: Path, obj: dict, device: str | torch.device = "cpu") -> StyleGAN1Generator:
    """IDInvert's StyleGAN generator from its state dict ``obj``."""
    # The official loader overwrites 'truncation.truncation' with the freshly built module's value.
    try:
        G1 = StyleGAN1Generator(config_from_idinvert(obj))
    except KeyError as e:
        raise LoadError(f"not an IDInvert StyleGAN state dict: key {e} is missing") from None
    state = dict(obj)
    state["truncation.truncation"] = G1.truncation.truncation
    lod = state.get("synthesis.lod")
    if isinstance(lod, torch.Tensor) and lod.numel() == 1 and float(lod) != 0.0:
        raise LoadError(f"{path.name}: level of detail {float(lod):g} is not supported (a finished model has 0)")
    load_strict(G1, state, source=path.name)
    return G1.to(device).eval()


def load_official_network(path: str | Path, device: str | torch.device = "cpu", obj: dict | None = None
                          ) -> tuple[torch.nn.Module, str]:
    """Load IDInvert's encoder (``styleganinv_ffhq256_encoder.pth``) or its VGG16 (``vgg16.pth``) strictly
    (``obj``: the file's contents when already read)."""
    from ..models.idinvert import IDInvertEncoder, IDInvertEncoderConfig, VGG16Perceptual

    path = Path(path)
    obj = read_official(path) if obj is None else obj
    fmt = detect_format(obj)
    if fmt == "idinvert-encoder":
        last = max(int(m.group(1)) for k in obj if (m := re.fullmatch(r"block(\d+)\.fc\.weight", str(k))))
        out_dim, in_dim = obj[f"block{last}.fc.weight"].shape
        cfg = IDInvertEncoderConfig(resolution=2 ** (last + 1), num_layers=out_dim // 512, w_dim=512,
                                    channels_base=obj["block0.conv.weight"].shape[0], channels_max=in_dim // 16)
        model = IDInvertEncoder(cfg)
        # BatchNorm's step counters are unused in eval mode, and files may lack them (PyTorch's own loader
        # tolerates that): fill them in rather than fail the strict check.
        state = dict(obj)
        for k, v in model.state_dict().items():
            if k.endswith("num_batches_tracked"):
                state.setdefault(k, v)
    elif fmt == "vgg16":
        model, state = VGG16Perceptual(), obj
    else:
        raise LoadError(f"{path.name} is a {fmt} checkpoint, not an encoder or a VGG16 network")
    load_strict(model, state, source=path.name)
    return model.to(device).eval(), fmt
