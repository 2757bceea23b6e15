"""The demo's task functions, independent of any UI toolkit: plain inputs (text, PIL images, numbers, arrays),
plain outputs (PIL images, dicts), and ``UserError`` with a one-line message for anything the user can fix.

``app.py`` wires these to Gradio widgets; tests call them directly.
"""

from __future__ import annotations

import functools
import io
import tempfile
import time
from dataclasses import dataclass, field, replace
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


def match_words(d) -> str:
    """A sample's redescription and how well the text matches it, in words: the text's similarity to the sample
    ranked among descriptions of other, random faces (R-precision's test; rank 1 = no other description fits
    the sample better)."""
    others = d.num_candidates - 1
    return (f"Reads as: {d.caption} Your text fits this face better than {others - d.rank + 1} of {others} "
            f"descriptions of other faces (rank {d.rank} of {d.num_candidates}; similarity {d.score:.2f}).")


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


def _painted(layer) -> bool:
    """Whether an editor layer (PIL image or file path) holds any stroke."""
    try:
        img = layer if isinstance(layer, Image.Image) else Image.open(layer)
        return img.mode in ("RGBA", "LA", "PA") and img.getchannel("A").getbbox() is not None
    except (OSError, ValueError, AttributeError, TypeError):
        return layer is not None


def _strengths(coarse: float, middle: float, fine: float) -> dict[str, float]:
    """The three sliders as the pipeline's per-group strengths (each 0 to ``MAX_STRENGTH``, checked there)."""
    return {g: _number(v, 0.0, MAX_STRENGTH, f"the {g} strength")
            for g, v in (("coarse", coarse), ("middle", middle), ("fine", fine))}


def _strip(edit) -> list[tuple[Image.Image, str]]:
    """An edit's per-group views (``Edit.per_group``) as the gallery shows them, captioned."""
    return [(to_pil(edit.per_group[g])[0], f"{g} only") for g in GROUP_NAMES]


