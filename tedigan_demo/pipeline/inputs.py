"""What the networks read: a photo as the generator's aligned input, a sketch or a label map as its encoder's."""

from __future__ import annotations

import torch

from ..imaging import NoFaceError, align_face, read_image, sketch_to_tensor, to_model_input
from ..loading import LoadError
from ..synthfaces import LABEL_CLASSES
from ..synthfaces.labels import CELEBAMASK_CLASSES, label_from_image, label_planes, to_celebamask

__all__ = ["photo_tensor", "sketch_tensor", "label_tensor"]


def photo_tensor(image, resolution: int, align: bool | str = "auto", synthetic_domain: bool = False
                 ) -> torch.Tensor:
    """Any image -> ``[1, 3, resolution, resolution]`` in [-1, 1]. ``align``: True aligns the largest face to the
    FFHQ crop (dlib 68 landmarks); False takes the centre square; "auto" aligns when a face is found, keeps small
    square images of a synthetic domain as they are, and otherwise raises ``NoFaceError``. Tensors are taken as
    aligned."""
    if isinstance(image, torch.Tensor) or align is False:
        return to_model_input(image, resolution)
    img = read_image(image)
    try:
        aligned, _ = align_face(img, size=max(256, resolution))
    except NoFaceError:
        if align == "auto" and synthetic_domain and img.width == img.height and img.width <= 256:
            return to_model_input(img, resolution)
        raise
    return to_model_input(aligned, resolution)


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
