"""Which zoo families this machine can run now, which it can download, and the download itself.

    state = family_state("ffhq-1024")       # here / download (with its size) / unavailable (with the reason)
    download_family("ffhq-1024", report)    # every Hub file of the family into the Hub cache, resumably

A family is *here* when every required part resolves without the network; it can be *downloaded* when each missing
part has a Hub copy that answers; otherwise it is *unavailable*, and the reason says what to do. Downloads go
through ``hf_hub_download`` (resumable: a retry continues an interrupted file); nothing is loaded here.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass

from huggingface_hub import constants as hf_constants
from huggingface_hub import errors as hf_errors
from huggingface_hub import get_hf_file_metadata, hf_hub_url

from .loading import (
    HubRef,
    LoadError,
    family_status,
    first_line,
    hub_download,
    missing_optional_parts,
    missing_parts,
    repo_and_type,
)
from .zoo import CLIP_FILES, REQUIRED_PARTS, Component, family

__all__ = ["FamilyState", "family_state", "download_family", "hub_offline", "default_family", "print_progress"]

Report = Callable[[int, int, str], None]  # (bytes done, bytes in all, what is downloading)


@dataclass(frozen=True)
class FamilyState:
    name: str
    state: str  # "here", "download" or "unavailable"
    detail: str = ""  # for "unavailable": why, in one line; for "download": what will download
    download_bytes: int = 0

    @property
    def label(self) -> str:
        """The family as the selector shows it."""
        if self.state == "here":
            return self.name
        if self.state == "download":
            return f"{self.name} (download {self.download_bytes / 1e9:.1f} GB)"
        return f"{self.name} (unavailable)"


def hub_offline() -> bool:
    return bool(hf_constants.HF_HUB_OFFLINE) or os.environ.get("HF_HUB_OFFLINE", "0").upper() in ("1", "ON", "YES")


def _endpoint() -> str | None:
    return os.environ.get("HF_ENDPOINT") or None


def _choices(comp: Component, part: str) -> list[list[tuple[str, str, str]]]:
    """The Hub files of one part, each as its alternatives ``(repo_id, filename, revision)`` in order: for CLIP one
    entry per file (``CLIP_FILES``), for the other parts one entry listing the part's Hub copies."""
    if part == "clip":
        return [[(comp.repo_id, f, comp.revision) for f in names] for names in CLIP_FILES]
    return [comp.hub_sources()]


def _required(part: str, index: int) -> bool:
    return part != "clip" or index < 2  # CLIP: config and weights; the tokenizer files a copy may lack


def _size(repo_id: str, filename: str, revision: str, timeout: float) -> int:
    repo_id, repo_type = repo_and_type(repo_id)
    meta = get_hf_file_metadata(hf_hub_url(repo_id, filename, repo_type=repo_type, revision=revision,
                                           endpoint=_endpoint()), timeout=timeout)
    return int(meta.size or 0)


_GONE_ERRORS = (hf_errors.RepositoryNotFoundError, hf_errors.RevisionNotFoundError, hf_errors.EntryNotFoundError)


def _probe(comp: Component, part: str, timeout: float) -> int:
    """Bytes to download for one part, from the first copy of each file that answers."""
    total = 0
    for index, alternatives in enumerate(_choices(comp, part)):
        for repo_id, filename, revision in alternatives:
            try:
                total += _size(repo_id, filename, revision, timeout)
                break
            except _GONE_ERRORS:
                continue
        else:
            if _required(part, index):
                names = " / ".join(f"{r}/{f}" for r, f, _ in alternatives)
                raise LoadError(f"no Hub copy of the {part} answers (tried {names})")
    return total


def family_state(name: str, timeout: float = 5.0) -> FamilyState:
    """Whether the zoo family ``name`` runs here now, can be downloaded (the Hub is asked for the sizes, with
    ``timeout`` seconds per file), or is unavailable, and why."""
    missing = missing_parts(name)  # each required part resolved once, without the network
    if not missing:
        return FamilyState(name, "here")
    fam = family(name)
    if any(not fam.components[p].hub_sources() for p in missing):  # published outside the Hub only
        return FamilyState(name, "unavailable", family_status(name))
    if hub_offline():
        return FamilyState(name, "unavailable", f"not on this machine and the Hub is offline (HF_HUB_OFFLINE=1): "
                                                f"needs {', '.join(missing)}")
    total = 0
    try:
        for part in missing:
            total += _probe(fam.components[part], part, timeout)
    except LoadError as e:
        return FamilyState(name, "unavailable", str(e))
    except Exception as e:  # the Hub client raises many types for a network that is down; one line is enough
        return FamilyState(name, "unavailable", f"not on this machine and the Hub cannot be reached "
                                                f"({first_line(e)})")
    optional = []
    for part in missing_optional_parts(name):
        try:
            total += _probe(fam.components[part], part, timeout)
            optional.append(part)
        except Exception:  # an optional part the Hub does not answer for: the family works without it
            continue
    what = ", ".join(missing + [f"{p} (optional)" for p in optional])
    return FamilyState(name, "download", f"downloads {what}", total)


