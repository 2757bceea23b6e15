"""W+ code files: anything that is not a .npy of finite floats of the right shape gets one clear line."""

import io
import pickle

import numpy as np
import pytest
from conftest import lying_npy
from PIL import Image

from tedigan_demo.codes import CodesError, read_codes


def _png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buf, "PNG")
    return buf.getvalue()


def _npz() -> bytes:
    buf = io.BytesIO()
    np.savez(buf, wp=np.zeros((1, 6, 16), np.float32))
    return buf.getvalue()


def _pickled_npy() -> bytes:
    buf = io.BytesIO()
    np.save(buf, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    return buf.getvalue()


def _truncated_npy() -> bytes:
    buf = io.BytesIO()
    np.save(buf, np.zeros((1, 6, 16), np.float32))
    return buf.getvalue()[:200]


@pytest.mark.parametrize("content, message", [
    (_png(), "is a PNG image, not a .npy array"),
    (_npz(), "is a zip archive (an .npz?), not a .npy array"),
    (pickle.dumps({"wp": 1}), "is a Python pickle, not a .npy array"),
    (b"hello", "cannot read codes.npy: not a .npy array"),
    (_pickled_npy(), "holds Python objects, not numbers"),
    (_truncated_npy(), "damaged or truncated"),
])
def test_files_that_are_not_codes(tmp_path, content, message):
    path = tmp_path / "codes.npy"
    path.write_bytes(content)
    with pytest.raises(CodesError) as err:
        read_codes(path, 6, 16)
    assert message in str(err.value) and len(str(err.value).splitlines()) == 1
    assert "allow_pickle" not in str(err.value)


def test_good_codes_and_bad_values(tmp_path):
    np.save(tmp_path / "a.npy", np.ones((6, 16), np.float64))
    assert read_codes(tmp_path / "a.npy", 6, 16).shape == (1, 6, 16)
    assert read_codes(tmp_path / "a.npy", 6, 16).dtype == np.float32
    np.save(tmp_path / "b.npy", np.full((1, 6, 16), np.inf, np.float32))
    with pytest.raises(CodesError, match="finite"):
        read_codes(tmp_path / "b.npy", 6, 16)
    with pytest.raises(CodesError, match="no such file"):
        read_codes(tmp_path / "missing.npy", 6, 16)


def test_a_header_that_promises_too_much_is_refused_before_anything_is_allocated(tmp_path):
    (tmp_path / "codes.npy").write_bytes(lying_npy((10**8, 18, 512)))  # 1 KiB promising 3.4 TiB
    with pytest.raises(CodesError) as err:
        read_codes(tmp_path / "codes.npy", 18, 512)
    assert str(err.value) == ("codes.npy is a damaged or truncated .npy file: its header promises 100000000 x 18 x "
                              "512 float32 values (3.4 TiB) but the file holds 1,024 bytes")
