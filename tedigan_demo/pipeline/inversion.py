"""A photo's W+ code as TediGAN finds it (§3.3, after IDInvert): the image encoder's code, then instance-level
optimisation with pixel, perceptual and encoder terms (``method.inversion.optimize_wp``); on a family whose mapping
runs through the renderer's parameters, through those parameters (``parameter_inversion``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import torch
from PIL import Image

from ..imaging import NoFaceError, align_face, centre_square, face_landmarks, read_image, to_model_input
from ..method.inversion import InversionWeights, optimize_wp
from .inputs import kept_without_a_face, of_the_domain, photo_tensor
from .parameter_inversion import PARAMETER_FIT, cartoon_of_photo, invert_parameters
from .photo_values import read_photo_values
from .results import Inversion
from .text_codes import render

__all__ = ["invert_image", "invert_target"]

READ_SIZE = 256  # a photo is read at the FFHQ crop of this size


def invert_image(G, encoder, perceptual, weights: InversionWeights, image, align: bool | str = "auto",
                 synthetic_domain: bool = False, progress: Callable | None = None, preview: int | None = None,
                 through=None) -> Inversion:
    """Any image (``inputs.photo_tensor``'s kinds, ``align`` as there) -> its ``Inversion`` (``invert_target``).
    On a family that inverts through the renderer's parameters (``through``: its classifier), an image the
    classifier reads as one of the domain's faces is inverted as it is (dlib finds faces in some cartoons), and a
    photo in which a person's face is found becomes a face of the domain read from it
    (``parameter_inversion.cartoon_of_photo``)."""
    device = next(G.parameters()).device
    if through is not None and not isinstance(image, torch.Tensor):
        img = read_image(image)
        square = to_model_input(img, G.resolution).to(device)
        if of_the_domain(through, img, square):  # one of the domain's own faces: as it is, never "aligned"
            return invert_target(G, encoder, perceptual, weights, square, progress, preview, through)
        try:
            photo = _photo_of_a_face(img, align)
        except NoFaceError:
            if not kept_without_a_face(img, align, synthetic_domain):
                raise
            # taken as it is, as photo_tensor would take it: the square above, with no second look for a face
            return invert_target(G, encoder, perceptual, weights, square, progress, preview, through)
        if photo is not None:
            aligned, landmarks = photo
            target = to_model_input(aligned, G.resolution).to(device)
            return cartoon_of_photo(G, read_photo_values(aligned, landmarks), target, preview)
        image = img  # decoded once
    target = photo_tensor(image, G.resolution, align, synthetic_domain).to(device)
    return invert_target(G, encoder, perceptual, weights, target, progress, preview, through)


def _photo_of_a_face(img: Image.Image, align: bool | str):
    """``(aligned READ_SIZE px image, its 68 landmarks)`` where ``img`` is a photo with a person's face (aligned
    here unless ``align`` is False), else None. Raises ``NoFaceError`` where alignment finds no face."""
    aligned = centre_square(img, READ_SIZE) if align is False else align_face(img, READ_SIZE)[0]
    landmarks = face_landmarks(aligned)
    return None if landmarks is None else (aligned, landmarks)


def invert_target(G, encoder, perceptual, weights: InversionWeights, target: torch.Tensor,
                  progress: Callable | None = None, preview: int | None = None, through=None) -> Inversion:
    """The prepared image ``target`` ``[1, 3, R, R]`` (on ``G``'s device) -> its ``Inversion``: ``encoder``'s
    code refined for ``weights.steps`` under ``weights`` (``perceptual``: the feature network of that term, or
    None); the reconstruction is rendered, and compared with the target, at ``preview`` px at most (None: full
    size). ``through``: the family's attribute classifier where the inversion goes through the renderer's
    parameters instead (``parameter_inversion``; ``weights.steps`` of W+ refinement after them). Deterministic:
    no random state is drawn or touched."""
    if through is not None:
        fit = replace(PARAMETER_FIT, refine_steps=weights.steps)
        return invert_parameters(G, through, encoder, perceptual, target, fit, progress, preview)
    with torch.inference_mode():
        wp0 = encoder(target)
    with torch.enable_grad():
        wp, losses = optimize_wp(lambda w: G.synthesize(w, "const"), target, wp0.clone(), weights,
                                 perceptual=perceptual, encoder=encoder, progress=progress, patience=20)
    return Inversion.compared(wp, wp0, target, render(G, wp, preview), weights.steps, losses)
