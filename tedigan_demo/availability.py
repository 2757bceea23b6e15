"""The app's side of getting a zoo family: its download with a progress report, and which family it starts with.

    state = family_state("ffhq-1024")       # here / download (with its size) / unavailable (with the reason)
    download_family("ffhq-1024", report)    # every Hub file the family lacks into the Hub cache, resumably

Whether a family is here, can be downloaded or is unavailable is decided in ``loading.availability`` (re-exported
here); this module only turns its downloads into ``report(done, total, what)`` calls, for a page or a terminal.
Downloads go through ``hf_hub_download`` (resumable: a retry continues an interrupted file); nothing is loaded here.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable

from .loading import LoadError
from .loading.availability import FamilyState, family_state, fetch_missing, hub_offline

__all__ = ["FamilyState", "family_state", "download_family", "hub_offline", "default_family", "print_progress",
           "Report"]

Report = Callable[[int, int, str], None]  # (bytes done, bytes in all, what is downloading)


class _Bar:
    """Makes ``tqdm_class``es for ``hf_hub_download`` that add the bytes of one file to a running total shared by
    the whole download (``state``: ``{"done", "total"}``) and pass it to ``report`` with ``what``."""

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
    totals = {"done": 0, "total": state.download_bytes}
    progress = (lambda path: _Bar(report, totals, f"{name}: {path.split('/')[-1]}")) if report else None
    try:
        fetch_missing(name, progress)
    except LoadError as e:
        raise LoadError(f"{e}; choose it again to resume") from None
    return family_state(name, timeout)


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
