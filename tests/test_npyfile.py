"""Numpy array files read without trusting their headers (``npyfile``): a header that promises more than the file
holds, or than the cap, is refused in one line before anything is allocated; Python objects are refused unread."""

import io
import zipfile

import numpy as np
import pytest
import torch
from conftest import lying_npy

from tedigan_demo.errors import InputError, user_message
from tedigan_demo.loading import LoadError
from tedigan_demo.loading.styleclip import read_fs3
from tedigan_demo.models.encoders import EncoderConfig, WPlusEncoder
from tedigan_demo.npyfile import ArrayFileError, read_npy, read_npz
from tedigan_demo.sessions import SessionStore

PROMISE = ("codes.npy is a damaged or truncated .npy file: its header promises 100000000 x 18 x 512 float32 values "
           "(3.4 TiB) but the file holds 1,024 bytes")


def _npz(**members: bytes) -> bytes:
    """An .npz archive of raw member files (name -> bytes), as ``numpy.savez`` lays one out."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buf.getvalue()


def _npy(array: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, array)
    return buf.getvalue()


def test_a_header_that_promises_more_than_the_file_holds_is_refused_in_one_line(tmp_path):
    path = tmp_path / "codes.npy"
    path.write_bytes(lying_npy((10**8, 18, 512)))
    assert path.stat().st_size == 1024
    with pytest.raises(ArrayFileError) as err:
        read_npy(path)
    assert str(err.value) == PROMISE
    assert isinstance(err.value, InputError) and user_message(err.value) == PROMISE


def test_valid_files_still_load(tmp_path):
    wp = np.random.default_rng(0).standard_normal((2, 6, 16)).astype(np.float32)
    np.save(tmp_path / "a.npy", wp)
    np.testing.assert_array_equal(read_npy(tmp_path / "a.npy"), wp)
    np.save(tmp_path / "f.npy", np.asfortranarray(wp[0]))  # Fortran order, and a big-endian dtype
    np.testing.assert_array_equal(read_npy(tmp_path / "f.npy"), wp[0])
    np.save(tmp_path / "b.npy", wp.astype(">f8"))
    np.testing.assert_array_equal(read_npy(tmp_path / "b.npy"), wp)
    np.savez_compressed(tmp_path / "z.npz", content=wp, text=np.frombuffer(b"{}", np.uint8))
    z = read_npz(tmp_path / "z.npz")
    assert set(z) == {"content", "text"} and bytes(z["text"]) == b"{}"
    np.testing.assert_array_equal(z["content"], wp)


def test_objects_caps_and_other_files_are_refused(tmp_path):
    np.save(tmp_path / "objects.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(ArrayFileError, match="objects.npy holds Python objects, not numbers; it is refused unread"):
        read_npy(tmp_path / "objects.npy")
    np.save(tmp_path / "big.npy", np.zeros((4, 1024), np.float32))  # 16 KiB, truly held
    with pytest.raises(ArrayFileError, match=r"promises 4 x 1024 float32 values \(16.0 KiB\), more than the 8.0 "
                                             r"KiB read here"):
        read_npy(tmp_path / "big.npy", max_bytes=8192)
    (tmp_path / "junk.npy").write_bytes(b"junk" * 10)
    with pytest.raises(ArrayFileError, match="junk.npy is not a numpy array file"):
        read_npy(tmp_path / "junk.npy")
    (tmp_path / "short.npy").write_bytes(lying_npy((3,), size=40))  # cut inside its header
    with pytest.raises(ArrayFileError, match="short.npy is a damaged or truncated .npy file"):
        read_npy(tmp_path / "short.npy")
    (tmp_path / "neg.npy").write_bytes(lying_npy((-2, 3)))
    with pytest.raises(ArrayFileError, match="neg.npy is a damaged"):
        read_npy(tmp_path / "neg.npy")


def test_every_member_of_an_npz_is_checked_before_it_is_read(tmp_path):
    cases = {
        "lie.npz": (_npz(**{"ok.npy": _npy(np.zeros(3)), "content.npy": lying_npy((10**8, 18, 512))}),
                    "lie.npz: content.npy is a damaged or truncated .npy file: its header promises 100000000 x 18 "
                    "x 512 float32 values (3.4 TiB) but the file holds 1,024 bytes"),
        "objects.npz": (_npz(**{"o.npy": _npy_objects()}), "objects.npz: o.npy holds Python objects"),
        "raw.npz": (_npz(**{"notes.txt": b"hello"}), "raw.npz: notes.txt is not a .npy array"),
        "plain.npz": (b"PK" + b"\0" * 100, "plain.npz is not an .npz archive"),
    }
    for name, (data, message) in cases.items():
        (tmp_path / name).write_bytes(data)
        with pytest.raises(ArrayFileError) as err:
            read_npz(tmp_path / name)
        assert str(err.value).startswith(message), str(err.value)
    np.savez(tmp_path / "big.npz", a=np.zeros(1024), b=np.zeros(1024))  # 16 KiB unpacked in all
    with pytest.raises(ArrayFileError, match="big.npz unpacks to 16.2 KiB, more than the 8.0 KiB read here"):
        read_npz(tmp_path / "big.npz", max_bytes=8192)


def _npy_objects() -> bytes:
    buf = io.BytesIO()
    np.save(buf, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    return buf.getvalue()


def test_sessions_fs3_and_encoder_inputs_read_through_the_checks(tmp_path):
    store = SessionStore(tmp_path / "sessions")
    store.folder.mkdir()
    store._path("visitor").write_bytes(_npz(**{"content.npy": lying_npy((10**8, 18, 512))}))
    assert store.load("visitor") is None  # unreadable: as if never kept
    (tmp_path / "fs3.npy").write_bytes(lying_npy((6048, 10**9)))
    with pytest.raises(LoadError, match="fs3.npy is a damaged or truncated .npy file: its header promises 6048 x "
                                        "1000000000 float32 values"):
        read_fs3(tmp_path / "fs3.npy")
    from tedigan_demo.encoding import encoder_input

    E = WPlusEncoder(EncoderConfig(resolution=32, num_layers=6, w_dim=16, widths=[8, 8, 8]))
    (tmp_path / "x.npy").write_bytes(lying_npy((1, 3, 10**5, 10**5)))
    with pytest.raises(ArrayFileError, match="x.npy is a damaged or truncated .npy file: its header promises 1 x 3 "
                                             "x 100000 x 100000 float32 values"):
        encoder_input(tmp_path / "x.npy", E, "image")
    np.save(tmp_path / "ok.npy", np.zeros((1, 3, 32, 32), np.float32))
    assert torch.equal(encoder_input(tmp_path / "ok.npy", E, "image"), torch.zeros(1, 3, 32, 32))
