"""TediGAN's tasks on one model family: ``TediGANPipeline`` orchestrates; strategies and settings beside it."""

from .core import GROUP_NAMES, TediGANPipeline
from .results import Description, Edit, Generation, Inversion, check_text
from .settings import EMBEDDED_INVERSION, PipelineSettings

__all__ = ["TediGANPipeline", "PipelineSettings", "Generation", "Inversion", "Edit", "Description", "GROUP_NAMES",
           "check_text", "EMBEDDED_INVERSION"]
