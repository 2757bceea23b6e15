"""The procedural multi-modal face domain: images, label maps, sketches, attributes and captions."""

from .attributes import ATTRIBUTE_NAMES, ATTRIBUTES, LABEL_CLASSES, LABEL_PALETTE, attribute
from .render import (
           FaceBatch,
           observable,
           observable_mask,
           render,
           render_seeds,
           sample_attributes,
           showing,
           sure_and_shown,
)

__all__ = ["ATTRIBUTES", "ATTRIBUTE_NAMES", "LABEL_CLASSES", "LABEL_PALETTE", "attribute", "FaceBatch", "render",
           "render_seeds", "sample_attributes", "observable", "observable_mask", "showing",
           "sure_and_shown"]
