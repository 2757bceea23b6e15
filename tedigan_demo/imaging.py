"""Image pre- and post-processing: files / PIL images / arrays <-> model tensors in [-1, 1], with clear errors."""

from __future__ import annotations

import io
import warnings
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageOps, UnidentifiedImageError

from .errors import first_line

__all__ = ["ImageError", "NoFaceError", "to_uint8", "save_images", "read_image", "check_image_file", "to_model_input",
           "centre_square", "detail_beyond", "align_face", "sketch_to_tensor", "MAX_PIXELS", "MIN_SIDE"]

MAX_PIXELS = 25_000_000  # larger images are refused from their header, before any pixel is decoded
MIN_SIDE = 16  # smaller images carry no face to speak of
MAX_DECODE_SIDE = 2048  # large JPEGs are decoded at a reduced scale (JPEG's draft mode) down to about this side
# PIL refuses to open an image of more than twice this many pixels (DecompressionBombError): everything in the
# process that opens images, a web framework's upload handling included, then stops at MAX_PIXELS.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS // 2


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


def check_image_file(path: str | Path) -> tuple[int, int]:
    """The size of an image file, read from its header alone; ``ImageError`` names what is wrong (not an image,
    too large, too small) before anything is decoded."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as img:
                size = img.size
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageError(f"the image is too large (the limit is {MAX_PIXELS // 1_000_000} megapixels)") from None
    except FileNotFoundError:
        raise ImageError("the uploaded file is gone; upload it again") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise ImageError("this file is not an image this app can read (PNG, JPEG, WebP, BMP, GIF, TIFF)") from None
    if size[0] * size[1] > MAX_PIXELS:
        raise ImageError(f"the image is {size[0]}x{size[1]} pixels; the limit is {MAX_PIXELS // 1_000_000} "
                         "megapixels")
    if min(size) < MIN_SIDE:
        raise ImageError(f"the image is only {size[0]}x{size[1]} pixels; at least {MIN_SIDE} px per side is needed")
    return size


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
                if img.format == "JPEG" and max(img.size) > MAX_DECODE_SIDE:
                    img.draft("RGB", (MAX_DECODE_SIDE, MAX_DECODE_SIDE))  # decode at 1/2, 1/4 or 1/8 scale
                img.load()
        except ImageError:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise ImageError(f"the image is too large to decode safely (limit {MAX_PIXELS // 1_000_000} "
                             "megapixels)") from None
        except FileNotFoundError:
            raise ImageError(f"no such image file: {source}") from None
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as e:
            raise ImageError(f"cannot read the image: {first_line(e, sentence=False)}") \
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
    arr = np.asarray(centre_square(read_image(source), resolution), dtype=np.float32) / 127.5 - 1
    return torch.from_numpy(arr).permute(2, 0, 1).unsqueeze(0)


def centre_square(img: Image.Image, size: int) -> Image.Image:
    """``img``'s centre square at ``size`` px (area resampling down, bicubic up)."""
    side = min(img.size)
    left, top = (img.width - side) // 2, (img.height - side) // 2
    return img.crop((left, top, left + side, top + side)).resize(
        (size, size), Image.Resampling.BOX if side >= size else Image.Resampling.BICUBIC)


def detail_beyond(img: Image.Image, resolution: int) -> float:
    """How much of ``img``'s centre square (seen at up to 256 px) is detail finer than ``resolution`` px: the RMS
    difference (on the [-1, 1] scale) between it and its ``resolution`` px copy enlarged back, by the closest of
    four resamplings. 0 for an image of at most ``resolution`` px or one enlarged from it; a photo's fine texture
    gives 0.07 and more."""
    side = min(256, *img.size)
    if side <= resolution:
        return 0.0
    square = centre_square(img.convert("RGB"), side)
    small = square.resize((resolution, resolution), Image.Resampling.BOX)
    target = np.asarray(square, dtype=np.float32)
    methods = (Image.Resampling.NEAREST, Image.Resampling.BILINEAR, Image.Resampling.BICUBIC, Image.Resampling.LANCZOS)
    return min(float(np.sqrt(((np.asarray(small.resize((side, side), m), dtype=np.float32) - target) ** 2).mean()))
               for m in methods) / 127.5


# ----------------------------------------------------------------------------------------------------------------
# Face alignment: dlib's 68 landmarks -> the FFHQ crop (Karras et al. 2019, the FFHQ dataset's alignment rule)


class NoFaceError(ImageError):
    """No human face was found in a photo."""


def _dlib_models():
    """dlib's HOG face detector and the 68-point shape predictor of ``face-recognition-models`` (located without
    importing that package, whose ``__init__`` needs ``pkg_resources``)."""
    global _DLIB
    if _DLIB is None:
        import importlib.util

        try:
            import dlib
        except ImportError:
            raise ImageError("face alignment needs dlib (pip install dlib-bin face-recognition-models)") from None
        spec = importlib.util.find_spec("face_recognition_models")
        if spec is None or spec.origin is None:
            raise ImageError("face alignment needs the 68-landmark model (pip install face-recognition-models)")
        model = Path(spec.origin).parent / "models" / "shape_predictor_68_face_landmarks.dat"
        _DLIB = (dlib.get_frontal_face_detector(), dlib.shape_predictor(str(model)))
    return _DLIB


