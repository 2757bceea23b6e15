"""What the networks read: a photo as the generator's aligned input, a sketch or a label map as its encoder's; the
app and the command line (``encoding``) both read through here. ``official_input`` is pSp / e4e's own inference
transform (PIL bilinear resize to 256 x 256, then ``ToTensor``; images normalised with mean 0.5 / std 0.5, sketches
one channel in [0, 1], label maps CelebAMask-HQ class ids one-hot over 19 planes)."""

from __future__ import annotations

import numpy as np
import torch
from PIL import Image

from ..imaging import ImageError, NoFaceError, align_face, detail_beyond, read_image, sketch_to_tensor, to_model_input
from ..loading import LoadError
from ..synthfaces import LABEL_CLASSES
from ..synthfaces.labels import CELEBAMASK_CLASSES, label_from_image, label_planes, to_celebamask

__all__ = ["photo_tensor", "of_the_domain", "kept_without_a_face", "sketch_tensor", "label_tensor", "official_input",
           "in_channels", "PSP_SIZE"]

PSP_SIZE = 256  # the input size of pSp / e4e encoders


def photo_tensor(image, resolution: int, align: bool | str = "auto", synthetic_domain: bool = False,
                 classifier=None) -> torch.Tensor:
    """Any image -> ``[1, 3, resolution, resolution]`` in [-1, 1]. ``align``: True aligns the largest face to the
    FFHQ crop (dlib 68 landmarks); False takes the centre square; "auto" aligns when a face is found, keeps small
    square images of a synthetic domain as they are, and otherwise raises ``NoFaceError``. Tensors are taken as
    aligned. ``classifier``: a synthetic domain's; an image it reads as one of the domain's faces is taken as it is
    (dlib finds a face in some cartoons)."""
    if isinstance(image, torch.Tensor) or align is False:
        return to_model_input(image, resolution)
    img = read_image(image)
    if synthetic_domain and classifier is not None:
        x = to_model_input(img, resolution)
        if of_the_domain(classifier, img, x):
            return x
    try:
        aligned, _ = align_face(img, size=max(256, resolution))
    except NoFaceError:
        if kept_without_a_face(img, align, synthetic_domain):
            return to_model_input(img, resolution)
        raise
    return to_model_input(aligned, resolution)


def kept_without_a_face(img: Image.Image, align: bool | str, synthetic_domain: bool) -> bool:
    """Whether an image in which no face was found is still taken, as it is: a small square image of a synthetic
    domain under "auto" alignment (a face of the domain too small for the detector)."""
    return align == "auto" and synthetic_domain and img.width == img.height and img.width <= 256


# An image is a face of the domain when it carries no detail beyond the family's resolution (the family's faces are
# drawn at 64 px and shown or saved at that size or enlarged) and the classifier is sure of it. Detail
# (``imaging.detail_beyond``): at most 0.030 on the example faces enlarged to 200, 256 or 512 px by four resamplings,
# as PNG or JPEG (q 85); at least 0.074 on nine photos (six of people, a cameraman, a cat, a cup). The classifier's
# confidence alone does not separate them: photos reach a mean of 0.96 (a portrait against a plain backdrop),
# generated faces 0.93.
DOMAIN_DETAIL = 0.05
DOMAIN_CONFIDENCE = 0.9  # the classifier's mean confidence over the attributes: 99% of generated faces reach 0.93


def of_the_domain(classifier, img: Image.Image, x: torch.Tensor) -> bool:
    """Whether the image ``img``, whose model input is ``x`` ``[1, 3, R, R]``, is a face of ``classifier``'s (a
    synthetic domain's) domain: no finer than ``R`` px, and read surely (the constants above)."""
    if detail_beyond(img, x.shape[-1]) > DOMAIN_DETAIL:
        return False
    with torch.no_grad():
        logits = classifier(x.to(next(classifier.parameters()).device))
        return float(torch.stack([p.softmax(-1).amax(-1) for p in logits]).mean()) >= DOMAIN_CONFIDENCE


def input_resolution(encoder) -> int:
    """The input size an encoder reads (pSp: 256; the embedded encoders: their config)."""
    return getattr(encoder, "input_resolution", None) or encoder.config.resolution


def in_channels(encoder) -> int:
    cfg = encoder.config
    return getattr(cfg, "input_nc", None) or getattr(cfg, "in_channels", 3)


def sketch_tensor(encoder, sketch) -> torch.Tensor:
    """A sketch (strokes on a canvas, any size) -> ``[1, 1, R, R]`` for ``encoder``."""
    return sketch_to_tensor(sketch, input_resolution(encoder))


def label_tensor(encoder, label, index_space: str = "domain") -> torch.Tensor:
    """A label map (colour image in a known palette, or class indices) -> one-hot planes ``[1, C, R, R]`` in the
    classes ``encoder`` reads: the domain's, or CelebAMask-HQ's (pSp's label model)."""
    idx = label_from_image(label, input_resolution(encoder), index_space)
    classes = in_channels(encoder)
    if classes == len(CELEBAMASK_CLASSES):
        idx = to_celebamask(idx)
    elif classes != len(LABEL_CLASSES):
        raise LoadError(f"the label encoder reads {classes} classes, neither the domain's {len(LABEL_CLASSES)} nor "
                        f"CelebAMask-HQ's {len(CELEBAMASK_CLASSES)}")
    return label_planes(torch.from_numpy(idx)[None], classes)


def official_input(img: Image.Image, kind: str, channels: int = 19) -> torch.Tensor:
    """pSp / e4e's inference transform of a PIL image: ``[1, C, 256, 256]``."""
    if kind == "label":
        ids = img.convert("L")
        if ids.size != (PSP_SIZE, PSP_SIZE):  # torchvision Resize's default, bilinear, as the official code does
            ids = ids.resize((PSP_SIZE, PSP_SIZE), Image.Resampling.BILINEAR)
        arr = np.asarray(ids, dtype=np.int64)
        if arr.max() >= channels:
            raise ImageError(f"a label map holds class ids 0-{channels - 1} (CelebAMask-HQ); this one has "
                             f"values up to {arr.max()}")
        return torch.nn.functional.one_hot(torch.from_numpy(arr), channels).permute(2, 0, 1)[None].float()
    mode = "L" if kind == "sketch" else "RGB"
    arr = np.asarray(img.convert(mode).resize((PSP_SIZE, PSP_SIZE), Image.Resampling.BILINEAR), np.float32) / 255
    x = torch.from_numpy(arr)
    x = x[None] if kind == "sketch" else x.permute(2, 0, 1)
    if kind == "image":
        x = (x - 0.5) / 0.5
    return x[None]
