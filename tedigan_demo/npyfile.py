"""Numpy array files (``.npy``, and ``.npz`` archives of them) read without trusting them: each array's header
(shape, dtype) is checked against the bytes the file really holds, and against a cap, before anything is
allocated, so a small file whose header promises 10^8 codes is refused in one line instead of reaching numpy's
allocator; Python objects (pickles) are refused unread. Every ``.npy`` / ``.npz`` the project reads comes through
here: W+ codes (``codes``), kept sessions (``sessions``), StyleCLIP's fs3 (``loading.styleclip``), encoder inputs
(``encoding``).
"""

from __future__ import annotations

import math
import os
import zipfile
import zlib
from pathlib import Path
from typing import BinaryIO

import numpy as np
from numpy.lib import format as npy_format

from .errors import InputError, first_line

__all__ = ["ArrayFileError", "MAX_BYTES", "read_npy", "read_npz"]

MAX_BYTES = 256 * 2**20  # the most one file's arrays may hold (the largest the project reads, fs3, is 12 MiB)


class ArrayFileError(InputError, ValueError):
    """A numpy array file that is refused or cannot be read; ``str`` is one line that names the file."""


def read_npy(path: str | Path, max_bytes: int = MAX_BYTES) -> np.ndarray:
    """The array of a ``.npy`` file, its header checked first (``ArrayFileError``); ``OSError`` where the file
    cannot be opened."""
    path = Path(path)
    with open(path, "rb") as f:
        return _read_array(f, path.name, os.fstat(f.fileno()).st_size, max_bytes)


def read_npz(path: str | Path, max_bytes: int = MAX_BYTES) -> dict[str, np.ndarray]:
    """Name -> array of every member of an ``.npz`` archive (``numpy.savez``): the members' unpacked sizes together
    checked against ``max_bytes`` before any is read, each member's header against its unpacked size before it is
    read; ``ArrayFileError`` for anything else in the archive, ``OSError`` where the file cannot be opened."""
    path = Path(path)
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, EOFError, ValueError) as e:
        raise ArrayFileError(f"{path.name} is not an .npz archive: {first_line(e, sentence=False)}") from None
    with archive:
        members = archive.infolist()
        total = sum(m.file_size for m in members)
        if total > max_bytes:
            raise ArrayFileError(f"{path.name} unpacks to {_size(total)}, more than the {_size(max_bytes)} read here")
        arrays = {}
        for m in members:
            name = f"{path.name}: {m.filename}"
            if not m.filename.endswith(".npy"):
                raise ArrayFileError(f"{name} is not a .npy array (an .npz holds only those)")
            try:
                with archive.open(m) as member:
                    arrays[m.filename[:-4]] = _read_array(member, name, m.file_size, max_bytes)
            except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError) as e:
                raise ArrayFileError(f"{name} is damaged: {first_line(e, sentence=False)}") from None
    return arrays


def _read_array(f: BinaryIO, name: str, size: int, max_bytes: int) -> np.ndarray:
    """The array in ``f`` (at its start; ``size`` bytes in all), read only after ``_checked_header`` passes."""
    _checked_header(f, name, size, max_bytes)
    f.seek(0)
    try:
        return npy_format.read_array(f, allow_pickle=False)
    except ValueError as e:
        raise ArrayFileError(f"{name} is a damaged or truncated .npy file: {first_line(e, sentence=False)}") from None


def _checked_header(f: BinaryIO, name: str, size: int, max_bytes: int) -> tuple[tuple[int, ...], np.dtype]:
    """``(shape, dtype)`` from the header at ``f``'s start, with ``f`` left after it; ``ArrayFileError`` where it
    is not a .npy header, declares Python objects, or promises more values than the ``size`` bytes of the file
    hold after it or than ``max_bytes``."""
    try:
        version = npy_format.read_magic(f)
    except ValueError:
        raise ArrayFileError(f"{name} is not a numpy array file (save one with numpy.save)") from None
    readers = {(1, 0): npy_format.read_array_header_1_0, (2, 0): npy_format.read_array_header_2_0}
    if version not in readers:
        raise ArrayFileError(f"{name} is a .npy file of version {version[0]}.{version[1]}, not read here")
    try:
        shape, _, dtype = readers[version](f)
    except ValueError as e:
        raise ArrayFileError(f"{name} is a damaged or truncated .npy file: {first_line(e, sentence=False)}") from None
    if dtype.hasobject:
        raise ArrayFileError(f"{name} holds Python objects, not numbers; it is refused unread")
    if any(n < 0 for n in shape):
        raise ArrayFileError(f"{name} is a damaged .npy file: its header gives the shape {list(shape)}")
    need = math.prod(shape) * dtype.itemsize
    held = size - f.tell()
    promise = f"its header promises {' x '.join(map(str, shape)) or '1'} {dtype.name} values ({_size(need)})"
    if need > held:
        raise ArrayFileError(f"{name} is a damaged or truncated .npy file: {promise} but the file holds "
                             f"{size:,} bytes")
    if need > max_bytes:
        raise ArrayFileError(f"{name}: {promise}, more than the {_size(max_bytes)} read here")
    return shape, dtype


def _size(n: int) -> str:
    """A byte count for people: ``1,024 bytes`` up to 1 KiB, else in binary units with one decimal."""
    if n < 1024:
        return f"{n:,} bytes"
    units = ("KiB", "MiB", "GiB", "TiB", "PiB", "EiB")
    power = min((int(n).bit_length() - 1) // 10, len(units))
    return f"{n / 1024**power:,.1f} {units[power - 1]}"
