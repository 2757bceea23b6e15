"""The app's image inputs: Gradio's components, with the app's limits applied before anything is decoded.

Gradio reads an upload before a handler sees it; a file that is not an image, or a huge one, then failed inside
Gradio with no words for the user. These components check each file's header first (``check_image_file``: not an
image / too large / too small, one line each), hold ``data:`` URLs to the upload byte limit, and pass the photo on
as a file path, which the package reads with its own limits.
"""

from __future__ import annotations

import gradio as gr

from tedigan_demo.imaging import ImageError, check_image_file

__all__ = ["MAX_UPLOAD_MB", "PhotoInput", "SketchInput", "LabelInput"]

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
        raise gr.Error(f"the image cannot be read: {str(e).splitlines()[0] if str(e) else type(e).__name__}") \
            from None


class PhotoInput(gr.Image):
    """A photo, handed to the handler as a file path (never decoded by Gradio)."""

    def __init__(self, **kwargs):
        super().__init__(type="filepath", image_mode=None, **kwargs)

    def preprocess(self, payload):
        return None if payload is None else _guarded(super().preprocess, payload, [payload])


class _EditorChecks:
    def preprocess(self, payload):
        if payload is None:
            return None
        parts = [payload.background, payload.composite, *(payload.layers or [])]
        return _guarded(super().preprocess, payload, parts)


class SketchInput(_EditorChecks, gr.Sketchpad):
    """A sketch pad that also takes an uploaded drawing."""

    def __init__(self, **kwargs):
        super().__init__(sources=("upload", "clipboard"), **kwargs)


class LabelInput(_EditorChecks, gr.ImageEditor):
    """A label-map editor that keeps an uploaded image's own mode (a class-index image stays single-channel)."""

    def __init__(self, **kwargs):
        super().__init__(image_mode=None, **kwargs)