@dataclass
class EditSession:
    """What an edit keeps per user (in ``gr.State``): the content code and the text's style code."""

    content: np.ndarray  # [1, L, D] float32
    style: np.ndarray | None = None  # [1, L, D]
    direction: dict | None = None  # a global-direction edit (``Edit.direction``): re-rendered from the content
    attributes: dict = field(default_factory=dict)  # attribute slider -> amount, added to both codes


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
        """Load a family on ``device`` (CUDA when present) and warm it up; ``text_steps``: the CLIP-guided
        optimisation steps that find a text's code on families without a text encoder into W+ (default 50)."""
        device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        demo = cls(app_settings(TediGANPipeline.from_family(family, device), text_steps), out_dir)
        demo.warm_up()
        return demo

    def warm_up(self) -> float:
        """One pass through every network so the first user does not pay for lazy initialisation."""
        t = time.perf_counter()
        out = self.pipe.generate("She is smiling.", n=1, seed=0, steps=1 if self.pipe.mapper is None else 0)
        self.pipe.describe(out.images[:1], text="She is smiling.", num_distractors=3)
        self.pipe.invert(out.images[:1], steps=1)
        return time.perf_counter() - t

    # ---- text -> image -----------------------------------------------------------------------------------------
    @_user_errors
    def text_to_image(self, text: str, n: int = 4, seed: int = 0, truncation: float = 0.8):
        """Returns ``(images, captions)``: each sample with its redescription and match score."""
        text = check_text(text)
        n = _count(n, 1, MAX_SAMPLES, "the number of samples")
        out = self.pipe.generate(text, n=n, seed=_seed(seed), truncation=_number(truncation, 0.0, 1.0, "truncation"))
        captions = []
        for i in range(n):
            d = self.pipe.describe(out.images[i : i + 1], text=text, num_distractors=49, seed=i)
            captions.append(match_words(d))
        return to_pil(out.images), captions

    # ---- edit ----------------------------------------------------------------------------------------------------
    @_user_errors
    def invert(self, image, steps: int = INVERT_STEPS, already_aligned: bool = False, progress=None):
        """Returns ``(aligned, reconstruction, psnr, session)``."""
        if image is None:
            raise UserError("upload a photo (or pick an example) first")
        steps = _count(steps, 0, MAX_STEPS, "the optimisation steps")
        inv = self.pipe.invert(image, steps=steps, align=False if already_aligned else "auto", progress=progress,
                               preview=PREVIEW)
        session = EditSession(inv.wp.cpu().numpy())
        return to_pil(inv.target)[0], to_pil(inv.image)[0], inv.psnr, session

    def reading(self, text: str) -> str | None:
        """What a description says to this family, when the family cannot follow it: None when it names something
        the family's vocabulary knows, or when the family reads any text (CLIP guidance); else one line that
        quotes the words not understood."""
        if self.pipe.mapper is None:
            return None
        try:
            reading = self.pipe.vocab.read(check_text(text))
        except ValueError:
            return None
        if reading.named or reading.avoid:
            return None
        words = ", ".join(f'"{u}"' for u in reading.unknown) or f'"{reading.text}"'
        return (f"not understood: {words}. This family knows hair, eyes, glasses, beard, smile, skin, freckles, "
                "lipstick, earrings, pose and background; the faces follow the text only loosely")

    @_user_errors
    def read_text(self, text: str) -> dict:
        """What this family reads in a description, without generating: the ``Reading``'s fields, ``summary`` (one
        line for a person) and ``reader`` ("learned", or "table" where the learned reader did not load)."""
        reading = self.pipe.vocab.read(check_text(text))
        return {**reading.to_dict(), "summary": reading.summary(),
                "reader": "learned" if self.pipe.vocab.reader is not None else "table"}

    def suggested_strengths(self, text: str) -> dict[str, float] | None:
        """Slider positions for an edit description: 1 for the layer groups that carry the attributes it names
        (the family's measurement), 0 for the others; None when the text names nothing the family knows."""
        try:
            layers, named = self.pipe.governed_layers(check_text(text))
        except ValueError:
            return None
        return self.pipe.layers.strengths(layers) if len(layers) < self.pipe.layers.num_layers or named else None

    def carrying_groups(self, text: str) -> dict[str, tuple[str, ...]]:
        """Per attribute a description names, the layer groups that carry it (the family's table, ``LayerGroups``);
        empty where the text names nothing the family knows, or is no description."""
        try:
            _, named = self.pipe.governed_layers(check_text(text))
        except ValueError:
            return {}
        return {name: self.pipe.layers.attributes[name] for name in named}

    def edits_stay_in_their_groups(self) -> bool:
        """Whether an edit of named values changes the face only through the groups that carry them: text codes in
        the generator's own terms (``ParameterTextCodes``), where another group's slider, even at 2, moves the
        pixels by under one grey level on average (the shipped family's examples). Elsewhere (a mapper's offset,
        CLIP-guided codes, global directions) every group's slider mixes the text's code into its layers."""
        return isinstance(self.pipe.text_codes, ParameterTextCodes)

    @_user_errors
    def apply_text(self, session: EditSession | None, text: str, coarse: float, middle: float, fine: float,
                   steps: int = REFINE_STEPS):
        """Edit the kept code with a description; returns ``(edited, per-group strip, session)``."""
        if session is None:
            raise UserError(NO_CODES)
        self.check_session(session)
        text = check_text(text)
        strengths = _strengths(coarse, middle, fine)
        offset = self._offset(session)
        content = torch.from_numpy(session.content).to(offset) + offset  # the face the attribute sliders show
        steps = _count(steps, 0, MAX_STEPS, "the refinement steps")
        if steps == 0 and self.pipe.directions is not None:  # instant: a StyleCLIP global direction
            out = self.pipe.direction_edit(content, text, strengths)
            session = EditSession(session.content, None, out.direction, session.attributes)
        else:
            out = self.pipe.edit(content, text, strengths, steps=steps)
            session = EditSession(session.content, (out.style - offset).cpu().numpy(), None, session.attributes)
        strip = _strip(out)
        return to_pil(out.image)[0], strip, session

    @_user_errors
    def apply_direction(self, session: EditSession | None, target: str, neutral: str, alpha: float, beta: float,
                        coarse: float, middle: float, fine: float):
        """A global-direction edit with every knob given: ``neutral -> target`` at strength ``alpha`` and
        disentanglement ``beta``, the sliders multiplying ``alpha`` per group; returns ``(edited, strip, session,
        note)``, the note saying how many style channels moved."""
        if session is None:
            raise UserError(NO_CODES)
        self.check_session(session)
        out = self.pipe.direction_edit(self._codes(session)[0], check_text(target),
                                       _strengths(coarse, middle, fine), alpha=_number(alpha, -30, 30, "the strength"),
                                       beta=_number(beta, 0.0, 1.0, "the disentanglement"),
                                       neutral=check_text(neutral))
        strip = _strip(out)
        note = (f"{out.direction['channels']} style channels moved ('{out.direction['neutral']}' -> "
                f"'{out.direction['target']}', strength {out.direction['alpha']:g})")
        return (to_pil(out.image)[0], strip,
                EditSession(session.content, None, out.direction, session.attributes), note)

    def default_inversion_steps(self) -> int:
        """The app's inversion default on this family: the encoder alone (0 steps) where edits are instant global
        directions on a CPU (seconds, not minutes, per photo), else ``INVERT_STEPS`` of optimisation."""
        return 0 if self.default_refine_steps() == 0 else INVERT_STEPS

    def default_refine_steps(self) -> int:
        """The app's refinement default on this family: 0 (an instant global direction) where it has one and no
        GPU is present, else TediGAN's optimisation (``REFINE_STEPS``)."""
        return 0 if self.pipe.directions is not None and self.pipe.device.type == "cpu" else REFINE_STEPS

    def _fits(self, session: EditSession) -> bool:
        """Whether the session's codes are this family's (a user may switch families)."""
        return session.content.shape[1:] == (self.pipe.G.num_layers, self.pipe.G.w_dim)

    def check_session(self, session: EditSession) -> EditSession:
        """Codes kept from another model family (the user switched) cannot be rendered by this one."""
        if not self._fits(session):
            raise UserError(f"these W+ codes {list(session.content.shape)} belong to another model family: invert "
                            f"the photo again with {self.pipe.name}")
        return session

    @_user_errors
    def rerender(self, session: EditSession | None, coarse: float, middle: float, fine: float):
        """Slider moved: mix the kept codes again and render (no inversion, no text encoding)."""
        if session is None:
            raise UserError(NO_CODES)
        self.check_session(session)
        content, style = self._codes(session)
        if session.direction is not None:
            return to_pil(self.pipe.direction_render(content, session.direction, _strengths(coarse, middle, fine)))[0]
        if style is None:  # no description applied yet: the face with its attribute sliders, if any moved
            return to_pil(self.pipe.render(content))[0] if any(session.attributes.values()) else None
        return to_pil(self.pipe.mix(content, style, _strengths(coarse, middle, fine))[1])[0]

    @_user_errors
    def export_codes(self, session: EditSession | None, coarse: float, middle: float, fine: float) -> str:
        """Write the current W+ codes to a temporary ``.npy`` for download."""
        if session is None:
            raise UserError(NO_CODES)
        wp, style = self._codes(self.check_session(session))
        if style is not None:
            wp, _ = self.pipe.mix(wp, style, _strengths(coarse, middle, fine))
        buf = io.BytesIO()
        np.save(buf, wp.cpu().numpy().astype(np.float32))
        return publish_bytes(buf.getvalue(), self.out_dir, "wp.npy")

    @_user_errors
    def import_codes(self, path: str | None):
        """Load W+ codes saved earlier; returns ``(render, session)``."""
        if not path:
            raise UserError("choose a .npy file of W+ codes")
        try:
            arr = read_codes(path, self.pipe.G.num_layers, self.pipe.G.w_dim)
        except CodesError as e:
            raise UserError(str(e)) from None
        if len(arr) != 1:
            raise UserError(f"the file holds {len(arr)} codes; the editor takes one [1, {arr.shape[1]}, "
                            f"{arr.shape[2]}]")
        session = EditSession(arr[:1].astype(np.float32))
        return to_pil(self.pipe.render(torch.from_numpy(session.content)))[0], session

    # ---- sketch / label map -> faces ---------------------------------------------------------------------------
    @staticmethod
    def _editor_image(value):
        """A Sketchpad / ImageEditor value (dict with a ``composite``) or a plain image. An upload with nothing painted
        over it is taken as uploaded (a class-index label image keeps its single channel)."""
        if isinstance(value, dict):
            painted = any(_painted(layer) for layer in value.get("layers") or [])
            background = value.get("background")
            value = value.get("composite") if painted or background is None else background
        if value is None:
            raise UserError("draw or upload an input first")
        return value

    @_user_errors
    def from_sketch(self, sketch, text: str = "", n: int = 4, seed: int = 0):
        out = self.pipe.from_sketch(self._editor_image(sketch), text=text or None,
                                    n=_count(n, 1, MAX_SAMPLES, "the number of samples"), seed=_seed(seed))
        return to_pil(out.images)

    @_user_errors
    def from_label(self, label, text: str = "", n: int = 4, seed: int = 0):
        out = self.pipe.from_label(self._editor_image(label), text=text or None, index_space="auto",
                                   n=_count(n, 1, MAX_SAMPLES, "the number of samples"), seed=_seed(seed))
        return to_pil(out.images)

    # ---- mix & interpolate ---------------------------------------------------------------------------------------
    @_user_errors
    def interpolate(self, text_a: str, text_b: str, steps: int = 8, seed: int = 0):
        """Returns ``(frames, gif_path)``."""
        steps = _count(steps, 2, 16, "the number of frames")
        _, frames = self.pipe.interpolate(text_a, text_b, steps=steps, seed=_seed(seed))
        images = to_pil(frames)
        loop = images + images[-2:0:-1]
        buf = io.BytesIO()
        loop[0].save(buf, "gif", save_all=True, append_images=loop[1:], duration=120, loop=0)
        return images, publish_bytes(buf.getvalue(), self.out_dir, "interpolation.gif")

    def edit_browser_codes(self, session: EditSession | None) -> dict | None:
        """What the page needs to render the Edit tab's slider moves itself (``BrowserRender.codes``); None where
        the server renders them (no description applied yet, a global direction, another family's codes)."""
        if session is None or session.style is None or session.direction is not None or not self._fits(session):
            return None
        return self.browser.codes(*self._codes(session))

    # ---- attribute sliders ---------------------------------------------------------------------------------------
    def attribute_choices(self) -> list[tuple[str, str]]:
        """``(label, name)`` of each attribute slider of this family (none: an empty list)."""
        return [(s.label, s.name) for s in self.pipe.attribute_sliders.values()]

    @_user_errors
    def set_attribute(self, session: EditSession | None, name: str, amount: float, coarse: float, middle: float,
                      fine: float):
        """Move one attribute slider: ``(image, session)``, one render."""
        if session is None:
            raise UserError(NO_CODES)
        self.check_session(session)
        amount = _number(amount, -MAX_AMOUNT, MAX_AMOUNT, f"the {name} slider")
        if name not in self.pipe.attribute_sliders:
            raise UserError(f"family {self.pipe.name} has no attribute slider {name!r}")
        session = replace(session, attributes={**session.attributes, name: amount})
        return self.rerender(session, coarse, middle, fine), session

    def _offset(self, session: EditSession) -> torch.Tensor:
        return self.pipe.attribute_offset({k: v for k, v in session.attributes.items() if v})

    def _codes(self, session: EditSession) -> tuple[torch.Tensor, torch.Tensor | None]:
        """The session's content and style codes with its attribute sliders added (on the pipeline's device)."""
        offset = self._offset(session)
        content = torch.from_numpy(session.content).to(offset) + offset
        style = None if session.style is None else torch.from_numpy(session.style).to(offset) + offset
        return content, style

    def _mix_codes(self, content_seed: int, style_text: str) -> tuple[torch.Tensor, torch.Tensor]:
        content = self.pipe.random_codes(1, _seed(content_seed))
        style = self.pipe.text_style(style_text, content)
        return content, style

    @_user_errors
    def mix_browser_codes(self, content_seed: int, style_text: str) -> dict | None:
        """``edit_browser_codes`` for the Mix tab's face and description."""
        return self.browser.codes(*self._mix_codes(content_seed, style_text), name="mixed.npy")

    @_user_errors
    def style_mix(self, content_seed: int, style_text: str, coarse: float, middle: float, fine: float):
        """Content from a random face, the chosen groups from a description's code."""
        content, style = self._mix_codes(content_seed, style_text)
        strengths = _strengths(coarse, middle, fine)
        _, image = self.pipe.mix(content, style, strengths)
        return to_pil(self.pipe.render(content))[0], to_pil(image)[0]

