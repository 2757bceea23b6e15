"""The demo's tasks, independent of any UI toolkit: plain inputs (text, PIL images or file paths, numbers,
arrays), plain outputs (PIL images, the pipeline's results, an ``EditSession``), and ``UserError`` with a one-line
message for anything the user can fix. What a page says about the results is the app's (``webapp.words``).

``app.py`` wires these to Gradio widgets (through ``webapp.handlers``); the benches and tests call them directly.
"""

from __future__ import annotations

import functools
import io
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from .browser import BrowserRender
from .codes import CodesError, read_codes
from .errors import InputError, user_message
from .imaging import to_uint8
from .method.control import MAX_STRENGTH
from .pipeline import GROUP_NAMES, TediGANPipeline, check_text
from .pipeline.attributes import MAX_AMOUNT
from .pipeline.text_codes import ParameterTextCodes
from .serving import publish_bytes
from .sessions import EditSession
from .zoo import DEFAULT_FAMILY

__all__ = ["UserError", "Demo", "EditSession", "MAX_STRENGTH", "MAX_AMOUNT", "app_settings"]

MAX_SAMPLES = 8
MAX_STEPS = 300
MAX_SEED = 2**63 - 1
# Refinement steps toward the text after an edit's mix (TediGANPipeline.edit ``steps``), the app's default
# (docs/decisions.md, "Refinement steps in the app")
REFINE_STEPS = 10
# text -> image on a CPU, families without a text encoder into W+: codes drawn per sample, rendered at 256 px and
# ranked by CLIP, instead of 50 guided steps (docs/decisions.md, "Text -> image on real faces in seconds")
CPU_CANDIDATES = 8
PREVIEW = 256  # px at most of the views that show a step on the way (the aligned input, its reconstruction)
INVERT_STEPS = 100  # the app's default optimisation steps of an inversion (encoder + optimisation, TediGAN §3.3)
NO_CODES = ("no W+ codes for this page: invert a photo or load saved codes first (codes unused for an hour are "
            "let go)")


class UserError(InputError):
    """Something the user can fix; ``str`` is the message to show."""


def _user_errors(fn):
    """Turn the library's input errors into ``UserError`` (one line each)."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except UserError:
            raise
        except Exception as e:
            message = user_message(e)
            if message is None:
                raise
            raise UserError(message) from None

    return wrapper


def to_pil(images: torch.Tensor, size: int = 256) -> list[Image.Image]:
    """Model output -> PIL images, upscaled (nearest for small models: show the real pixels) to ``size``."""
    out = []
    for arr in to_uint8(images):
        img = Image.fromarray(arr)
        if img.width < size:
            img = img.resize((size, size), Image.Resampling.NEAREST)
        out.append(img)
    return out


def _number(value, lo: float, hi: float, what: str) -> float:
    """A number from the UI or the API, checked: NaN, infinities, text and out-of-range values get one line."""
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise UserError(f"{what} must be a number, not {value!r}") from None
    if not lo <= x <= hi:  # NaN fails too
        raise UserError(f"{what} is {value}; it runs from {lo:g} to {hi:g}")
    return x


def _count(value, lo: int, hi: int, what: str) -> int:
    return int(round(_number(value, lo, hi, what)))


def _seed(value) -> int:
    try:
        seed = int(value) if not isinstance(value, float) or value.is_integer() else None
    except (TypeError, ValueError, OverflowError):
        seed = None
    if seed is None or not 0 <= seed <= MAX_SEED:
        raise UserError(f"the seed is {value}; use a whole number from 0 to {MAX_SEED}")
    return seed


def _strengths(coarse: float, middle: float, fine: float) -> dict[str, float]:
    """The three sliders as the pipeline's per-group strengths (each 0 to ``MAX_STRENGTH``, checked there)."""
    return {g: _number(v, 0.0, MAX_STRENGTH, f"the {g} strength")
            for g, v in (("coarse", coarse), ("middle", middle), ("fine", fine))}


def _strip(edit) -> dict[str, Image.Image]:
    """An edit's per-group views (``Edit.per_group``): group -> the face with only that group edited."""
    return {g: to_pil(edit.per_group[g])[0] for g in GROUP_NAMES}


