"""Slider moves rendered in the visitor's browser: what the page needs to draw them itself.

For a small StyleGAN2 family (the embedded one), the slider render (layer mix + synthesis) is exported once as an
ONNX graph (``export.onnx``) and written under the served folder; after each edit the page receives the two W+
codes the sliders mix and draws every move with onnxruntime-web (``static/slider.js``). Larger generators stay
server-rendered: a 1024 px frame is about 290 GFLOP.
"""

from __future__ import annotations

import base64
import logging
import threading
from pathlib import Path

import numpy as np
import torch

from .loading.errors import first_line
from .method.control import MAX_STRENGTH
from .models.base import GROUP_NAMES
from .serving import publish_bytes

__all__ = ["BrowserRender", "MAX_RESOLUTION"]

MAX_RESOLUTION = 128  # generators up to this size render in the page
log = logging.getLogger(__name__)


def _floats(code: torch.Tensor | np.ndarray) -> str:
    """A ``[1, L, D]`` code as base64 of little-endian float32 (a JavaScript ``Float32Array``'s bytes)."""
    array = code.detach().cpu().numpy() if isinstance(code, torch.Tensor) else np.asarray(code)
    return base64.b64encode(array.astype("<f4").tobytes()).decode("ascii")


class BrowserRender:
    """The browser-side render of one generator: its ONNX graph, exported on first use and kept in memory (the
    served copy is written again whenever it is asked for, since a server prunes unused files)."""

    def __init__(self, G, out_dir: str | Path):
        self.G, self.out_dir = G, Path(out_dir)
        self.supported = hasattr(G, "to_rgbs") and G.resolution <= MAX_RESOLUTION  # StyleGAN2, small
        self._graph: bytes | None = None
        self._lock = threading.Lock()
        self.layers = [0] * G.num_layers  # the layer group of each W+ entry: coarse 0, middle 1, fine 2
        for k, group in enumerate(GROUP_NAMES):
            for i in G.layer_groups[group]:
                self.layers[i] = k

    def model(self) -> str | None:
        """Path of the served graph, or None where the page should not render (the server renders instead)."""
        if not self.supported:
            return None
        with self._lock:
            if self._graph is None:
                from .export.onnx import export_slider  # torch.onnx: imported on first use only

                try:
                    self._graph = export_slider(self.G)
                except Exception as e:  # noqa: BLE001 - any exporter failure: the server keeps rendering
                    log.warning("no browser render for this family: %s", first_line(e, sentence=False))
                    self.supported = False
                    return None
        return publish_bytes(self._graph, self.out_dir, "slider.onnx")

    def codes(self, content: torch.Tensor | np.ndarray, style: torch.Tensor | np.ndarray,
              name: str = "wp.npy") -> dict | None:
        """What the page needs to render the mix of ``content`` and ``style`` (``[1, L, D]`` each): the graph's
        path, the codes, the layer group of each W+ entry (coarse 0, middle 1, fine 2), the highest slider strength
        (``max_strength``: the page clamps to it as the server does) and the name of the codes' download; None where
        the server renders."""
        model = self.model()
        if model is None:
            return None
        return {"model": model, "shape": [self.G.num_layers, self.G.w_dim], "layers": self.layers,
                "content": _floats(content), "style": _floats(style), "max_strength": MAX_STRENGTH, "name": name}
