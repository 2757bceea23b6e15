"""Procedural multi-modal faces: a seed becomes an image, attribute values, a label map and a sketch.

Everything is drawn from signed distance functions evaluated at pixel centres, batched over samples in torch, with
analytic anti-aliasing (coverage = clamp(0.5 - sdf / pixel, 0, 1)). The label map takes the last shape that covers
each pixel centre; the sketch is the outline of every visible region (gradient of its anti-aliased coverage).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from .attributes import ATTRIBUTES, LABEL_CLASSES, attribute

__all__ = ["FaceBatch", "sample_attributes", "render", "render_seeds", "observable", "observable_mask", "showing",
           "sure_and_shown"]

_CLS = {name: i for i, name in enumerate(LABEL_CLASSES)}
_CLOTHES = np.array([(40, 50, 90), (150, 40, 40), (230, 230, 225), (60, 90, 60), (70, 70, 75), (200, 150, 60)])


@dataclass
class FaceBatch:
    """A rendered batch; images in [-1, 1]."""

    image: torch.Tensor  # [N, 3, R, R] float, RGB in [-1, 1]
    label: torch.Tensor  # [N, R, R] int64 class indices into LABEL_CLASSES
    sketch: torch.Tensor  # [N, 1, R, R] float, 1 = white paper, 0 = black line
    attributes: torch.Tensor  # [N, num_attributes] int64 value indices (ATTRIBUTES order)
    observed: torch.Tensor  # [N, num_attributes] bool: False where the attribute cannot be seen (e.g. eye colour
    #                         behind sunglasses)
    nuisance: torch.Tensor | None = None  # [N, 17] float: the nuisance vectors drawn (with ``attributes``, all of
    #                                       the face's parameters: ``synthfaces.latent``)


def sample_attributes(rng: np.random.Generator) -> dict[str, int]:
    """Draw one face's attribute values (as indices); a few combinations are made rarer to look natural."""
    a = {att.name: int(rng.integers(len(att.values))) for att in ATTRIBUTES}
    a["glasses"] = int(rng.choice(3, p=[0.5, 0.25, 0.25]))
    a["beard"] = int(rng.random() < 0.3)
    a["lipstick"] = int(rng.random() < 0.35 and not a["beard"])
    a["earrings"] = int(rng.random() < 0.3)
    a["freckles"] = int(rng.random() < 0.35)
    return a


def observable(a: dict[str, int]) -> dict[str, bool]:
    """Which attributes are visible in a face with values ``a`` (indices)."""
    row = observable_mask(torch.tensor([[a[att.name] for att in ATTRIBUTES]]))[0]
    return {att.name: bool(seen) for att, seen in zip(ATTRIBUTES, row)}


def observable_mask(values: torch.Tensor) -> torch.Tensor:
    """Which attributes can be seen, from value indices ``[N, A]`` (ATTRIBUTES order): ``[N, A]`` bool. Sunglasses
    hide the eyes and their colour, closed eyes their colour (no pixel changes with it); a bald head with no beard
    shows its hair colour only in the brows, which the domain does not count. Applied to the true values
    (rendering, captions) and to a classifier's reading (evaluation, redescription): the classifier never learns an
    attribute where it is hidden, so what it says there means nothing."""
    column = {att.name: values[:, k] for k, att in enumerate(ATTRIBUTES)}
    sunglasses = column["glasses"] == attribute("glasses").index("sunglasses")
    closed = column["eyes"] == attribute("eyes").index("closed")
    bald = column["hair_style"] == attribute("hair_style").index("bald")
    hidden = {"eyes": sunglasses, "eye_color": sunglasses | closed, "hair_color": bald & (column["beard"] == 0)}
    seen = torch.ones(values.shape, dtype=torch.bool, device=values.device)
    for k, att in enumerate(ATTRIBUTES):
        if att.name in hidden:
            seen[:, k] = ~hidden[att.name]
    return seen


