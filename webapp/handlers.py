"""The app's event handlers: the methods of a ``Server``, which holds a server's families (``FamilyRegistry``) and
its visitors' edit sessions (``SessionStore``). Each turns widget values into a ``Demo`` call on the chosen family
and its result into what the widgets show (images as PNG files, captions and notes in ``words``), and a user's
mistake into a message in the page.

    server = Server(FamilyRegistry.start(OUTPUTS))   # nothing loads at import; the app builds its page over it
"""

from __future__ import annotations

import functools
import itertools
import json
import os
import tempfile
import time
from pathlib import Path

import gradio as gr
from PIL import Image

from tedigan_demo.demo import UserError
from tedigan_demo.errors import first_line
from tedigan_demo.pipeline import GROUP_NAMES
from tedigan_demo.registry import FamilyRegistry
from tedigan_demo.serving import prune_folder, publish_png
from tedigan_demo.sessions import EditSession, SessionStore

from .inputs import editor_image
from .words import (
    EDIT_EXAMPLES,
    direction_note,
    edit_note,
    fidelity_note,
    group_label,
    match_words,
    not_understood_note,
    reading_markdown,
    scope_note,
    strip_captions,
)

try:  # ZeroGPU on Hugging Face Spaces: a handler holds a GPU for at most `duration` seconds; a no-op elsewhere
    import spaces

    def gpu(duration: int):
        return spaces.GPU(duration=duration)
except ImportError:  # pragma: no cover - the package is optional

    def gpu(duration: int):
        return lambda fn: fn


__all__ = ["Server", "EditHandlers", "OUTPUTS", "OUTPUT_MAX_AGE_S", "STORAGE_CAP_BYTES", "PRUNE_EVERY_S"]

# Results are written under Gradio's served folder, named by content, each written aside and renamed into place,
# never rewritten while someone downloads it, and deleted an hour after its last use (``serving``).
OUTPUTS = Path(gr.utils.get_upload_folder()) / "tedigan"
OUTPUT_MAX_AGE_S = 3600
# Gradio's upload folder (people's photos) and the app's results together stay under this many bytes
STORAGE_CAP_BYTES = int(float(os.environ.get("TEDIGAN_STORAGE_MB", "2048")) * 2**20)
PRUNE_EVERY_S = 30
# The handlers that run the networks, with the seconds of GPU each may hold on ZeroGPU (``spaces.GPU``)
GPU_SECONDS = {"text_to_image": 120, "invert": 120, "apply_text": 90, "apply_direction": 30, "rerender": 10,
               "set_attribute": 10, "from_sketch": 60, "from_label": 60, "interpolate": 90, "style_mix": 90}


def published(value):
    """A handler's result with every PIL image in it written out as a PNG file (see ``OUTPUTS``)."""
    if isinstance(value, Image.Image):
        return publish_png(value, OUTPUTS)
    if isinstance(value, (list, tuple)):
        return type(value)(published(v) for v in value)
    return value


def guarded(fn):
    """Show the user's mistakes as a message in the UI (the server carries on); images go out as PNG files. Any
    other failure reaches the page as one line too (Gradio shows a bare "Error" for an exception that is not a
    ``gr.Error``); its traceback stays in the server's log."""

    @functools.wraps(fn)  # keeps the signature: Gradio looks for the progress and request parameters there
    def wrapper(*args, **kwargs):
        try:
            return published(fn(*args, **kwargs))
        except gr.Error:
            raise
        except UserError as e:
            raise gr.Error(str(e)) from None
        except Exception as e:
            raise gr.Error(f"the server failed at this step ({type(e).__name__}: {first_line(e)}); try again, and "
                           "report it if it happens again") from e

    return wrapper


def default_sessions() -> SessionStore:
    """Edit sessions under ``$TEDIGAN_SESSIONS`` (default: a folder in the temporary directory)."""
    return SessionStore(os.environ.get("TEDIGAN_SESSIONS") or Path(tempfile.gettempdir()) / "tedigan-sessions")


