"""The app's event handlers: each turns widget values into a ``Demo`` call on the chosen family and its result
into what the widgets show (images as PNG files), and a user's mistake into a message in the page.

They reach the families through ``FAMILIES``, bound by ``bind`` when the app is built (nothing loads at import), and
stay plain module functions so that ZeroGPU's ``spaces.GPU`` can run them in its worker process.
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

from app_words import EDIT_EXAMPLES, edit_note, group_label, reading_markdown, scope_note
from tedigan_demo.demo import UserError
from tedigan_demo.errors import first_line
from tedigan_demo.pipeline import GROUP_NAMES
from tedigan_demo.registry import FamilyRegistry
from tedigan_demo.serving import prune_folder, publish_png
from tedigan_demo.sessions import SessionStore

try:  # ZeroGPU on Hugging Face Spaces: a handler holds a GPU for at most `duration` seconds; a no-op elsewhere
    import spaces

    def gpu(duration: int):
        return spaces.GPU(duration=duration)
except ImportError:  # pragma: no cover - the package is optional

    def gpu(duration: int):
        return lambda fn: fn


# Results are written under Gradio's served folder, named by content, each written aside and renamed into place,
# never rewritten while someone downloads it, and deleted an hour after its last use (``serving``).
OUTPUTS = Path(gr.utils.get_upload_folder()) / "tedigan"
OUTPUT_MAX_AGE_S = 3600
# Gradio's upload folder (people's photos) and the app's results together stay under this many bytes
STORAGE_CAP_BYTES = int(float(os.environ.get("TEDIGAN_STORAGE_MB", "2048")) * 2**20)
PRUNE_EVERY_S = 30
FAMILIES: FamilyRegistry | None = None  # set by ``bind``
SESSIONS: SessionStore | None = None  # each open page's edit codes on disk: a server restart loses none


def bind(families: FamilyRegistry) -> FamilyRegistry:
    """Point the handlers at a server's families, and its edit sessions at ``$TEDIGAN_SESSIONS``."""
    global FAMILIES, SESSIONS
    FAMILIES = families
    SESSIONS = SessionStore(os.environ.get("TEDIGAN_SESSIONS") or Path(tempfile.gettempdir()) / "tedigan-sessions")
    return families


def demo_for(family, report=None):
    return FAMILIES.demo_for(family, report)


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

    @functools.wraps(fn)  # keeps the signature: Gradio looks for the progress parameter there
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


