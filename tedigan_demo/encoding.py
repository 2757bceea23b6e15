"""An encoder's W+ codes for one input, exactly as its official forward computes them (``python -m tedigan_demo
encode``).

Inputs go through the transform the encoder was trained with (``pipeline.inputs``, the app's too): for pSp / e4e
files the official one (``official_input``), for the project's own encoders the family's. A ``.npy`` array is
taken as the encoder's input as it is.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from PIL import Image

from .imaging import ImageError, align_face, read_image
from .loading import LoadError, first_line, load_encoder
from .npyfile import read_npy
from .pipeline.inputs import PSP_SIZE, in_channels, label_tensor, official_input, photo_tensor, sketch_tensor

__all__ = ["KINDS", "encode", "encoder_input"]

KINDS = ("image", "sketch", "label")
_PLURAL = {"image": "images", "sketch": "sketches", "label": "label maps"}


def _is_official_psp(encoder) -> bool:
    return type(encoder).__name__ == "PSPEncoder"


def _open(path: Path) -> Image.Image:
    try:
        img = Image.open(path)
        img.load()
    except (OSError, Image.DecompressionBombError, ValueError) as e:
        raise ImageError(f"{path.name} is not a readable image: {first_line(e, sentence=False)}") from None
    return img


def encoder_input(source: str | Path, encoder, kind: str, align: bool = True) -> torch.Tensor:
    """The encoder's input ``[1, C, H, W]`` from an image file (transformed as the encoder was trained) or a
    ``.npy`` array already in that form."""
    if kind not in KINDS:
        raise ValueError(f"--kind must be one of {', '.join(KINDS)}, not {kind!r}")
    channels = in_channels(encoder)
    expected = {"image": 3, "sketch": 1}.get(kind, channels)
    if channels != expected or (kind == "label" and channels in (1, 3)):
        raise ValueError(f"this encoder reads {channels}-channel inputs, not {_PLURAL[kind]}")
    path = Path(source)
    if path.suffix.lower() == ".npy":
        try:
            arr = read_npy(path)  # its header checked against the file's size; ``ArrayFileError`` says what is wrong
        except OSError as e:
            raise ValueError(f"cannot read {path.name} as a .npy array: {first_line(e, sentence=False)}") from None
        if arr.ndim != 4 or arr.shape[0] != 1 or arr.shape[1] != channels:
            raise ValueError(f"{path.name} has shape {list(arr.shape)}; this encoder takes [1, {channels}, H, W]")
        if arr.dtype != np.float32 or not np.isfinite(arr).all():
            raise ValueError(f"{path.name} must hold finite float32 values (dtype {arr.dtype})")
        return torch.from_numpy(arr)
    if not path.is_file():
        raise ValueError(f"input file not found: {path}")
    if kind == "image" and align:
        img, _ = align_face(read_image(path), size=PSP_SIZE)
    elif _is_official_psp(encoder):  # the official scripts' own reading: PIL open, then convert
        img = _open(path)
    else:
        img = read_image(path) if kind != "label" else _open(path)
    if _is_official_psp(encoder):
        return official_input(img, kind, channels)
    if kind == "image":
        return photo_tensor(img, encoder.config.resolution, align=False)  # aligned above where asked
    return sketch_tensor(encoder, img) if kind == "sketch" else label_tensor(encoder, img)


@torch.inference_mode()
def encode(encoder_src: str, source: str | Path, kind: str, align: bool = True,
           device: str | torch.device = "cpu") -> np.ndarray:
    """W+ codes ``[1, L, D]`` float32 of one input under the encoder ``encoder_src`` (anything ``load_encoder``
    takes), ``latent_avg`` included where the official forward adds it."""
    encoder = load_encoder(encoder_src, device)
    x = encoder_input(source, encoder, kind, align).to(device)
    try:
        return encoder(x).float().cpu().numpy()
    except (RuntimeError, ValueError) as e:
        raise LoadError(f"the encoder could not read this input: {first_line(e, sentence=False)}") from None