def _drawing(image):
    """A sketch or label map as the pipeline takes it (PIL image, array or path); none given: ``UserError``."""
    if image is None:
        raise UserError("draw or upload an input first")
    return image


def _fits(pipe: TediGANPipeline, session: EditSession) -> bool:
    """Whether the session's codes are this family's (a user may switch families)."""
    return session.content.shape[1:] == (pipe.G.num_layers, pipe.G.w_dim)


def _session(pipe: TediGANPipeline, session: EditSession | None) -> EditSession:
    """The page's codes, checked once for every task that uses them: there (else ``NO_CODES``) and of this family
    (codes kept from another family, after a switch, cannot be rendered by this one)."""
    if session is None:
        raise UserError(NO_CODES)
    if not _fits(pipe, session):
        raise UserError(f"these W+ codes {list(session.content.shape)} belong to another model family: invert the "
                        f"photo again with {pipe.name}")
    return session


def _offset(pipe: TediGANPipeline, session: EditSession) -> torch.Tensor:
    """What the session's attribute sliders add to its codes (on the pipeline's device)."""
    return pipe.attribute_offset({k: v for k, v in session.attributes.items() if v})


def _codes(pipe: TediGANPipeline, session: EditSession) -> tuple[torch.Tensor, torch.Tensor | None]:
    """The session's content and style codes with its attribute sliders added (on the pipeline's device)."""
    offset = _offset(pipe, session)
    content = torch.from_numpy(session.content).to(offset) + offset
    style = None if session.style is None else torch.from_numpy(session.style).to(offset) + offset
    return content, style


def _mix_codes(pipe: TediGANPipeline, content_seed: int, style_text: str) -> tuple[torch.Tensor, torch.Tensor]:
    """The Mix tab's codes: a random face's (``content_seed``) and a description's style on it."""
    content = pipe.random_codes(1, _seed(content_seed))
    return content, pipe.text_style(style_text, content)


def _governed(pipe: TediGANPipeline, text) -> tuple[list[int], dict] | None:
    """``pipe.governed_layers`` of a description: the layers it governs and the values it names; None where the
    text is no description."""
    try:
        return pipe.governed_layers(check_text(text))
    except ValueError:
        return None


def _one_code(pipe: TediGANPipeline, path: str | None) -> np.ndarray:
    """The single W+ code ``[1, L, D]`` (float32) saved in a ``.npy`` for this family; anything else: ``UserError``."""
    if not path:
        raise UserError("choose a .npy file of W+ codes")
    try:
        arr = read_codes(path, pipe.G.num_layers, pipe.G.w_dim)
    except CodesError as e:
        raise UserError(str(e)) from None
    if len(arr) != 1:
        raise UserError(f"the file holds {len(arr)} codes; the editor takes one [1, {arr.shape[1]}, {arr.shape[2]}]")
    return arr[:1].astype(np.float32)


def _npy_bytes(array: np.ndarray) -> bytes:
    """``array`` as the bytes of a ``.npy`` file."""
    buf = io.BytesIO()
    np.save(buf, array)
    return buf.getvalue()


def _looping_gif(images: list[Image.Image]) -> bytes:
    """Frames played forward and back, as an endless GIF."""
    loop = images + images[-2:0:-1]
    buf = io.BytesIO()
    loop[0].save(buf, "gif", save_all=True, append_images=loop[1:], duration=120, loop=0)
    return buf.getvalue()


def _warm_up(pipe: TediGANPipeline) -> float:
    """One pass through every network so the first user does not pay for lazy initialisation; returns seconds."""
    t = time.perf_counter()
    out = pipe.generate("She is smiling.", n=1, seed=0, steps=1 if pipe.mapper is None else 0)
    pipe.describe(out.images[:1], text="She is smiling.", num_distractors=3)
    pipe.invert(out.images[:1], steps=1)
    return time.perf_counter() - t


