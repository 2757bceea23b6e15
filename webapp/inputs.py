"""The app's image inputs: Gradio's own components, with the app's limits applied before anything is decoded.

Gradio reads an upload before a handler sees it; a file that is not an image, or a huge one, then failed inside
Gradio with no words for the user. Here each component's preprocessing first checks every file's header
(``check_image_file``: not an image / too large / too small, one line each) and holds ``data:`` URLs to the upload
byte limit; the photo goes on as a file path, which the package reads with its own limits. ``editor_image`` turns
an editor's value (its background, painted layers and composite) into the one image the package takes.
"""

from __future__ import annotations

import gradio as gr
from PIL import Image

from tedigan_demo.imaging import ImageError, check_image_file
from tedigan_demo.loading import first_line

__all__ = ["MAX_UPLOAD_MB", "photo_input", "sketch_input", "label_input", "editor_image"]

MAX_UPLOAD_MB = 10


def _check(data) -> None:
    """One ``ImageData`` / ``FileData`` of a payload: its bytes and its header."""
    if data is None:
        return
    url = getattr(data, "url", None) or ""
    if url.startswith("data:") and len(url) * 3 / 4 > MAX_UPLOAD_MB * 2**20:
        raise gr.Error(f"the image is larger than {MAX_UPLOAD_MB} MB")
    path = getattr(data, "path", None)
    if path and not url.startswith("data:"):
        try:
            check_image_file(path)
        except ImageError as e:
            raise gr.Error(str(e)) from None


def _guarded(preprocess, payload, parts):
    for part in parts:
        _check(part)
    try:
        return preprocess(payload)
    except gr.Error:
        raise
    except Exception as e:  # Gradio's own decoding of a damaged file
        raise gr.Error(f"the image cannot be read: {first_line(e, sentence=False)}") \
            from None


def _checked(component, parts_of):
    """``component`` with its preprocessing guarded (an instance attribute: Gradio calls ``block.preprocess``);
    ``parts_of(payload)`` lists the files in a payload."""
    original = component.preprocess

    def preprocess(payload):
        return None if payload is None else _guarded(original, payload, parts_of(payload))

    component.preprocess = preprocess
    return component


def photo_input(**kwargs) -> gr.Image:
    """A photo, handed to the handler as a file path: Gradio reads only its header."""
    return _checked(gr.Image(type="filepath", image_mode=None, **kwargs), lambda payload: [payload])


def _editor_parts(payload) -> list:
    return [payload.background, payload.composite, *(payload.layers or [])]


def sketch_input(**kwargs) -> gr.Sketchpad:
    """A sketch pad that also takes an uploaded drawing."""
    return _checked(gr.Sketchpad(sources=("upload", "clipboard"), **kwargs), _editor_parts)


def label_input(**kwargs) -> gr.ImageEditor:
    """A label-map editor that keeps an uploaded image's own mode (a class-index image stays single-channel)."""
    return _checked(gr.ImageEditor(image_mode=None, **kwargs), _editor_parts)


def _painted(layer) -> bool:
    """Whether an editor layer (PIL image or file path) holds any stroke."""
    try:
        img = layer if isinstance(layer, Image.Image) else Image.open(layer)
        return img.mode in ("RGBA", "LA", "PA") and img.getchannel("A").getbbox() is not None
    except (OSError, ValueError, AttributeError, TypeError):
        return layer is not None


def editor_image(value):
    """The drawing in a Sketchpad / ImageEditor value (``{"background", "layers", "composite"}``, as the page and
    the API send it; a plain image or path passes as it is): what is painted, as the composite; an upload with
    nothing painted over it, as uploaded (a class-index label image keeps its single channel). None: nothing yet."""
    if isinstance(value, dict):
        painted = any(_painted(layer) for layer in value.get("layers") or [])
        background = value.get("background")
        value = value.get("composite") if painted or background is None else background
    return value