class EditHandlers:
    """The Edit tab's handlers, mixed into ``Server``: a photo inverted into W+ codes, the codes edited by a
    description, a direction or an attribute, re-rendered by the group sliders, and saved or loaded as a file. They
    rely on the ``Server``'s ``families``, ``demo_for``, ``kept``, ``keep`` and ``page_render``; ``Server.__init__``
    gives the ones in ``GPU_SECONDS`` their GPU time like its own."""

    @guarded
    def invert(self, image, steps, already_aligned, family=None, progress=gr.Progress(),  # noqa: B008 (Gradio's idiom)
               request: gr.Request = None):
        """The aligned photo, its reconstruction and how close it is; the codes become the page's session."""

        def report(step, total, losses):
            progress((step, total), desc=f"optimising W+ (loss {losses['total']:.4f})")

        demo = self.demo_for(family)
        aligned, recon, psnr, session, photo = demo.invert(image, steps, already_aligned, progress=report)
        return aligned, recon, fidelity_note(psnr, photo, demo.pipe.name), self.keep(session, request)

    @guarded
    def apply_text(self, session, text, coarse, middle, fine, steps, family=None, request: gr.Request = None):
        """The edit of the page's codes by a description, with what each group alone does."""
        edited, strip, session = self.demo_for(family).apply_text(self.kept(session, request), text, coarse, middle,
                                                                  fine, steps)
        return edited, strip_captions(strip), self.keep(session, request)

    @guarded
    def apply_direction(self, session, target, neutral, alpha, beta, coarse, middle, fine, family=None,
                        request: gr.Request = None):
        """A StyleCLIP global-direction edit with its knobs (families with fs3): one render."""
        edited, strip, session = self.demo_for(family).apply_direction(self.kept(session, request), target, neutral,
                                                                       alpha, beta, coarse, middle, fine)
        return edited, strip_captions(strip), self.keep(session, request), direction_note(session.direction)

    @guarded
    def groups_note(self, text, family=None) -> str:
        """After an edit, under the group sliders: which groups carry what the description names, and what the
        others do to this edit (``words.edit_note``)."""
        return edit_note(self.families, family, text)

    @staticmethod
    @guarded
    def before_after(recon, edited):
        """The reconstruction and the edit for the before / after slider, the reconstruction at the edit's size (a
        1024 px family's is a 256 px preview); nothing until both are there."""
        if recon is None or edited is None:
            return None
        if recon.size != edited.size:
            recon = recon.resize(edited.size, Image.Resampling.BICUBIC)
        return recon, edited

    @guarded
    def edit_defaults(self, family, text):
        """After a family switch: the Edit tab's examples of its domain shown and the other domain's hidden, the
        description box on the first example's text unless the user wrote their own, and the group note cleared."""
        synthetic = self.demo_for(family).pipe.synthetic_domain
        theirs = [t for _, t in EDIT_EXAMPLES[not synthetic]]
        own = bool(str(text or "").strip()) and text not in theirs
        return (gr.update() if own else gr.update(value=EDIT_EXAMPLES[synthetic][0][1]), gr.update(visible=synthetic),
                gr.update(visible=not synthetic), "")

    @guarded
    def suggest_sliders(self, text, family=None):
        """The edit description changed: put the sliders on the layer groups that carry what it names."""
        strengths = self.demo_for(family).suggested_strengths(text)
        if strengths is None:
            return gr.update(), gr.update(), gr.update()
        return tuple(gr.update(value=strengths[g]) for g in GROUP_NAMES)

    @guarded
    def rerender(self, session, coarse, middle, fine, family=None, request: gr.Request = None):
        """A group slider moved: the page's codes mixed again and rendered."""
        return self.demo_for(family).rerender(self.kept(session, request), coarse, middle, fine)

    @guarded
    def set_attribute(self, session, name, amount, coarse, middle, fine, family=None, request: gr.Request = None):
        """An attribute slider moved: the edited face with that attribute's amount (one render); the codes keep it."""
        image, session = self.demo_for(family).set_attribute(self.kept(session, request), name, amount, coarse,
                                                             middle, fine)
        return image, self.keep(session, request)

    @guarded
    def attribute_amount(self, session, name, request: gr.Request = None) -> float:
        """The amount the chosen attribute slider has in this page's codes (0 where it was never moved)."""
        session = self.kept(session, request)
        return float(session.attributes.get(name, 0.0)) if session is not None else 0.0

    @guarded
    def attribute_panel(self, family=None):
        """The attribute sliders of a family: its choices, shown where it has any."""
        choices = self.demo_for(family).attribute_choices()
        return (gr.update(visible=bool(choices)), gr.update(choices=choices, value=choices[0][1] if choices else None),
                gr.update(value=0.0))

    @guarded
    def export_codes(self, session, coarse, middle, fine, family=None, request: gr.Request = None):
        """``/export_codes``: the page's codes as a ``.npy`` file."""
        return self.demo_for(family).export_codes(self.kept(session, request), coarse, middle, fine)

    def codes_file(self, session, coarse, middle, fine, family=None, request: gr.Request = None):
        """The codes the page shows, as a file for the download button (nothing yet: no file)."""
        try:
            return published(self.demo_for(family).export_codes(self.kept(session, request), coarse, middle, fine))
        except UserError:
            return None

    @guarded
    def import_codes(self, file, family=None, request: gr.Request = None):
        """Codes saved earlier become the page's session; returns their render."""
        image, session = self.demo_for(family).import_codes(file)
        return image, self.keep(session, request)

    @guarded
    def edit_live(self, session, family=None, request: gr.Request = None) -> str:
        """The Edit tab's codes for the page's own slider render (``page_render``)."""
        return self.page_render(self.demo_for(family).edit_browser_codes(self.kept(session, request)))