def showing(named: dict[str, str], current: dict[str, str]) -> dict[str, str]:
    """The values (``{attribute: value}``, none of them ``named``) a face that now shows ``current`` must also take
    for the ``named`` values to show and for it to stay a face the domain draws: hair colour needs hair, eye colour
    open eyes without sunglasses, lipstick no beard and a beard no lipstick (``params`` never draws both)."""
    wanted = {}
    if "hair_color" in named and current.get("hair_style") == "bald":
        wanted["hair_style"] = "short"
    if "eye_color" in named:
        wanted.update({"eyes": "open"} if current.get("eyes") == "closed" else {})
        wanted.update({"glasses": "none"} if current.get("glasses") == "sunglasses" else {})
    if named.get("lipstick") == "red" and current.get("beard") == "beard":
        wanted["beard"] = "none"
    if named.get("beard") == "beard" and current.get("lipstick") == "red":
        wanted["lipstick"] = "none"
    return {a: v for a, v in wanted.items() if a not in named}


def sure_and_shown(read: torch.Tensor, conf: torch.Tensor, threshold: float = 0.9) -> torch.Tensor:
    """Which of a classifier's readings ``read`` ``[N, A]`` (its ``predict``, with probabilities ``conf``) count as
    labels: it is sure of them (``conf >= threshold``) and the face it read shows them (``observable_mask`` of the
    reading). A reading of sunglasses leaves no eye colour however sure the eye-colour head happens to be."""
    return (conf >= threshold) & observable_mask(read)


def _nuisance(rng: np.random.Generator) -> np.ndarray:
    """Continuous per-sample variation that no attribute names: position, scale, colour jitter, texture phase."""
    return np.concatenate([rng.uniform(-1, 1, 4), rng.uniform(0, 2 * math.pi, 3), rng.normal(0, 1, 9),
                           [rng.integers(len(_CLOTHES))]])


def render_seeds(seeds, resolution: int = 64) -> FaceBatch:
    """Render one face per seed; a face depends only on its own seed."""
    attrs, nuis = [], []
    for s in seeds:
        rng = np.random.default_rng(int(s))
        attrs.append(sample_attributes(rng))
        nuis.append(_nuisance(rng))
    return render(attrs, np.stack(nuis), resolution)