def prune_storage() -> int:
    """Uploads, results and edit sessions unused for an hour go, and the least recently used uploads and results
    beyond the storage cap; returns how many files went."""
    return (prune_folder(gr.utils.get_upload_folder(), OUTPUT_MAX_AGE_S, STORAGE_CAP_BYTES)
            + (prune_folder(SESSIONS.folder, OUTPUT_MAX_AGE_S, STORAGE_CAP_BYTES // 8) if SESSIONS else 0))


def prune_storage_forever() -> None:
    while True:
        prune_storage()
        time.sleep(PRUNE_EVERY_S)


def kept(session, request: gr.Request | None):
    """A visitor's codes: from memory, or, after a server restart, from disk (keyed to the open page)."""
    if session is None and request is not None:
        session = SESSIONS.load(request.session_hash)
    return session


def keep(session, request: gr.Request | None):
    """Write a visitor's codes through to disk; returns them for the page's state."""
    if request is not None:
        SESSIONS.save(request.session_hash, session)
    return session


@gpu(120)
@guarded
def text_to_image(text, n, seed, truncation, family=None):
    note = demo_for(family).reading(text)
    if note:
        gr.Warning(note)
    images, captions = demo_for(family).text_to_image(text, n, seed, truncation)
    return list(zip(images, captions))


@guarded
def read_text(text, family=None):
    """``/read_text``: what the family reads in a description, as JSON (no image made)."""
    return demo_for(family).read_text(text)


def reading_note(text, family=None) -> str:
    """Under a description box, as the user types: the values read, ruled-out ones marked, the words not
    understood; a text the page cannot take says why (never an error badge)."""
    if not str(text or "").strip():
        return ""
    try:
        return reading_markdown(demo_for(family).read_text(text))
    except UserError as e:
        return f"⚠ {e}"


@gpu(120)
@guarded
def invert(image, steps, already_aligned, family=None, progress=gr.Progress(),  # noqa: B008 (Gradio's idiom)
           request: gr.Request = None):
    def report(step, total, losses):
        progress((step, total), desc=f"optimising W+ (loss {losses['total']:.4f})")

    aligned, recon, psnr, session = demo_for(family).invert(image, steps, already_aligned, progress=report)
    return aligned, recon, f"Reconstruction PSNR {psnr:.2f} dB after optimisation", keep(session, request)


@gpu(90)
@guarded
def apply_text(session, text, coarse, middle, fine, steps, family=None, request: gr.Request = None):
    edited, strip, session = demo_for(family).apply_text(kept(session, request), text, coarse, middle, fine, steps)
    return edited, strip, keep(session, request)


@gpu(30)
@guarded
def apply_direction(session, target, neutral, alpha, beta, coarse, middle, fine, family=None,
                    request: gr.Request = None):
    """A StyleCLIP global-direction edit with its knobs (families with fs3): one render."""
    edited, strip, session, note = demo_for(family).apply_direction(kept(session, request), target, neutral, alpha,
                                                                      beta, coarse, middle, fine)
    return edited, strip, keep(session, request), note


@guarded
def groups_note(text, family=None) -> str:
    """After an edit, under the group sliders: which groups carry what the description names, and what the
    others do to this edit (``app_words.edit_note``)."""
    return edit_note(FAMILIES, family, text)


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
def edit_defaults(family, text):
    """After a family switch: the Edit tab's examples of its domain shown and the other domain's hidden, the
    description box on the first example's text unless the user wrote their own, and the group note cleared."""
    synthetic = demo_for(family).pipe.synthetic_domain
    theirs = [t for _, t in EDIT_EXAMPLES[not synthetic]]
    own = bool(str(text or "").strip()) and text not in theirs
    return (gr.update() if own else gr.update(value=EDIT_EXAMPLES[synthetic][0][1]), gr.update(visible=synthetic),
            gr.update(visible=not synthetic), "")


@guarded
def suggest_sliders(text, family=None):
    """The edit description changed: put the sliders on the layer groups that carry what it names."""
    strengths = demo_for(family).suggested_strengths(text)
    if strengths is None:
        return gr.update(), gr.update(), gr.update()
    return tuple(gr.update(value=strengths[g]) for g in GROUP_NAMES)


@gpu(10)
@guarded
def rerender(session, coarse, middle, fine, family=None, request: gr.Request = None):
    return demo_for(family).rerender(kept(session, request), coarse, middle, fine)


@gpu(10)
@guarded
def set_attribute(session, name, amount, coarse, middle, fine, family=None, request: gr.Request = None):
    """An attribute slider moved: the edited face with that attribute's amount (one render); the codes keep it."""
    image, session = demo_for(family).set_attribute(kept(session, request), name, amount, coarse, middle, fine)
    return image, keep(session, request)


@guarded
def attribute_amount(session, name, request: gr.Request = None) -> float:
    """The amount the chosen attribute slider has in this page's codes (0 where it was never moved)."""
    session = kept(session, request)
    return float(session.attributes.get(name, 0.0)) if session is not None else 0.0


@guarded
def attribute_panel(family=None):
    """The attribute sliders of a family: its choices, shown where it has any."""
    choices = demo_for(family).attribute_choices()
    return (gr.update(visible=bool(choices)), gr.update(choices=choices, value=choices[0][1] if choices else None),
            gr.update(value=0.0))


@guarded
def export_codes(session, coarse, middle, fine, family=None, request: gr.Request = None):
    return demo_for(family).export_codes(kept(session, request), coarse, middle, fine)


def codes_file(session, coarse, middle, fine, family=None, request: gr.Request = None):
    """The codes the page shows, as a file for the download button (nothing yet: no file)."""
    try:
        return published(demo_for(family).export_codes(kept(session, request), coarse, middle, fine))
    except UserError:
        return None


@guarded
def import_codes(file, family=None, request: gr.Request = None):
    image, session = demo_for(family).import_codes(file)
    return image, keep(session, request)


@gpu(60)
@guarded
def from_sketch(sketch, text, n, seed, family=None):
    return demo_for(family).from_sketch(sketch, text, n, seed)


@gpu(60)
@guarded
def from_label(label, text, n, seed, family=None):
    return demo_for(family).from_label(label, text, n, seed)


@gpu(90)
@guarded
def interpolate(text_a, text_b, steps, seed, family=None):
    frames, gif = demo_for(family).interpolate(text_a, text_b, steps, seed)
    return frames, gif


@gpu(90)
@guarded
def style_mix(seed, text, coarse, middle, fine, family=None):
    return demo_for(family).style_mix(seed, text, coarse, middle, fine)


def page_render(payload: dict | None) -> str:
    """A ``BrowserRender.codes`` payload for ``static/slider.js`` (JSON; the graph as a URL relative to the page),
    or "" where the server renders the slider moves. Each payload differs from the last, so the page always takes
    it."""
    if payload is None:
        return ""
    return json.dumps({**payload, "model": f"gradio_api/file={payload['model']}", "issue": next(_ISSUED)})


_ISSUED = itertools.count(1)


@guarded
def edit_live(session, family=None, request: gr.Request = None) -> str:
    """The Edit tab's codes for the page's own slider render (``page_render``)."""
    return page_render(demo_for(family).edit_browser_codes(kept(session, request)))


def mix_live(seed, text, family=None) -> str:
    """The Mix tab's codes for the page's own slider render (``page_render``); "" after a mistake, which the Mix
    button's own handler reports."""
    try:
        return page_render(demo_for(family).mix_browser_codes(seed, text))
    except UserError:
        return ""


@guarded
def switch_family(family, progress=gr.Progress()):  # noqa: B008 (Gradio's idiom)
    """Download (once, with a progress bar) and load the chosen family, and relabel the sliders by what its layer
    groups control; the edit session is cleared, since W+ codes belong to one generator."""

    def report(done, total, what):
        progress((done, max(total, done, 1)), desc=f"downloading {what}", unit="bytes")

    demo = demo_for(family, report)
    return (*(gr.update(label=group_label(FAMILIES, g, family)) for g in GROUP_NAMES), None,
            gr.update(choices=FAMILIES.choices(), value=family), scope_note(FAMILIES, family),
            gr.update(value=demo.default_refine_steps()), direction_panel(family),
            gr.update(value=demo.default_inversion_steps()))


def direction_panel(family=None):
    """The global-direction controls: shown for a family that has them."""
    return gr.update(visible=demo_for(family).pipe.directions is not None)


def random_seed() -> int:
    return int.from_bytes(os.urandom(3), "big")
