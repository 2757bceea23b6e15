"""W+ codes on disk: ``.npy`` files of ``[N, L, D]`` (or ``[L, D]``) float arrays, read with clear words for
anything else (an archive, an image or a pickle renamed ``.npy``, the wrong shape, NaN)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .errors import first_line
from .npyfile import ArrayFileError, read_npy

__all__ = ["CodesError", "read_codes"]

_NPY_MAGIC = b"\x93NUMPY"
_OTHER_FORMATS = {b"PK\x03\x04": "a zip archive (an .npz?)", b"\x89PNG": "a PNG image",
                  b"\xff\xd8\xff": "a JPEG image", b"GIF8": "a GIF image", b"\x80": "a Python pickle"}


class CodesError(ValueError):
    """A file that is not usable W+ codes; ``str`` is one line for the UI and the command line."""


def read_codes(path: str | Path, num_layers: int, w_dim: int) -> np.ndarray:
    """Codes ``[N, num_layers, w_dim]`` float32 from a ``.npy`` file; ``CodesError`` says what is wrong."""
    path = Path(path)
    try:
        with open(path, "rb") as f:
            head = f.read(8)
    except FileNotFoundError:
        raise CodesError(f"no such file: {path}") from None
    except OSError as e:
        raise CodesError(f"cannot open {path.name}: {e.strerror or e}") from None
    if not head.startswith(_NPY_MAGIC):
        what = next((name for magic, name in _OTHER_FORMATS.items() if head.startswith(magic)), None)
        if what is None:
            raise CodesError(f"cannot read {path.name}: not a .npy array of W+ codes (save one with numpy.save)")
        raise CodesError(f"{path.name} is {what}, not a .npy array of W+ codes (save one with numpy.save)")
    try:
        arr = read_npy(path)  # its header checked against the file's size before anything is allocated
    except ArrayFileError as e:
        raise CodesError(str(e)) from None
    except OSError as e:
        raise CodesError(f"{path.name} is a damaged or truncated .npy file: {first_line(e, sentence=False)}") from None
    if arr.ndim == 2:
        arr = arr[None]
    if arr.ndim != 3 or arr.shape[1:] != (num_layers, w_dim) or arr.shape[0] < 1:
        raise CodesError(f"{path.name} has shape {list(arr.shape)}; this model takes W+ codes [N, {num_layers}, "
                         f"{w_dim}] or [{num_layers}, {w_dim}]")
    if not np.issubdtype(arr.dtype, np.floating) or not np.isfinite(arr).all():
        raise CodesError(f"{path.name} must hold finite floating-point values (dtype {arr.dtype})")
    return arr.astype(np.float32)
