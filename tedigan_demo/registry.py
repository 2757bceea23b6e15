"""The families a server offers: which one is the default, what state each is in, and their loaded ``Demo``s.

    families = FamilyRegistry.start(out_dir)   # $TEDIGAN_FAMILY (downloaded first when it must be), loaded
    demo = families.demo_for("ffhq-1024", report)  # downloaded and loaded once, on first use

Each family is downloaded and loaded under its own lock, so other families keep serving meanwhile. No web
framework and no page words here: the app turns ``UserError`` into its messages and says what the states mean
(``app_words``).
"""

from __future__ import annotations

import os
import threading
from dataclasses import replace
from pathlib import Path

from .availability import Report, default_family, download_family, print_progress
from .demo import Demo, UserError
from .errors import first_line, user_message
from .loading.availability import FamilyState, family_state
from .zoo import FAMILIES

__all__ = ["FamilyRegistry", "text_steps_from_env"]


def text_steps_from_env() -> int | None:
    """``$TEDIGAN_TEXT_STEPS``: CLIP-guided steps per text on the official families (default: theirs, 50)."""
    value = os.environ.get("TEDIGAN_TEXT_STEPS", "")
    return int(value) if value.isdigit() else None


class FamilyRegistry:
    def __init__(self, default: Demo, default_name: str, out_dir: str | Path, text_steps: int | None = None):
        self.default = default_name
        self.out_dir, self.text_steps = Path(out_dir), text_steps
        self.demos: dict[str, Demo] = {default_name: default}
        # every zoo family, with what this machine can do with it: run it, download it (size), or why not
        self.states = {default_name: FamilyState(default_name, "here")} | {
            name: family_state(name) for name in FAMILIES if name != default_name}
        self._locks = {name: threading.Lock() for name in self.states}

    @classmethod
    def start(cls, out_dir: str | Path, family: str | None = None, report: Report | None = None) -> FamilyRegistry:
        """Load the default family (``family``, else ``$TEDIGAN_FAMILY``, else the real-face family on a GPU with
        the Hub, else the embedded one), downloading it first with ``report`` (default: a terminal progress bar)."""
        name = family or default_family()
        if name in FAMILIES and family_state(name).state == "download":
            download_family(name, report or print_progress())
        steps = text_steps_from_env()
        return cls(Demo.load(name, out_dir=out_dir, text_steps=steps), name, out_dir, steps)

    def demo_for(self, family: str | None, report: Report | None = None) -> Demo:
        """The loaded ``Demo`` of a family (downloaded and loaded on first use; ``report(done, total, what)`` hears
        the download); ``UserError`` when it cannot be had."""
        family = family or self.default
        if family in self.demos:
            return self.demos[family]
        state = self.states.get(family)
        if state is None:
            raise UserError(f"unknown model family {family!r}; the selector lists them")
        if state.state == "unavailable":
            raise UserError(f"model family {family} is not available here: {state.detail}")
        with self._locks[family]:
            if family not in self.demos:
                try:
                    if state.state == "download":
                        self.states[family] = download_family(family, report)
                    self.demos[family] = Demo.load(family, out_dir=self.out_dir, text_steps=self.text_steps)
                except Exception as e:  # a broken file too: say so, keep serving the others
                    raise UserError(user_message(e) or f"could not load {family}: {first_line(e, sentence=False)}") \
                        from None
                self.states[family] = replace(self.states[family], state="here", detail="")
        return self.demos[family]

    def choices(self) -> list[tuple[str, str]]:
        """The selector's entries: (label with the family's state, family name)."""
        return [(self.states[name].label if name != self.default else name, name) for name in self.states]
