"""Names of where weights can be: the repository root, the weights folder, and Hub references. Nothing here looks
for a file or asks the network; ``availability`` does (downloads go into the standard Hub cache, honouring
``HF_HUB_OFFLINE`` and ``HF_ENDPOINT``)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from .errors import LoadError

__all__ = ["REPO_ROOT", "HubRef", "weights_dir", "repo_and_type"]

REPO_ROOT = Path(__file__).resolve().parent.parent.parent


@dataclass(frozen=True)
class HubRef:
    """A file (or a folder, when ``filename`` is None or names a subfolder) in a Hub repository."""

    repo_id: str
    filename: str | None = None
    revision: str = "main"

    @classmethod
    def parse(cls, text: str) -> HubRef:
        """Parse ``hf://owner/repo[/path][@revision]``."""
        body = text.removeprefix("hf://")
        body, _, revision = body.partition("@")
        parts = body.strip("/").split("/")
        if len(parts) < 2 or not all(parts[:2]):
            raise LoadError(f"bad Hub reference {text!r}: expected hf://owner/repo[/file][@revision]")
        return cls("/".join(parts[:2]), "/".join(parts[2:]) or None, revision or "main")

    def __str__(self) -> str:
        return f"hf://{self.repo_id}{'/' + self.filename if self.filename else ''}@{self.revision}"


def repo_and_type(repo_id: str) -> tuple[str, str]:
    """``"spaces/owner/name"`` -> ``("owner/name", "space")``; a model repository's id -> ``(repo_id, "model")``.
    The zoo names a file in a Space's repository with that prefix, as the Hub's own URLs do."""
    if repo_id.startswith("spaces/"):
        return repo_id.removeprefix("spaces/"), "space"
    return repo_id, "model"


def weights_dir() -> Path:
    """The folder where official files published outside the Hub are looked up (``$TEDIGAN_WEIGHTS``)."""
    return Path(os.environ.get("TEDIGAN_WEIGHTS") or REPO_ROOT / "weights").expanduser()