def app_settings(pipe: TediGANPipeline, text_steps: int | None = None) -> TediGANPipeline:
    """The app's settings for a family on its device: ``text_steps`` guided steps per text where given (families
    without a text encoder into W+); else, on a CPU, text -> image by CLIP-ranked sampling (minutes per text
    otherwise)."""
    if pipe.mapper is not None:
        return pipe
    if text_steps is not None:
        return pipe.with_settings(text_steps=text_steps)
    if pipe.device.type == "cpu":
        return pipe.with_settings(generate_steps=0, candidates=CPU_CANDIDATES)
    return pipe


class Demo:
    """One loaded pipeline and the tasks of the app."""

    def __init__(self, pipe: TediGANPipeline, out_dir: str | Path | None = None):
        self.pipe = pipe
        # where files for download (codes, animations) are written; a server points it into its served folder
        self.out_dir = Path(out_dir) if out_dir else Path(tempfile.gettempdir()) / "tedigan-demo"
        self.browser = BrowserRender(pipe.G, self.out_dir)  # slider moves drawn in the page, where it can

    @classmethod
    def load(cls, family: str = DEFAULT_FAMILY, device: str | None = None, out_dir: str | Path | None = None,
             text_steps: int | None = None) -> Demo:
        """Load a family on ``device`` (CUDA when present) and warm it up; ``text_steps``: the CLIP-guided steps
        that find a text's code on families without a text encoder into W+ (default 50)."""
        device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        demo = cls(app_settings(TediGANPipeline.from_family(family, device), text_steps), out_dir)
        _warm_up(demo.pipe)
        return demo

    # ---- text -> image -----------------------------------------------------------------------------------------
    @_user_errors
    def text_to_image(self, text: str, n: int = 4, seed: int = 0, truncation: float = 0.8):
        """``(images, descriptions)``: each sample and its ``Description`` (its redescription, its similarity to
        ``text`` and that similarity's rank among 49 descriptions of other, random faces)."""
        text = check_text(text)
        n = _count(n, 1, MAX_SAMPLES, "the number of samples")
        out = self.pipe.generate(text, n=n, seed=_seed(seed), truncation=_number(truncation, 0.0, 1.0, "truncation"))
        return to_pil(out.images), [self.pipe.describe(out.images[i : i + 1], text=text, num_distractors=49, seed=i)
                                    for i in range(n)]

    def not_understood(self, text: str) -> list[str] | None:
        """The words of a description that this family follows not at all (the whole text where none stands out);
        None where it names something the family knows, the family reads any text (CLIP), or it is no text."""
        if self.pipe.mapper is None:
            return None
        try:
            reading = self.pipe.vocab.read(check_text(text))
        except ValueError:
            return None
        return None if reading.named or reading.avoid else (list(reading.unknown) or [reading.text])

    @_user_errors
    def read_text(self, text: str) -> dict:
        """What this family reads in a description, without generating: the ``Reading``'s fields, ``summary`` (one
        line for a person) and ``reader`` ("learned", or "table" where the learned reader did not load)."""
        reading = self.pipe.vocab.read(check_text(text))
        return {**reading.to_dict(), "reader": "learned" if self.pipe.vocab.reader is not None else "table"}

    def suggested_strengths(self, text: str) -> dict[str, float] | None:
        """Slider positions for an edit description: 1 for the layer groups that carry the attributes it names
        (the family's measurement), 0 for the others; None when the text names nothing the family knows."""
        if (governed := _governed(self.pipe, text)) is None:
            return None
        layers, named = governed
        return self.pipe.layers.strengths(layers) if len(layers) < self.pipe.layers.num_layers or named else None

    def carrying_groups(self, text: str) -> dict[str, tuple[str, ...]]:
        """Per attribute a description names, the layer groups that carry it (the family's table, ``LayerGroups``);
        empty where the text names nothing the family knows, or is no description."""
        _, named = _governed(self.pipe, text) or (None, {})
        return {name: self.pipe.layers.attributes[name] for name in named}

    def edits_stay_in_their_groups(self) -> bool:
        """Whether an edit of named values changes the face only through the groups that carry them: text codes in
        the generator's own terms (``ParameterTextCodes``: another group's slider, even at 2, moves the pixels by
        under one grey level). Elsewhere every group's slider mixes the text's code into its layers."""
        return isinstance(self.pipe.text_codes, ParameterTextCodes)

    # ---- edit ----------------------------------------------------------------------------------------------------
    @_user_errors
    def invert(self, image, steps: int = INVERT_STEPS, already_aligned: bool = False, progress=None):
        """A photo (PIL image or path) into W+: ``(aligned, reconstruction, psnr, session, cartoon caption)``."""
        if image is None:
            raise UserError("upload a photo (or pick an example) first")
        steps = _count(steps, 0, MAX_STEPS, "the optimisation steps")
        inv = self.pipe.invert(image, steps=steps, align=False if already_aligned else "auto", progress=progress,
                               preview=PREVIEW)
        return (to_pil(inv.target)[0], to_pil(inv.image)[0], inv.psnr, EditSession(inv.wp.cpu().numpy()),
                self.pipe.vocab.describe(inv.photo_values) if inv.photo_values else None)

    @_user_errors
    def apply_text(self, session: EditSession | None, text: str, coarse: float, middle: float, fine: float,
                   steps: int = REFINE_STEPS):
        """Edit the kept code with a description: ``(edited, strip, session)``, the strip ``{group: image}`` with
        only that group edited; 0 ``steps`` on a family with global directions: an instant one."""
        session, text, strengths = _session(self.pipe, session), check_text(text), _strengths(coarse, middle, fine)
        offset = _offset(self.pipe, session)
        content = torch.from_numpy(session.content).to(offset) + offset  # the face the attribute sliders show
        steps = _count(steps, 0, MAX_STEPS, "the refinement steps")
        if steps == 0 and self.pipe.directions is not None:  # instant: a StyleCLIP global direction
            out = self.pipe.direction_edit(content, text, strengths)
            session = replace(session, style=None, direction=out.direction)
        else:
            out = self.pipe.edit(content, text, strengths, steps=steps)
            session = replace(session, style=(out.style - offset).cpu().numpy(), direction=None)
        return to_pil(out.image)[0], _strip(out), session

    @_user_errors
    def apply_direction(self, session: EditSession | None, target: str, neutral: str, alpha: float, beta: float,
                        coarse: float, middle: float, fine: float):
        """A global-direction edit, ``neutral -> target`` at strength ``alpha`` (times each group's slider) and
        disentanglement ``beta``: ``(edited, strip, session)``; ``session.direction`` says what moved."""
        session = _session(self.pipe, session)
        out = self.pipe.direction_edit(_codes(self.pipe, session)[0], check_text(target),
                                       _strengths(coarse, middle, fine), alpha=_number(alpha, -30, 30, "the strength"),
                                       beta=_number(beta, 0, 1, "the disentanglement"), neutral=check_text(neutral))
        return to_pil(out.image)[0], _strip(out), replace(session, style=None, direction=out.direction)

    def default_inversion_steps(self) -> int:
        """The app's inversion default on this family: the encoder alone (0 steps) where edits are instant global
        directions on a CPU (seconds, not minutes, per photo), else ``INVERT_STEPS`` of optimisation."""
        return 0 if self.default_refine_steps() == 0 else INVERT_STEPS

    def default_refine_steps(self) -> int:
        """The app's refinement default on this family: 0 (an instant global direction) where it has one and no
        GPU is present, else TediGAN's optimisation (``REFINE_STEPS``)."""
        return 0 if self.pipe.directions is not None and self.pipe.device.type == "cpu" else REFINE_STEPS

    @_user_errors
    def rerender(self, session: EditSession | None, coarse: float, middle: float, fine: float):
        """Slider moved: mix the kept codes again and render (no inversion, no text encoding)."""
        content, style = _codes(self.pipe, _session(self.pipe, session))
        if session.direction is not None:
            return to_pil(self.pipe.direction_render(content, session.direction, _strengths(coarse, middle, fine)))[0]
        if style is None:  # no description applied yet: the face with its attribute sliders, if any moved
            return to_pil(self.pipe.render(content))[0] if any(session.attributes.values()) else None
        return to_pil(self.pipe.mix(content, style, _strengths(coarse, middle, fine))[1])[0]

    @_user_errors
    def export_codes(self, session: EditSession | None, coarse: float, middle: float, fine: float) -> str:
        """Write the current W+ codes to a ``.npy`` under ``out_dir`` for download; returns its path."""
        wp, style = _codes(self.pipe, _session(self.pipe, session))
        if style is not None:
            wp, _ = self.pipe.mix(wp, style, _strengths(coarse, middle, fine))
        return publish_bytes(_npy_bytes(wp.cpu().numpy().astype(np.float32)), self.out_dir, "wp.npy")

    @_user_errors
    def import_codes(self, path: str | None):
        """Load W+ codes saved earlier; returns ``(render, session)``."""
        session = EditSession(_one_code(self.pipe, path))
        return to_pil(self.pipe.render(torch.from_numpy(session.content)))[0], session

    def edit_browser_codes(self, session: EditSession | None) -> dict | None:
        """What the page needs to render the Edit tab's slider moves itself (``BrowserRender.codes``); None where
        the server renders them (no description applied yet, a global direction, another family's codes)."""
        if session is None or session.style is None or session.direction is not None or not _fits(self.pipe, session):
            return None
        return self.browser.codes(*_codes(self.pipe, session))

    # ---- attribute sliders ---------------------------------------------------------------------------------------
    def attribute_choices(self) -> list[tuple[str, str]]:
        """``(label, name)`` of each attribute slider of this family (none: an empty list)."""
        return [(s.label, s.name) for s in self.pipe.attribute_sliders.values()]

    @_user_errors
    def set_attribute(self, session: EditSession | None, name: str, amount: float, coarse: float, middle: float,
                      fine: float):
        """Move one attribute slider: ``(image, session)``, one render."""
        session = _session(self.pipe, session)
        amount = _number(amount, -MAX_AMOUNT, MAX_AMOUNT, f"the {name} slider")
        if name not in self.pipe.attribute_sliders:
            raise UserError(f"family {self.pipe.name} has no attribute slider {name!r}")
        session = replace(session, attributes={**session.attributes, name: amount})
        return self.rerender(session, coarse, middle, fine), session

    # ---- sketch / label map -> faces ---------------------------------------------------------------------------
    @_user_errors
    def from_sketch(self, sketch, text: str = "", n: int = 4, seed: int = 0) -> list[Image.Image]:
        """Faces from a sketch (dark strokes on white: PIL image, array or path), ``text`` setting the looks."""
        out = self.pipe.from_sketch(_drawing(sketch), text=text or None,
                                    n=_count(n, 1, MAX_SAMPLES, "the number of samples"), seed=_seed(seed))
        return to_pil(out.images)

    @_user_errors
    def from_label(self, label, text: str = "", n: int = 4, seed: int = 0) -> list[Image.Image]:
        """Faces from a label map (the domain's colours, CelebAMask-HQ's, or class indices), ``text`` likewise."""
        out = self.pipe.from_label(_drawing(label), text=text or None, index_space="auto",
                                   n=_count(n, 1, MAX_SAMPLES, "the number of samples"), seed=_seed(seed))
        return to_pil(out.images)

    # ---- mix & interpolate ---------------------------------------------------------------------------------------
    @_user_errors
    def interpolate(self, text_a: str, text_b: str, steps: int = 8, seed: int = 0):
        """Returns ``(frames, gif_path)``."""
        steps = _count(steps, 2, 16, "the number of frames")
        _, frames = self.pipe.interpolate(text_a, text_b, steps=steps, seed=_seed(seed))
        images = to_pil(frames)
        return images, publish_bytes(_looping_gif(images), self.out_dir, "interpolation.gif")

    @_user_errors
    def mix_browser_codes(self, content_seed: int, style_text: str) -> dict | None:
        """``edit_browser_codes`` for the Mix tab's face and description."""
        return self.browser.codes(*_mix_codes(self.pipe, content_seed, style_text), name="mixed.npy")

    @_user_errors
    def style_mix(self, content_seed: int, style_text: str, coarse: float, middle: float, fine: float):
        """Content from a random face, the chosen groups from a description's code: ``(content, mixed)``."""
        content, style = _mix_codes(self.pipe, content_seed, style_text)
        _, image = self.pipe.mix(content, style, _strengths(coarse, middle, fine))
        return to_pil(self.pipe.render(content))[0], to_pil(image)[0]
