"""The attributes, label classes and colours of the procedural face domain (the documentation lives here)."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Attribute", "ATTRIBUTES", "ATTRIBUTE_NAMES", "LABEL_CLASSES", "LABEL_PALETTE", "attribute"]


@dataclass(frozen=True)
class Attribute:
    name: str
    values: tuple[str, ...]
    group: str  # the StyleGAN layer group meant to carry it: coarse / middle / fine
    colors: tuple[tuple[int, int, int], ...] | None = None  # RGB per value, for colour attributes

    def index(self, value: str) -> int:
        return self.values.index(value)


ATTRIBUTES: tuple[Attribute, ...] = (
    # coarse: geometry of the whole head
    Attribute("pose", ("left", "frontal", "right"), "coarse"),
    Attribute("face_shape", ("round", "oval", "long"), "coarse"),
    Attribute("glasses", ("none", "glasses", "sunglasses"), "coarse"),
    # middle: parts and expressions
    Attribute("hair_style", ("bald", "short", "bob", "long"), "middle"),
    Attribute("eyes", ("open", "closed"), "middle"),
    Attribute("smile", ("neutral", "smiling"), "middle"),
    Attribute("mouth", ("closed", "open"), "middle"),
    Attribute("beard", ("none", "beard"), "middle"),
    Attribute("earrings", ("none", "earrings"), "middle"),
    # fine: colours and textures of small or high-frequency regions
    Attribute("hair_color", ("black", "brown", "blond", "red", "gray"), "fine",
              ((28, 24, 26), (105, 62, 34), (226, 190, 110), (184, 66, 30), (168, 168, 172))),
    Attribute("skin_tone", ("light", "tan", "dark"), "fine", ((246, 208, 180), (208, 154, 110), (124, 82, 58))),
    Attribute("eye_color", ("brown", "blue", "green"), "fine", ((96, 52, 24), (40, 110, 220), (40, 160, 70))),
    Attribute("lipstick", ("none", "red"), "fine", ((0, 0, 0), (205, 20, 45))),
    Attribute("freckles", ("none", "freckles"), "fine"),
    Attribute("background", ("blue", "green", "pink", "gray"), "fine",
              ((70, 120, 200), (80, 160, 90), (225, 140, 175), (128, 128, 128))),
)
ATTRIBUTE_NAMES = tuple(a.name for a in ATTRIBUTES)
_BY_NAME = {a.name: a for a in ATTRIBUTES}


def attribute(name: str) -> Attribute:
    """The attribute called ``name``; ``KeyError`` lists the valid names."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise KeyError(f"unknown attribute {name!r}; valid: {', '.join(ATTRIBUTE_NAMES)}") from None


# Semantic classes of the label map (in the spirit of CelebAMask-HQ), with the palette used to show them. Classes
# that CelebAMask-HQ also has use its colours, so its colour label maps read directly (see synthfaces/labels.py).
LABEL_CLASSES: tuple[str, ...] = (
    "background", "skin", "nose", "eyes", "brows", "ears", "mouth", "lips", "hair", "glasses", "beard",
    "earrings", "neck", "clothes",
)
LABEL_PALETTE: tuple[tuple[int, int, int], ...] = (
    (0, 0, 0), (204, 0, 0), (76, 153, 0), (51, 51, 255), (0, 255, 255), (102, 51, 0), (102, 204, 0),
    (255, 255, 0), (0, 0, 204), (204, 204, 0), (153, 102, 255), (0, 204, 204), (255, 153, 51), (0, 204, 0),
)