class _Bar:
    """A tqdm stand-in for ``hf_hub_download``'s ``tqdm_class``: forwards the bytes to ``report``."""

    def __init__(self, report: Report, state: dict, what: str):
        self.report, self.state, self.what = report, state, what

    def __call__(self, *args, **kwargs):
        bar = self

        class Bar:
            def __init__(self, *a, total=None, initial=0, **k):
                self.n = initial
                bar.state["done"] += initial

            def update(self, n=1):
                self.n += n
                bar.state["done"] += n
                bar.report(bar.state["done"], bar.state["total"], bar.what)

            def __enter__(self):
                return self

            def __exit__(self, *exc):
                return False

            def close(self):
                pass

            def set_description(self, *a, **k):
                pass

        return Bar(*args, **kwargs)


def download_family(name: str, report: Report | None = None, timeout: float = 10.0) -> FamilyState:
    """Download every Hub file the zoo family ``name`` still lacks (its optional Hub parts too) into the Hub cache.
    ``report(done, total, what)`` gets the bytes as they arrive (None: a terminal progress bar). A failure raises
    ``LoadError`` with one line; a retry resumes the files that were cut short. Returns the family's new state."""
    state = family_state(name, timeout)
    if state.state == "here":
        return state
    if state.state == "unavailable":
        raise LoadError(f"{name} is not available: {state.detail}")
    fam = family(name)
    parts = missing_parts(name) + missing_optional_parts(name)
    progress = {"done": 0, "total": state.download_bytes}
    for part in parts:
        for index, alternatives in enumerate(_choices(fam.components[part], part)):
            try:
                _download_first(alternatives, report, progress, name)
            except LoadError as e:
                if part in REQUIRED_PARTS and _required(part, index):
                    raise LoadError(f"downloading {name} failed ({part}): {e}; choose it again to resume") from None
    return family_state(name, timeout)


def _download_first(alternatives, report: Report | None, progress: dict, name: str) -> None:
    """Download the first of ``alternatives`` that exists; a copy that is gone passes to the next."""
    for k, (repo_id, filename, revision) in enumerate(alternatives):
        bar = _Bar(report, progress, f"{name}: {filename.split('/')[-1]}") if report else None
        try:
            hub_download(HubRef(repo_id, filename, revision), filename, tqdm_class=bar)
            return
        except LoadError as e:
            if not str(e).startswith("not found:") or k == len(alternatives) - 1:
                raise


def print_progress(stream=None) -> Report:
    """A ``Report`` that shows a download on a terminal (one line redrawn) or in a log (a line per tenth)."""
    stream = stream or sys.stderr
    tty = hasattr(stream, "isatty") and stream.isatty()
    last = {"tenth": -1}

    def report(done: int, total: int, what: str) -> None:
        share = done / total if total else 1.0
        tenth = int(share * 10)
        if tty:
            bar = "#" * int(share * 30)
            stream.write(f"\rdownloading {what}: [{bar:<30}] {share:4.0%} of {total / 1e9:.2f} GB")
            if done >= total:
                stream.write("\n")
        elif tenth > last["tenth"]:
            last["tenth"] = tenth
            stream.write(f"downloading {what}: {share:.0%} of {total / 1e9:.2f} GB\n")
        stream.flush()

    return report


def default_family() -> str:
    """``$TEDIGAN_FAMILY``; else the real-face family where a GPU and the Hub are there (a GPU Space), else the
    embedded one."""
    from .zoo import DEFAULT_FAMILY, REAL_FACE_FAMILY

    chosen = os.environ.get("TEDIGAN_FAMILY")
    if chosen:
        return chosen
    import torch

    gpu = torch.cuda.is_available() or os.environ.get("SPACES_ZERO_GPU", "").lower() in ("1", "true")
    if gpu and not hub_offline() and family_state(REAL_FACE_FAMILY).state != "unavailable":
        return REAL_FACE_FAMILY
    return DEFAULT_FAMILY