_DLIB = None


def face_landmarks(img: Image.Image) -> np.ndarray | None:
    """68 landmarks ``[68, 2]`` (x, y) of the largest face, or None. Detection runs on a copy at most 1024 px."""
    detector, predictor = _dlib_models()
    scale = min(1.0, 1024 / max(img.size))
    small = img if scale == 1.0 else img.resize((round(img.width * scale), round(img.height * scale)))
    arr = np.asarray(small.convert("RGB"))
    faces = detector(arr, 1)
    if len(faces) == 0:
        return None
    face = max(faces, key=lambda r: r.width() * r.height())
    shape = predictor(arr, face)
    return np.array([[p.x, p.y] for p in shape.parts()], dtype=np.float64) / scale


def ffhq_quad(lm: np.ndarray) -> np.ndarray:
    """The oriented crop square (4 corners) of the FFHQ alignment, from 68 landmarks."""
    eye_left, eye_right = lm[36:42].mean(0), lm[42:48].mean(0)
    eye_avg, eye_to_eye = (eye_left + eye_right) / 2, eye_right - eye_left
    mouth_avg = (lm[48] + lm[54]) / 2
    eye_to_mouth = mouth_avg - eye_avg
    x = eye_to_eye - np.flipud(eye_to_mouth) * [-1, 1]
    x /= np.hypot(*x)
    x *= max(np.hypot(*eye_to_eye) * 2.0, np.hypot(*eye_to_mouth) * 1.8)
    y = np.flipud(x) * [-1, 1]
    c = eye_avg + eye_to_mouth * 0.1
    return np.stack([c - x - y, c - x + y, c + x + y, c + x - y])


def align_face(source, size: int = 256) -> tuple[Image.Image, np.ndarray]:
    """Detect the largest face and return its FFHQ-aligned square crop (``size`` px) and the crop quad.
    Raises ``NoFaceError`` when there is none. Out-of-image parts are filled by reflection, as FFHQ does."""
    img = read_image(source)
    lm = face_landmarks(img)
    if lm is None:
        raise NoFaceError("no face found in the photo: use a clear, frontal photo of one person (or mark the "
                          "image as already aligned)")
    quad = ffhq_quad(lm)
    pad = int(np.ceil(max(0, -quad.min(), *(quad.max(0) - [img.width, img.height])))) + 4
    if pad > 4:
        arr = np.pad(np.asarray(img), ((pad, pad), (pad, pad), (0, 0)), mode="reflect")
        img, quad = Image.fromarray(arr), quad + pad
    side = np.hypot(*(quad[3] - quad[0]))
    if side > 2 * size:  # shrink first so the bilinear quad transform does not alias
        factor = side / (2 * size)
        img = img.resize((round(img.width / factor), round(img.height / factor)), Image.Resampling.BOX)
        quad = quad / factor
    aligned = img.transform((size, size), Image.Transform.QUAD, (quad + 0.5).flatten().tolist(),
                            Image.Resampling.BILINEAR)
    return aligned, quad


# ----------------------------------------------------------------------------------------------------------------
# Sketches as people make them: black strokes on a white canvas, or a photo of a pencil drawing


def sketch_to_tensor(source, resolution: int) -> torch.Tensor:
    """Any sketch image -> ``[1, 1, R, R]`` in [0, 1] with white paper = 1 and black lines = 0.

    Transparent canvases are put on white; contrast is stretched between the 2nd and 98th percentiles (photos of
    pencil drawings are grey on grey); white-on-black drawings are inverted; the centre square is resized with
    area averaging. A blank canvas raises ``ImageError``.
    """
    img = read_image(source).convert("L")
    side = min(img.size)
    left, top = (img.width - side) // 2, (img.height - side) // 2
    arr = np.asarray(img.crop((left, top, left + side, top + side)), dtype=np.float32) / 255.0
    lo, hi = np.percentile(arr, 2), np.percentile(arr, 98)
    if hi - lo < 0.05:
        raise ImageError("the sketch is blank: draw the face's outlines (dark strokes on a light background)")
    arr = np.clip((arr - lo) / (hi - lo), 0, 1)
    if arr.mean() < 0.5:  # light strokes on a dark background
        arr = 1 - arr
    img = Image.fromarray((arr * 255).astype(np.uint8)).resize((resolution, resolution), Image.Resampling.BOX
                                                                 if side >= resolution else Image.Resampling.BICUBIC)
    return torch.from_numpy(np.asarray(img, dtype=np.float32) / 255.0)[None, None]