def _ellipse(x, y, cx, cy, rx, ry):
    """Approximate signed distance to an axis-aligned ellipse (exact for circles)."""
    r = torch.sqrt(((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 + 1e-12)
    return (r - 1) * torch.minimum(rx, ry)


def _box(x, y, cx, cy, hx, hy):
    d = torch.maximum((x - cx).abs() - hx, (y - cy).abs() - hy)
    return d


def _sketch(label: torch.Tensor) -> torch.Tensor:
    """Black outlines of the label regions on white, softened by a small blur: [N, 1, R, R] in [0, 1]."""
    edge = torch.zeros(label.shape, dtype=torch.float32)
    edge[:, :, 1:] += (label[:, :, 1:] != label[:, :, :-1]).float()
    edge[:, 1:, :] += (label[:, 1:, :] != label[:, :-1, :]).float()
    k = torch.tensor([[0.25, 0.5, 0.25]])
    k = (k.T @ k).view(1, 1, 3, 3) * 1.3
    ink = torch.nn.functional.conv2d(edge.clamp(max=1).unsqueeze(1), k, padding=1)
    return 1 - ink.clamp(0, 1)


def _col(rgb) -> torch.Tensor:
    return torch.as_tensor(np.asarray(rgb, dtype=np.float32) / 127.5 - 1.0)


@dataclass
class _Frame:
    """Where each sample's face sits on the pixel grid; every tensor broadcasts to ``[N, R, R]``."""

    n: int
    px: float  # pixel size in the [-1, 1] coordinate frame (anti-aliasing width)
    x: torch.Tensor  # [1, 1, R] pixel-centre columns
    y: torch.Tensor  # [1, R, 1] pixel-centre rows
    s: torch.Tensor  # [N, 1, 1] face scale
    cx: torch.Tensor  # [N, 1, 1] head centre (shifted by the pose)
    cy: torch.Tensor
    pose: torch.Tensor  # [N, 1, 1] -1 left, 0 frontal, 1 right
    fx: torch.Tensor  # [N, 1, 1] column the facial features sit on
    fa: torch.Tensor  # [N, 1, 1] face half-width / half-height
    fb: torch.Tensor
    eye_y: torch.Tensor
    mouth_y: torch.Tensor

    def p(self, t: torch.Tensor) -> torch.Tensor:
        """Per-sample scalar ``[N]`` -> broadcastable ``[N, 1, 1]`` float."""
        return t.float().view(self.n, 1, 1)


@dataclass
class _Palette:
    """Per-sample colours ``[N, 3]`` in [-1, 1]."""

    hair: torch.Tensor
    skin: torch.Tensor
    background: torch.Tensor
    eye: torch.Tensor
    clothes: torch.Tensor
    lips: torch.Tensor


class _Canvas:
    """The image and label map being composited; ``paint`` lays one region over both."""

    def __init__(self, image: torch.Tensor, frame: _Frame):
        n, res = frame.n, frame.x.shape[-1]
        self.n, self.px = n, frame.px
        self.img = image  # [N, 3, R, R]
        self.label = torch.zeros(n, res, res, dtype=torch.long)  # [N, R, R] class indices

    def paint(self, sdf, cls, color, where=None, texture=None):
        """Composite the region ``sdf < 0`` (anti-aliased) with ``color`` ([N, 3] or [N, 3, R, R]), optionally
        modulated by ``texture`` ([N, R, R] or broadcastable) and only for samples where ``where`` ([N] bool)."""
        n = self.n
        alpha = (0.5 - sdf / self.px).clamp(0, 1)
        if where is not None:
            alpha = alpha * where.float().view(n, 1, 1)
        c = color.view(n, 3, 1, 1) if color.ndim == 2 else color
        if texture is not None:
            c = (c + 1) * texture.unsqueeze(1) - 1
        a3 = alpha.unsqueeze(1)
        self.img.add_((c - self.img) * a3)
        hard = (sdf < 0) if where is None else (sdf < 0) & where.view(n, 1, 1)
        self.label.masked_fill_(hard, cls)


def _frame(A: dict[str, torch.Tensor], U: torch.Tensor, res: int) -> _Frame:
    """Face placement from the attributes ``A`` (pose, face shape) and the nuisance ``U`` (offset, scale)."""
    n = U.shape[0]
    px = 2.0 / res
    coords = (torch.arange(res, dtype=torch.float32) + 0.5) * px - 1
    y, x = coords.view(1, res, 1), coords.view(1, 1, res)

    def p(t):
        return t.float().view(n, 1, 1)

    s = p(1 + 0.04 * U[:, 2])
    cx, cy = p(0.03 * U[:, 0]), p(-0.04 + 0.03 * U[:, 1])
    pose = p(A["pose"] - 1)
    cx = cx + 0.03 * pose
    fx = cx + 0.12 * pose * s
    shape_r = torch.tensor([[0.40, 0.44], [0.35, 0.47], [0.30, 0.50]])[A["face_shape"]]
    fa, fb = p(shape_r[:, 0]) * s, p(shape_r[:, 1]) * s
    return _Frame(n, px, x, y, s, cx, cy, pose, fx, fa, fb, eye_y=cy - 0.04 * s, mouth_y=cy + 0.23 * s)


def _palette(A: dict[str, torch.Tensor], U: torch.Tensor, nuisance: np.ndarray) -> _Palette:
    """Colours from the attribute values, jittered by the nuisance; clothes colour is the nuisance's last entry."""
    n = U.shape[0]
    jit = U[:, 7:16] * 6 / 127.5
    hair_c = torch.stack([_col(attribute("hair_color").colors[i]) for i in range(5)])[A["hair_color"]] + jit[:, 0:3]
    skin_c = torch.stack([_col(attribute("skin_tone").colors[i]) for i in range(3)])[A["skin_tone"]] + jit[:, 3:6]
    bg_c = torch.stack([_col(attribute("background").colors[i]) for i in range(4)])[A["background"]] + jit[:, 6:9]
    eye_c = torch.stack([_col(attribute("eye_color").colors[i]) for i in range(3)])[A["eye_color"]]
    clothes_c = _col(_CLOTHES)[torch.as_tensor(nuisance[:, 16].astype(np.int64))]
    lips_nat = (skin_c + 1) * torch.tensor([0.82, 0.55, 0.55]) - 1
    lips_c = torch.where(A["lipstick"].view(n, 1) == 1, _col(attribute("lipstick").colors[1]), lips_nat)
    return _Palette(hair_c, skin_c, bg_c, eye_c, clothes_c, lips_c)


def _background(f: _Frame, pal: _Palette, U: torch.Tensor) -> _Canvas:
    """A fresh canvas: the background colour with a diagonal wave; label map all background (0)."""
    res = f.x.shape[-1]
    img = pal.background.view(f.n, 3, 1, 1) * (1 + 0.15 * torch.sin((f.x + f.y) * 10 * math.pi + f.p(U[:, 4]))
                                                ).unsqueeze(1)
    return _Canvas(img.expand(f.n, 3, res, res).clone(), f)


def _hair_texture(f: _Frame, U: torch.Tensor) -> torch.Tensor:
    """Wavy strand shading ``[N, R, R]`` in [0.5, 1.5], shared by the hair and the beard."""
    x, y = f.x, f.y
    strands = 1 + 0.22 * torch.sin(2 * math.pi * (x * 13 + 0.25 * torch.sin(y * 9 + f.p(U[:, 5])))) \
        - 0.1 * torch.sin(2 * math.pi * y * 7 + f.p(U[:, 6]))
    return strands.clamp(0.5, 1.5)


def _paint_head(cv: _Canvas, f: _Frame, A, pal: _Palette, U: torch.Tensor, hair_tex: torch.Tensor) -> None:
    """Back hair (bob, long), clothes, neck, ears and the shaded face with optional freckles."""
    x, y, s, cx, cy, fa, fb = f.x, f.y, f.s, f.cx, f.cy, f.fa, f.fb
    style = A["hair_style"]
    back_len = f.p(torch.tensor([0.0, 0.0, 0.3, 0.85])[style])
    back = torch.maximum(_ellipse(x, y, cx, cy - 0.04, fa + 0.12, fb + 0.1), y - (cy + back_len))
    back = torch.minimum(back, _box(x, y, cx, (cy + cy + back_len) / 2, fa + 0.12, back_len / 2 + 0.01))
    back = torch.maximum(back, y - (cy + back_len))
    cv.paint(back, _CLS["hair"], pal.hair, where=style >= 2, texture=hair_tex)
    cv.paint(_ellipse(x, y, cx, torch.full_like(cx, 1.18), 0.72 * s, 0.42 * s), _CLS["clothes"], pal.clothes)
    cv.paint(_box(x, y, cx, cy + 0.5, 0.14 * s, 0.5 * torch.ones_like(s)), _CLS["neck"], (pal.skin + 1) * 0.82 - 1)
    for side in (-1, 1):  # ears shift against the pose
        ex = cx + side * fa * 0.97 - 0.05 * f.pose
        cv.paint(_ellipse(x, y, ex, f.eye_y + 0.06, 0.065 * s, 0.10 * s), _CLS["ears"], (pal.skin + 1) * 0.92 - 1)
    rr = (((x - f.fx) / fa) ** 2 + ((y - cy) / fb) ** 2).clamp(max=1)
    cv.paint(_ellipse(x, y, cx, cy, fa, fb), _CLS["skin"], pal.skin, texture=1.06 - 0.22 * rr)
    # freckles: a fine dot pattern over the cheeks
    dots = torch.sin(x * 52 + f.p(U[:, 4])) * torch.sin(y * 52 + f.p(U[:, 5])) - 0.75
    cheeks = torch.maximum(_box(x, y, f.fx, cy + 0.1, 0.26 * s, 0.07 * s), -(x - f.fx).abs() + 0.06)
    cv.paint(torch.maximum(-dots * 0.05, cheeks), _CLS["skin"],
             (pal.skin + 1) * torch.tensor([0.7, 0.55, 0.45]) - 1, where=A["freckles"] == 1)


def _paint_hair(cv: _Canvas, f: _Frame, A, pal: _Palette, hair_tex: torch.Tensor) -> None:
    """Beard over the lower face, then the hair on top of the head (short, bob, long): a cap with a hairline and
    sides down to the ears."""
    x, y, s, cx, cy, fa, fb = f.x, f.y, f.s, f.cx, f.cy, f.fa, f.fb
    beard = torch.maximum(_ellipse(x, y, cx, cy + 0.02, fa + 0.01, fb + 0.02), (cy + 0.1 * s) - y)
    cv.paint(beard, _CLS["beard"], pal.hair, where=A["beard"] == 1, texture=hair_tex * 0.9)
    cap = torch.maximum(_ellipse(x, y, cx, cy - 0.03, fa + 0.05, fb + 0.06), y - (cy - 0.2 * s))
    sides = torch.maximum(_ellipse(x, y, cx, cy - 0.03, fa + 0.05, fb + 0.06),
                          torch.maximum(y - f.eye_y, fa * 0.82 - (x - cx).abs()))
    cv.paint(torch.minimum(cap, sides), _CLS["hair"], pal.hair, where=A["hair_style"] >= 1, texture=hair_tex)


def _paint_eyes(cv: _Canvas, f: _Frame, A, pal: _Palette) -> None:
    """Eyes (sclera, coloured iris, pupil; closed eyes are a lid line) and brows in a darker hair colour."""
    x, y, s, n, eye_y = f.x, f.y, f.s, f.n, f.eye_y
    closed = A["eyes"] == 1
    for side in (-1, 1):
        ex = f.fx + side * 0.15 * s
        cv.paint(_ellipse(x, y, ex, eye_y, 0.085 * s, 0.055 * s), _CLS["eyes"], _col((250, 250, 250)).expand(n, 3),
                 where=~closed)
        cv.paint(_ellipse(x, y, ex + 0.02 * f.pose, eye_y, 0.045 * s, 0.045 * s), _CLS["eyes"], pal.eye,
                 where=~closed)
        cv.paint(_ellipse(x, y, ex + 0.02 * f.pose, eye_y, 0.018 * s, 0.018 * s), _CLS["eyes"],
                 _col((10, 10, 10)).expand(n, 3), where=~closed)
        lid = torch.maximum((y - eye_y - 0.01 - 3 * (x - ex) ** 2).abs() - 0.014, (x - ex).abs() - 0.085 * s)
        cv.paint(lid, _CLS["eyes"], _col((40, 25, 25)).expand(n, 3), where=closed)
        brow = _box(x, y, ex, eye_y - 0.11 * s, 0.085 * s, 0.022 * s)
        cv.paint(brow, _CLS["brows"], (pal.hair + 1) * 0.7 - 1)


def _paint_nose_mouth(cv: _Canvas, f: _Frame, A, pal: _Palette) -> None:
    """Nose, then lips (neutral line / smile crescent / open); open mouths show a dark interior."""
    x, y, s, n, fx, mouth_y = f.x, f.y, f.s, f.n, f.fx, f.mouth_y
    cv.paint(_ellipse(x, y, fx + 0.04 * f.pose, f.cy + 0.09 * s, 0.04 * s, 0.07 * s), _CLS["nose"],
             (pal.skin + 1) * 0.84 - 1)
    smile, open_ = A["smile"] == 1, A["mouth"] == 1
    neutral_lips = _ellipse(x, y, fx, mouth_y, 0.12 * s, 0.035 * s)
    crescent = torch.maximum(_ellipse(x, y, fx, mouth_y - 0.035, 0.14 * s, 0.07 * s),
                             -_ellipse(x, y, fx, mouth_y - 0.07, 0.16 * s, 0.07 * s))
    lips = torch.where(smile.view(n, 1, 1), crescent, neutral_lips)
    open_lips = _ellipse(x, y, fx, mouth_y, 0.12 * s, 0.07 * s)
    lips = torch.where(open_.view(n, 1, 1), open_lips, lips)
    cv.paint(lips, _CLS["lips"], pal.lips)
    inner = _ellipse(x, y, fx, mouth_y, 0.085 * s, 0.04 * s)
    inner = torch.where(smile.view(n, 1, 1), torch.maximum(inner, (mouth_y - 0.01) - y), inner)
    cv.paint(inner, _CLS["mouth"], _col((60, 15, 20)).expand(n, 3), where=open_)


def _paint_accessories(cv: _Canvas, f: _Frame, A) -> None:
    """Gold earring studs under the ears; glasses rims (tinted lenses for sunglasses) with a bridge."""
    x, y, s, n, eye_y = f.x, f.y, f.s, f.n, f.eye_y
    for side in (-1, 1):
        ex = f.cx + side * f.fa * 0.97 - 0.05 * f.pose
        cv.paint(_ellipse(x, y, ex, eye_y + 0.17 * s, 0.032 * s, 0.032 * s), _CLS["earrings"],
                 _col((235, 195, 60)).expand(n, 3), where=A["earrings"] == 1)
    glasses, sun = A["glasses"] >= 1, A["glasses"] == 2
    for side in (-1, 1):
        ex = f.fx + side * 0.15 * s
        lens = _ellipse(x, y, ex, eye_y, 0.12 * s, 0.09 * s)
        cv.paint(lens, _CLS["glasses"], _col((20, 20, 35)).expand(n, 3), where=sun)
        cv.paint(lens.abs() - 0.016, _CLS["glasses"], _col((30, 30, 30)).expand(n, 3), where=glasses)
    cv.paint(_box(x, y, f.fx, eye_y - 0.02, 0.03 * s, 0.012 * s), _CLS["glasses"], _col((30, 30, 30)).expand(n, 3),
             where=glasses)


def render(attrs: list[dict[str, int]], nuisance: np.ndarray, resolution: int = 64) -> FaceBatch:
    """Render faces from attribute indices and nuisance vectors (see ``render_seeds``). Regions are painted back to
    front, so the label map keeps the front-most one."""
    A = {k: torch.tensor([a[k] for a in attrs]) for k in attrs[0]}
    U = torch.as_tensor(nuisance, dtype=torch.float32)
    f = _frame(A, U, resolution)
    pal = _palette(A, U, nuisance)
    cv = _background(f, pal, U)
    hair_tex = _hair_texture(f, U)
    _paint_head(cv, f, A, pal, U, hair_tex)
    _paint_hair(cv, f, A, pal, hair_tex)
    _paint_eyes(cv, f, A, pal)
    _paint_nose_mouth(cv, f, A, pal)
    _paint_accessories(cv, f, A)
    attributes = torch.stack([A[att.name] for att in ATTRIBUTES], 1)
    return FaceBatch(cv.img.clamp(-1, 1), cv.label, _sketch(cv.label), attributes, observable_mask(attributes), U)
