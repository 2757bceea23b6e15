"""A real photo's face read as the procedural domain's values: what "your cartoon" draws.

The domain's classifier reads cartoons and is lost on photographs, so a photo is read with the FFHQ alignment's
own landmarks (dlib's 68 points, found again on the aligned 256 px crop) and colours sampled where they place
things:

* geometry: pose (the nose tip against the jaw's centre), face shape (the jaw's height over its width), eyes open
  (eye aspect ratio), mouth open (the gap between the inner lips), smile (the mouth's width against the jaw's,
  and its corners above the lips' centre);
* colour: skin (the cheeks), hair (going up the face's centre line from the forehead, the first point unlike it
  that is not the backdrop; none there: bald), hair length (hair beside the face at the temples and the jaw: a bob,
  and below the chin too: long), eye colour (the darker half of each eye), the background (the top corners),
  lipstick (the lips' redness against the skin's), beard (chin and upper lip much darker than the cheeks),
  sunglasses (eyes much darker than the skin, with no white).

Colours are named by their lightness, saturation and dominant channel after a half grey-world white balance of
the face (a photo's light is rarely white; the renderer's palette is flatter than any photo). What it cannot see
(earrings, freckles, plain glasses) stays "none". Every value comes with the measurement that decided it
(``PhotoReading.evidence``), so a wrong reading can be traced.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from PIL import Image

from ..synthfaces.attributes import ATTRIBUTES

__all__ = ["PhotoReading", "read_photo_values"]

# geometry thresholds (68-point landmarks on the FFHQ-aligned crop)
YAW = 0.15  # nose tip off the jaw's centre, in jaw widths: beyond this (about 17 degrees) the head is turned
SHAPE = (0.86, 1.06)  # chin-to-brow height over jaw width: below round, above long, between oval
EYES_CLOSED = 0.17  # eye aspect ratio below this: closed
MOUTH_OPEN = 0.10  # inner-lip gap over mouth width above this: open
SMILE_WIDTH = 0.42  # mouth width over jaw width above this: smiling (or corners lifted)


@dataclass
class PhotoReading:
    values: dict[str, str]  # attribute -> value, every attribute of the domain
    evidence: dict[str, float] = field(default_factory=dict)  # the measurements behind them

    def indices(self) -> list[int]:
        """The values as indices, ATTRIBUTES order (``ParameterMapping.forward_params``' input)."""
        return [a.index(self.values[a.name]) for a in ATTRIBUTES]


def _patch(arr: np.ndarray, cx: float, cy: float, r: int) -> np.ndarray:
    h, w = arr.shape[:2]
    x0, x1 = int(np.clip(cx - r, 0, w - 1)), int(np.clip(cx + r + 1, 1, w))
    y0, y1 = int(np.clip(cy - r, 0, h - 1)), int(np.clip(cy + r + 1, 1, h))
    return arr[y0:y1, x0:x1].reshape(-1, 3)


def _median(arr, cx, cy, r) -> np.ndarray:
    return np.median(_patch(arr, cx, cy, r), axis=0)


def _ear(eye: np.ndarray) -> float:
    return float((np.linalg.norm(eye[1] - eye[5]) + np.linalg.norm(eye[2] - eye[4]))
                 / (2 * np.linalg.norm(eye[0] - eye[3]) + 1e-6))


def _geometry(lm: np.ndarray) -> tuple[dict, dict]:
    jaw_w = float(np.linalg.norm(lm[16] - lm[0]))
    brow_y = float(lm[17:27, 1].mean())
    yaw = float((lm[30, 0] - (lm[0, 0] + lm[16, 0]) / 2) / jaw_w)
    shape = float((lm[8, 1] - brow_y) / jaw_w)
    ear = (_ear(lm[36:42]) + _ear(lm[42:48])) / 2
    mouth_w = float(np.linalg.norm(lm[54] - lm[48]))
    gap = float(np.linalg.norm(lm[66] - lm[62]) / (mouth_w + 1e-6))
    width = mouth_w / jaw_w
    lift = float(((lm[51, 1] + lm[57, 1]) / 2 - (lm[48, 1] + lm[54, 1]) / 2) / (mouth_w + 1e-6))
    values = {"pose": "left" if yaw < -YAW else "right" if yaw > YAW else "frontal",
              "face_shape": "round" if shape < SHAPE[0] else "long" if shape > SHAPE[1] else "oval",
              "eyes": "closed" if ear < EYES_CLOSED else "open",
              "mouth": "open" if gap > MOUTH_OPEN else "closed",
              "smile": "smiling" if width > SMILE_WIDTH or lift > 0.12 else "neutral"}
    return values, {"yaw": yaw, "shape": shape, "eye_aspect": ear, "lip_gap": gap, "mouth_width": width,
                    "corner_lift": lift}


def _balanced(arr: np.ndarray, lm: np.ndarray) -> np.ndarray:
    """Grey-world white balance from the face and its surroundings: each channel scaled to the mean's grey."""
    region = _patch(arr, lm[:, 0].mean(), lm[:, 1].mean(), int(np.ptp(lm[:, 0])))
    mean = region.mean(0) + 1e-6
    return np.clip(arr * (mean.mean() / mean) * 0.5 + arr * 0.5, 0, 255)


def _colours(arr: np.ndarray, lm: np.ndarray) -> tuple[dict, dict]:
    jaw_w = float(np.linalg.norm(lm[16] - lm[0]))
    r = max(2, int(jaw_w * 0.04))
    skin = (_median(arr, *(lm[2] + lm[31]) / 2, r) + _median(arr, *(lm[14] + lm[35]) / 2, r)) / 2
    h, w = arr.shape[:2]
    corner = int(w * 0.04)
    background = (_median(arr, w * 0.05, h * 0.05, corner) + _median(arr, w * 0.95, h * 0.05, corner)) / 2
    hair, bald = _hair_sample(arr, lm, skin, background, r)
    side = _side_hair(arr, lm, hair, skin, background, r)
    lips = np.median(np.concatenate([_patch(arr, *lm[k], r // 2 + 1) for k in (50, 52, 56, 58)]), axis=0)
    chin = _median(arr, *(lm[57] + lm[8]) / 2, r)
    upper_lip = _median(arr, *(lm[33] + lm[51]) / 2, max(1, r // 2))
    eye_px = np.concatenate([_patch(arr, *lm[36:42].mean(0), r), _patch(arr, *lm[42:48].mean(0), r)])
    dark = eye_px[eye_px.sum(1) <= np.median(eye_px.sum(1))]
    iris = np.median(dark, axis=0)

    lum = float(skin.mean()) + 1e-6
    redness = float(lips[0] - lips[1:].mean()) - float(skin[0] - skin[1:].mean())
    beard_dark = min(float(chin.mean()), float(upper_lip.mean())) / lum
    eyes_dark = float(eye_px.mean()) / lum
    values = {"skin_tone": _skin(skin), "background": _background(background),
              "hair_style": "bald" if bald else "long" if side["chin"] == 2 and side["temple"] == 2 else
              "bob" if side["temple"] == 2 and side["jaw"] >= 1 else "short",
              "hair_color": _hair(hair), "eye_color": _iris_colour(iris),
              "lipstick": "red" if redness > 45 else "none", "beard": "beard" if beard_dark < 0.55 else "none",
              "glasses": "sunglasses" if eyes_dark < 0.35 and float(eye_px.max()) < 140 else "none"}
    evidence = {"skin_rgb": skin.round().tolist(), "hair_rgb": hair.round().tolist(),
                "background_rgb": background.round().tolist(), "iris_rgb": iris.round().tolist(),
                "lip_redness": redness, "beard_darkness": beard_dark, "eye_darkness": eyes_dark}
    return values, evidence


def _dist(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.linalg.norm(a - b))


def _hair_sample(arr, lm, skin, background, r) -> tuple[np.ndarray, bool]:
    """The hair's colour, and whether the head is bald. The forehead just above the brows is the reference (lit as
    the scalp is; where it is not skin-coloured, a fringe covers it and it is the hair). Going up the face's centre
    line, the first point that differs from the forehead is hair, sampled a little above, unless it is the backdrop
    (a bare scalp); the crop's top reached over forehead alone is a bald head too."""
    brow_y = float(lm[17:27, 1].mean())
    height = float(lm[8, 1] - brow_y)
    x = float(lm[27, 0])
    forehead = _median(arr, x, brow_y - 0.08 * height, r)
    chroma = _dist(forehead / (forehead.sum() + 1e-6), skin / (skin.sum() + 1e-6))
    if chroma > 0.09 or not 0.7 < forehead.mean() / (skin.mean() + 1e-6) < 1.6:
        return forehead, False  # a fringe
    lum = float(forehead.mean()) + 1e-6
    for k in np.arange(0.15, 0.95, 0.05):
        y = brow_y - k * height
        if y < r:
            break
        c = _median(arr, x, y, r)
        if _dist(c, forehead) > 0.22 * lum:
            if _dist(c, background) < 0.12 * lum:
                break  # the backdrop above a bare scalp
            return _median(arr, x, max(r, y - 0.06 * height), r), False
    return skin, True


def _side_hair(arr, lm, hair, skin, background, r) -> dict:
    """On how many sides of the face (0 to 2) hair shows beside it at the temples, the jaw and below the chin:
    a point is hair where it is nearer the hair's colour than the skin's and the backdrop's."""
    jaw_w = float(np.linalg.norm(lm[16] - lm[0]))
    levels = {"temple": (lm[0, 1], 0.1), "jaw": (lm[4, 1], 0.08), "chin": (lm[8, 1], 0.12)}
    out = {}
    for name, (y, off) in levels.items():
        cs = [_median(arr, lm[0, 0] - off * jaw_w, y, r), _median(arr, lm[16, 0] + off * jaw_w, y, r)]
        out[name] = sum(_dist(c, hair) < min(_dist(c, background), _dist(c, skin)) for c in cs)
    return out


def _lum_sat(rgb: np.ndarray) -> tuple[float, float]:
    return float(rgb.mean()), float((rgb.max() - rgb.min()) / (rgb.max() + 1e-6))


def _skin(rgb: np.ndarray) -> str:
    lum, _ = _lum_sat(rgb)
    return "light" if lum > 165 else "dark" if lum < 105 else "tan"


def _hair(rgb: np.ndarray) -> str:
    lum, sat = _lum_sat(rgb)
    r, g, b = (float(c) for c in rgb)
    if lum < 55 or (lum < 90 and sat < 0.3):  # black hair's highlights lift it above the darkest
        return "black"
    if sat < 0.15 and lum > 100:
        return "gray"
    if r > 1.6 * g and r - g > 45:
        return "red"
    return "blond" if lum > 135 else "brown"


def _background(rgb: np.ndarray) -> str:
    lum, sat = _lum_sat(rgb)
    r, g, b = (float(c) for c in rgb)
    if sat < 0.18:
        return "gray"
    if b >= r and b >= g:
        return "blue"
    if g >= r:
        return "green"
    return "pink"


def _iris_colour(rgb: np.ndarray) -> str:
    r, g, b = (float(c) for c in rgb)
    if b > r + 8 and b >= g:
        return "blue"
    if g > r + 4 and g > b:
        return "green"
    return "brown"


def read_photo_values(aligned: Image.Image, landmarks: np.ndarray) -> PhotoReading:
    """An FFHQ-aligned photo and its 68 landmarks (in its pixels) -> the domain's values (module docstring)."""
    arr = _balanced(np.asarray(aligned.convert("RGB"), dtype=np.float32), landmarks)
    values, evidence = _geometry(landmarks)
    colours, colour_evidence = _colours(arr, landmarks)
    values.update(colours)
    if values["glasses"] == "sunglasses":
        values["eyes"] = "open"  # behind sunglasses nothing says otherwise
    values.update(earrings="none", freckles="none")
    if values["beard"] == "beard":
        values["lipstick"] = "none"  # the domain draws lipstick only without a beard
    return PhotoReading(values, {**evidence, **colour_evidence})