class Server(EditHandlers):
    """A server's state, and its event handlers as methods (the Edit tab's from ``EditHandlers``): ``families`` (the
    loaded ``Demo`` of each family) and ``sessions`` (each open page's edit codes on disk: a server restart loses
    none)."""

    def __init__(self, families: FamilyRegistry, sessions: SessionStore | None = None):
        self.families = families
        self.sessions = sessions or default_sessions()
        self.storage_cap_bytes = STORAGE_CAP_BYTES
        self._issued = itertools.count(1)  # numbers the payloads for the page's slider render (``page_render``)
        # ZeroGPU runs a handler in a worker forked from this process and sends it only the handler's arguments:
        # the bound methods are wrapped here, so that the server itself is never one of them
        for name, seconds in GPU_SECONDS.items():
            setattr(self, name, gpu(seconds)(getattr(self, name)))

    def demo_for(self, family: str | None, report=None):
        """The loaded ``Demo`` of ``family`` (None: the default), downloaded first with ``report`` where it must be."""
        return self.families.demo_for(family, report)

    # ---- storage --------------------------------------------------------------------------------------------------
    def prune_storage(self) -> int:
        """Uploads, results and edit sessions unused for an hour go, and the least recently used uploads and results
        beyond the storage cap; returns how many files went."""
        return (prune_folder(gr.utils.get_upload_folder(), OUTPUT_MAX_AGE_S, self.storage_cap_bytes)
                + prune_folder(self.sessions.folder, OUTPUT_MAX_AGE_S, self.storage_cap_bytes // 8))

    def prune_storage_forever(self) -> None:
        """``prune_storage`` every ``PRUNE_EVERY_S`` seconds (the server runs it in a daemon thread)."""
        while True:
            self.prune_storage()
            time.sleep(PRUNE_EVERY_S)

    def kept(self, session: EditSession | None, request: gr.Request | None) -> EditSession | None:
        """A visitor's codes: from the page's state, or, after a server restart, from disk (keyed to the page)."""
        if session is None and request is not None:
            session = self.sessions.load(request.session_hash)
        return session

    def keep(self, session: EditSession | None, request: gr.Request | None) -> EditSession | None:
        """Write a visitor's codes through to disk; returns them for the page's state."""
        if request is not None:
            self.sessions.save(request.session_hash, session)
        return session

    # ---- text -> image --------------------------------------------------------------------------------------------
    @guarded
    def text_to_image(self, text, n, seed, truncation, family=None):
        """The samples, each captioned with its redescription and match; a warning where the family read none of
        the text."""
        demo = self.demo_for(family)
        words = demo.not_understood(text)
        if words:
            gr.Warning(not_understood_note(words))
        images, descriptions = demo.text_to_image(text, n, seed, truncation)
        return [(image, match_words(d)) for image, d in zip(images, descriptions)]

    @guarded
    def read_text(self, text, family=None):
        """``/read_text``: what the family reads in a description, as JSON (no image made)."""
        return self.demo_for(family).read_text(text)

    def reading_note(self, text, family=None) -> str:
        """Under a description box, as the user types: the values read, ruled-out ones marked, the words not
        understood; a text the page cannot take says why (never an error badge)."""
        if not str(text or "").strip():
            return ""
        try:
            return reading_markdown(self.demo_for(family).read_text(text))
        except UserError as e:
            return f"⚠ {e}"

    @staticmethod
    def random_seed() -> int:
        """A fresh seed for the Text tab (24 random bits)."""
        return int.from_bytes(os.urandom(3), "big")

    # ---- sketch / label map, mix, interpolate -----------------------------------------------------------------------
    @guarded
    def from_sketch(self, sketch, text, n, seed, family=None):
        """Faces from the sketch pad's drawing (``inputs.editor_image``)."""
        return self.demo_for(family).from_sketch(editor_image(sketch), text, n, seed)

    @guarded
    def from_label(self, label, text, n, seed, family=None):
        """Faces from the label editor's map (``inputs.editor_image``)."""
        return self.demo_for(family).from_label(editor_image(label), text, n, seed)

    @guarded
    def interpolate(self, text_a, text_b, steps, seed, family=None):
        """The strip of frames from one description to the other, and its animation."""
        frames, gif = self.demo_for(family).interpolate(text_a, text_b, steps, seed)
        return frames, gif

    @guarded
    def style_mix(self, seed, text, coarse, middle, fine, family=None):
        """The content face and its mix with the description's chosen groups."""
        return self.demo_for(family).style_mix(seed, text, coarse, middle, fine)

    # ---- the page's own slider render -----------------------------------------------------------------------------
    def page_render(self, payload: dict | None) -> str:
        """A ``BrowserRender.codes`` payload for ``static/slider.js`` (JSON; the graph as a URL relative to the
        page), or "" where the server renders the slider moves. Each payload differs from the last, so the page
        always takes it."""
        if payload is None:
            return ""
        return json.dumps({**payload, "model": f"gradio_api/file={payload['model']}", "issue": next(self._issued)})

    def mix_live(self, seed, text, family=None) -> str:
        """The Mix tab's codes for the page's own slider render (``page_render``); "" after a mistake, which the Mix
        button's own handler reports."""
        try:
            return self.page_render(self.demo_for(family).mix_browser_codes(seed, text))
        except UserError:
            return ""

    # ---- the family selector ----------------------------------------------------------------------------------------
    @guarded
    def switch_family(self, family, progress=gr.Progress()):  # noqa: B008 (Gradio's idiom)
        """Download (once, with a progress bar) and load the chosen family, and relabel the sliders by what its layer
        groups control; the edit session is cleared, since W+ codes belong to one generator."""

        def report(done, total, what):
            progress((done, max(total, done, 1)), desc=f"downloading {what}", unit="bytes")

        demo = self.demo_for(family, report)
        return (*(gr.update(label=group_label(self.families, g, family)) for g in GROUP_NAMES), None,
                gr.update(choices=self.families.choices(), value=family), scope_note(self.families, family),
                gr.update(value=demo.default_refine_steps()), self.direction_panel(family),
                gr.update(value=demo.default_inversion_steps()))

    def direction_panel(self, family=None):
        """The global-direction controls: shown for a family that has them."""
        return gr.update(visible=self.demo_for(family).pipe.directions is not None)
