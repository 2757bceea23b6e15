"""Image pre- and post-processing: files / PIL images / arrays <-> model tensors in [-1, 1], with clear errors."""

from __future__ import annotations

import io
import warnings
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageOps, UnidentifiedImageError

__all__ = ["ImageError", "to_uint8", "save_images", "read_image", "to_model_input", "MAX_PIXELS", "MIN_SIDE"]

MAX_PIXELS = 40_000_000  # larger images are refused (decompression bombs included)
MIN_SIDE = 16  # smaller images carry no face to speak of


class ImageError(ValueError):
    """An input image that cannot be used; the message is one line for the UI and the command line."""


def to_uint8(images: torch.Tensor) -> np.ndarray:
    """``[N, 3, H, W]`` in [-1, 1] -> ``[N, H, W, 3]`` uint8 (round half up, clipped)."""
    x = ((images.detach().float().cpu() + 1) * 127.5 + 0.5).clamp(0, 255).to(torch.uint8)
    return x.permute(0, 2, 3, 1).numpy()


def save_images(images: torch.Tensor, out: str | Path) -> list[str]:
    """Write one PNG per image: ``out`` itself for a single image, ``stem-000.png``... for several."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    arrays = to_uint8(images)
    paths = [out] if len(arrays) == 1 else [out.with_name(f"{out.stem}-{i:03d}{out.suffix}") for i in
                                             range(len(arrays))]
    for arr, path in zip(arrays, paths):
        Image.fromarray(arr).save(path)
    return [str(p) for p in paths]


def read_image(source) -> Image.Image:
    """Open a path, bytes, PIL image or array as an RGB PIL image: first frame of animations, EXIF rotation
    applied, alpha composited on white, CMYK / 16-bit / palette / grey converted. Raises ``ImageError``."""
    if isinstance(source, Image.Image):
        img = source
    elif isinstance(source, np.ndarray):
        arr = source
        if arr.ndim == 2:
            arr = np.stack([arr] * 3, -1)
        if arr.ndim != 3 or arr.shape[-1] not in (1, 3, 4):
            raise ImageError(f"an image array must be HxW, HxWx3 or HxWx4, got shape {list(arr.shape)}")
        if arr.dtype != np.uint8:
            scale = 255.0 if arr.dtype.kind == "f" and arr.max() <= 1.0 else 255.0 / max(float(arr.max()), 1.0)
            arr = np.clip(arr.astype(np.float64) * scale, 0, 255).astype(np.uint8)
        img = Image.fromarray(arr if arr.shape[-1] != 1 else arr[..., 0])
    else:
        data = source if isinstance(source, bytes) else None
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                img = Image.open(io.BytesIO(data) if data is not None else Path(source))
                if img.width * img.height > MAX_PIXELS:
                    raise ImageError(f"the image is {img.width}x{img.height} pixels; the limit is "
                                     f"{MAX_PIXELS // 1_000_000} megapixels")
                img.seek(0)
                img.load()
        except ImageError:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise ImageError(f"the image is too large to decode safely (limit {MAX_PIXELS // 1_000_000} "
                             "megapixels)") from None
        except FileNotFoundError:
            raise ImageError(f"no such image file: {source}") from None
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as e:
            raise ImageError(f"cannot read the image: {str(e).splitlines()[0] if str(e) else 'unknown format'}") \
                from None
    if img.width * img.height > MAX_PIXELS:
        raise ImageError(f"the image is {img.width}x{img.height} pixels; the limit is {MAX_PIXELS // 1_000_000} "
                         "megapixels")
    if min(img.size) < MIN_SIDE:
        raise ImageError(f"the image is only {img.width}x{img.height} pixels; at least {MIN_SIDE} px per side "
                         "is needed")
    try:
        img = ImageOps.exif_transpose(img)
    except Exception:  # broken EXIF must not lose the picture
        pass
    if img.mode in ("I;16", "I;16B", "I;16L", "I"):
        arr = np.asarray(img, dtype=np.float64)
        img = Image.fromarray((arr / max(arr.max(), 1.0) * 255).astype(np.uint8))
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        img = Image.alpha_composite(white, rgba)
    return img.convert("RGB")


def to_model_input(source, resolution: int) -> torch.Tensor:
    """Any image -> ``[1, 3, R, R]`` in [-1, 1]: centre square crop, then area resampling to ``resolution``.
    A tensor already in model form is passed through (resized if needed)."""
    if isinstance(source, torch.Tensor):
        x = source if source.ndim == 4 else source.unsqueeze(0)
        if x.shape[1] != 3:
            raise ImageError(f"an image tensor must be [N, 3, H, W], got {list(x.shape)}")
        if x.shape[-1] != resolution or x.shape[-2] != resolution:
            x = torch.nn.functional.interpolate(x, size=(resolution, resolution), mode="area")
        return x.float()
    img = read_image(source)
    side = min(img.size)
    left, top = (img.width - side) // 2, (img.height - side) // 2
    img = img.crop((left, top, left + side, top + side)).resize((resolution, resolution), Image.Resampling.BOX
                                                                if side >= resolution else Image.Resampling.BICUBIC)
    arr = np.asarray(img, dtype=np.float32) / 127.5 - 1
    return torch.from_numpy(arr).permute(2, 0, 1).unsqueeze(0)
