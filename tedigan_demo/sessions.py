"""Edit sessions: what an edit keeps per visitor (``EditSession``), and a store that keeps them on disk, keyed to a
visitor, so that a server restart loses no one's W+ codes.

Each kept session is one ``.npz`` file of plain arrays (read back through ``npyfile.read_npz``: no pickles, headers
checked), written aside and renamed into place.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .npyfile import read_npz

__all__ = ["EditSession", "SessionStore"]


@dataclass(frozen=True)
class EditSession:
    """What an edit keeps per visitor (the page's state): the content code, the text's style code, a global
    direction's settings and the attribute sliders' amounts. Frozen: each task returns a new one."""

    content: np.ndarray  # [1, L, D] float32
    style: np.ndarray | None = None  # [1, L, D]
    direction: dict | None = None  # a global-direction edit (``Edit.direction``): re-rendered from the content
    attributes: dict = field(default_factory=dict)  # attribute slider -> amount, added to both codes


class SessionStore:
    """Sessions as files in ``folder``, one per key (a page's session hash, hashed again for the file name)."""

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)

    def _path(self, key: str) -> Path:
        return self.folder / f"{hashlib.sha256(key.encode()).hexdigest()[:32]}.npz"

    def save(self, key: str | None, session: EditSession | None) -> None:
        """Keep ``session`` (None: forget it) under ``key``; no key, nothing kept."""
        if not key:
            return
        path = self._path(key)
        if session is None:
            path.unlink(missing_ok=True)
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        arrays = {"content": session.content}
        if session.style is not None:
            arrays["style"] = session.style
        if session.direction is not None:
            arrays["direction"] = np.frombuffer(json.dumps(session.direction).encode(), dtype=np.uint8)
        if session.attributes:
            arrays["attributes"] = np.frombuffer(json.dumps(session.attributes).encode(), dtype=np.uint8)
        fd, staging = tempfile.mkstemp(dir=self.folder, suffix=".part")
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **arrays)
        os.replace(staging, path)

    def load(self, key: str | None) -> EditSession | None:
        """The session kept under ``key``, or None (never kept, pruned, or unreadable)."""
        if not key:
            return None
        try:
            z = read_npz(self._path(key))  # every member's header checked before anything is allocated
            direction = json.loads(bytes(z["direction"]).decode()) if "direction" in z else None
            attributes = json.loads(bytes(z["attributes"]).decode()) if "attributes" in z else {}
            if not isinstance(attributes, dict):
                return None
            return EditSession(z["content"], z["style"] if "style" in z else None, direction,
                               {str(k): float(v) for k, v in attributes.items()})
        except (OSError, ValueError, KeyError, UnicodeDecodeError, TypeError):
            return None
