"""Text-image guidance: "how well does this image match this text", differentiable in the image.

One interface, two implementations: the embedded family's contrastive image encoder against MiniLM sentence
embeddings, and CLIP for the FFHQ families (with the official TediGAN preprocessing).
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn

from ..models.text import memoize_texts

__all__ = ["TextImageGuidance", "EmbeddingGuidance", "CLIPGuidance", "official_clip_resize"]


class TextImageGuidance(nn.Module):
    """``embed_text(texts) -> [T, D]`` (no grad), ``embed_image(images) -> [N, D]`` (differentiable), both unit
    vectors; ``similarity`` is their cosine and ``loss`` = 1 - cosine (TediGAN's CLIP term)."""

    def embed_text(self, texts: list[str]) -> torch.Tensor:
        raise NotImplementedError

    def embed_prompts(self, texts: list[str]) -> torch.Tensor:
        """``embed_text`` of a set of prompts always encoded together (a text's templates): one batch where the
        encoder can, none of them kept."""
        return self.embed_text(texts)

    def embed_image(self, images: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def similarity(self, images: torch.Tensor, text_embedding: torch.Tensor) -> torch.Tensor:
        """Cosine similarity ``[N, T]`` between images ``[N, 3, H, W]`` and text embeddings ``[T, D]``."""
        return self.embed_image(images) @ text_embedding.t()

    def loss(self, images: torch.Tensor, text_embedding: torch.Tensor) -> torch.Tensor:
        """Per-image ``1 - cos`` against one text embedding ``[D]`` or ``[1, D]``: ``[N]``."""
        return 1 - self.similarity(images, text_embedding.view(1, -1))[:, 0]


class EmbeddingGuidance(TextImageGuidance):
    """Embedded family: an image encoder trained contrastively against a frozen sentence encoder."""

    def __init__(self, image_encoder: nn.Module, sentence_encoder: Callable[[list[str]], torch.Tensor]):
        super().__init__()
        self.image_encoder = image_encoder
        self.sentence_encoder = sentence_encoder

    @property
    def memoize(self) -> bool:
        """Whether each text's embedding is kept: its sentence encoder's setting (``models.text.memoize_texts``)."""
        return bool(getattr(self.sentence_encoder, "memoize", False))

    @memoize.setter
    def memoize(self, on: bool) -> None:
        self.sentence_encoder.memoize = on

    @torch.no_grad()
    def embed_text(self, texts: list[str]) -> torch.Tensor:
        return self.sentence_encoder(texts)

    def embed_image(self, images: torch.Tensor) -> torch.Tensor:
        return self.image_encoder(images)


def official_clip_resize(images: torch.Tensor, size: int = 224) -> torch.Tensor:
    """TediGAN's CLIP input: nearest upsampling to 7168 px (x28 from 256, x7 from 1024), then ``AvgPool2d(32)`` to
    224, computed exactly as one linear map per axis instead of materialising the 7168 x 7168 image. No [0, 1]
    rescaling and no CLIP mean/std normalisation: that is what the official code does
    (compat/inversion_losses.json). Sizes that do not divide 7168 fall back to area resampling."""
    big, pool = size * 32, 32

    def axis(length: int) -> torch.Tensor:
        src = torch.arange(big) // (big // length)  # nearest-neighbour source pixel of each upsampled pixel
        m = torch.zeros(size, length)
        m.index_put_((torch.arange(big) // pool, src), torch.ones(big), accumulate=True)
        return (m / pool).to(images)

    h, w = images.shape[-2:]
    if big % h or big % w:
        return F.interpolate(images, size=(size, size), mode="area")
    return axis(h) @ images @ axis(w).t()


class CLIPGuidance(TextImageGuidance):
    """CLIP ViT-B/32 via ``transformers`` (``CLIPModel`` + tokenizer), with the official TediGAN preprocessing."""

    def __init__(self, model: nn.Module, tokenizer, preprocess: str = "official"):
        super().__init__()
        self.model, self.tokenizer, self.preprocess = model, tokenizer, preprocess
        self.size = model.config.vision_config.image_size

    @memoize_texts()
    def embed_text(self, texts: list[str]) -> torch.Tensor:
        return self.embed_prompts(texts)

    def embed_prompts(self, texts: list[str]) -> torch.Tensor:
        return F.normalize(self.text_features(texts), dim=-1)

    @torch.no_grad()
    def text_features(self, texts: list[str]) -> torch.Tensor:
        """CLIP's text features, unnormalised (OpenAI's ``encode_text``), float32 ``[T, D]``."""
        # padded to the longest text, not to 77 tokens as the official tokenizer does: CLIP's text transformer is
        # causal and reads its end-of-text token, so the padding after it changes nothing but the cost (a
        # description is 10-20 tokens; a global direction encodes 79 prompts)
        batch = self.tokenizer(list(texts), padding=True, truncation=True, max_length=77,
                               return_tensors="pt").to(self.model.device)
        out = self.model.get_text_features(**batch)
        return (out if isinstance(out, torch.Tensor) else out.pooler_output).float()

    def embed_image(self, images: torch.Tensor) -> torch.Tensor:
        x = official_clip_resize(images, self.size) if self.preprocess == "official" else images
        out = self.model.get_image_features(pixel_values=x.to(self.model.dtype))
        out = out if isinstance(out, torch.Tensor) else out.pooler_output
        return F.normalize(out.float(), dim=-1)
