"""pSp and e4e checkpoints (``state_dict`` with ``encoder.*`` / ``decoder.*``, ``opts``, ``latent_avg``) -> the
project's ``PSPEncoder``, strictly; the ``decoder.*`` part loads as a generator through ``rosinality``."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import torch

from .errors import LoadError, load_strict
from .official import detect_format, read_official

__all__ = ["load_psp_encoder"]


def load_psp_encoder(path: str | Path, device: str | torch.device = "cpu", obj: dict | None = None
                     ) -> tuple[torch.nn.Module, dict]:
    """Load the ``encoder.*`` part and ``latent_avg`` of a pSp or e4e checkpoint strictly: (``PSPEncoder``, opts).

    The encoder computes ``heads(x) + latent_avg``, as pSp and e4e do with ``start_from_latent_avg``; the forward
    (pSp's or e4e's) follows ``opts['encoder_type']``. The ``decoder.*`` part loads with ``load_generator``.
    """
    from ..models.psp import ENCODER_TYPES, PSPEncoder, PSPEncoderConfig

    path = Path(path)
    obj = read_official(path) if obj is None else obj
    if detect_format(obj) != "psp":
        raise LoadError(f"{path.name} is not a pSp checkpoint (no 'state_dict' with 'decoder.*' keys)")
    state = {k: v for k, v in obj["state_dict"].items() if k.startswith("encoder.")}
    if "encoder.input_layer.0.weight" not in state:
        raise LoadError(f"{path.name} has no pSp encoder weights ('encoder.input_layer.0.weight' is missing)")
    latent_avg = obj.get("latent_avg")
    if not isinstance(latent_avg, torch.Tensor):
        raise LoadError(f"{path.name} has no 'latent_avg' tensor")
    n_styles = sum(1 for k in state if re.fullmatch(r"encoder\.styles\.\d+\.linear\.weight", k))
    input_nc = state["encoder.input_layer.0.weight"].shape[1]
    kind = {1: "sketch", 3: "image"}.get(input_nc, "label")
    opts = obj.get("opts")
    opts = opts if isinstance(opts, dict) else vars(opts) if isinstance(opts, argparse.Namespace) else {}
    # pSp and e4e files have the same keys and shapes; only the training options name the forward
    encoder_type = str(opts.get("encoder_type", "GradualStyleEncoder"))
    if encoder_type not in ENCODER_TYPES:
        raise LoadError(f"{path.name}: encoder_type {encoder_type!r} is not supported "
                        f"(only {', '.join(ENCODER_TYPES)})")
    encoder = PSPEncoder(PSPEncoderConfig(input_nc=input_nc, style_count=n_styles, input_kind=kind,
                                          encoder_type=encoder_type))
    try:
        state["latent_avg"] = latent_avg.float().reshape(-1, encoder.config.w_dim).expand(n_styles, -1)
    except RuntimeError:
        raise LoadError(f"{path.name}: latent_avg of shape {list(latent_avg.shape)} does not fit {n_styles} x "
                        f"{encoder.config.w_dim}") from None
    load_strict(encoder, state, source=f"{path.name} (encoder.*, latent_avg)")
    return encoder.to(device).eval(), opts
