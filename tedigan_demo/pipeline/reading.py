"""Reading faces in a family's vocabulary: which value of each attribute an image shows.

Two readers share one interface: the family's attribute classifier where it has one, else zero-shot through the
text-image guidance (one prompt per value). ``shown_values`` always asks the guidance, since edits and text -> image
compare what a face shows with what a text says in the guidance's terms. ``describe`` is TediGAN's redescription.
"""

from __future__ import annotations

import numpy as np
import torch

from ..method.guidance import TextImageGuidance
from ..vocabulary import Vocabulary
from ..vocabulary.reader import guidance_prompts
from .results import Description, check_text

__all__ = ["FaceReader"]

CLIP_LOGIT_SCALE = 100


class FaceReader:
    def __init__(self, guidance: TextImageGuidance, vocab: Vocabulary, classifier: torch.nn.Module | None = None):
        self.guidance, self.vocab, self.classifier = guidance, vocab, classifier
        self._value_prompts: torch.Tensor | None = None  # zero-shot prompts' embeddings, computed on first use

    @torch.inference_mode()
    def shown_values(self, images: torch.Tensor, names) -> list[dict[str, str]]:
        """Per image ``[N, 3, H, W]``, the value of each named attribute whose canonical statement ("This person is
        smiling.") the guidance matches best."""
        current: list[dict[str, str]] = [{} for _ in range(len(images))]
        embedded = self.guidance.embed_image(images)
        for name in names:
            values = self.vocab.term(name).values
            options = self.guidance.embed_text([self.vocab.statement({name: v}) for v in values]).to(embedded.device)
            for face, j in zip(current, (embedded @ options.t()).argmax(1).tolist()):
                face[name] = values[j]
        return current

    @torch.inference_mode()
    def classified_values(self, images: torch.Tensor, names) -> list[dict[str, str]]:
        """Per image, the value of each named attribute as the family's classifier reads it (the guidance's reading,
        ``shown_values``, where it has none): the exact reading an edit in the generator's own terms needs."""
        if self.classifier is None:
            return self.shown_values(images, names)
        idx = self.classifier.predict(images)[0].tolist()
        columns = {t.name: k for k, t in enumerate(self.vocab.terms)}
        return [{n: self.vocab.term(n).values[row[columns[n]]] for n in names} for row in idx]

    @torch.inference_mode()
    def read(self, x: torch.Tensor) -> tuple[dict[str, str], dict[str, float]]:
        """Attribute values of one image ``[1, 3, R, R]`` and their confidences (classifier softmax, or softmax over
        a value's zero-shot prompts at CLIP's logit scale)."""
        terms = self.vocab.terms
        if self.classifier is not None:  # its heads follow the vocabulary's attributes
            idx, conf = self.classifier.predict(x[:1])
            return ({t.name: t.values[int(i)] for t, i in zip(terms, idx[0])},
                    {t.name: round(float(c), 3) for t, c in zip(terms, conf[0])})
        if self._value_prompts is None:
            texts = [p for per_value in self.vocab.prompts() for p in per_value]
            self._value_prompts = self.guidance.embed_text(texts).to(x.device)
        sims = self.guidance.similarity(x[:1], self._value_prompts)[0]
        values, confidence, start = {}, {}, 0
        for t in terms:
            p = torch.softmax(CLIP_LOGIT_SCALE * sims[start:start + len(t.values)], 0)
            values[t.name], confidence[t.name] = t.values[int(p.argmax())], round(float(p.max()), 3)
            start += len(t.values)
        return values, confidence

    def named_hits(self, images: torch.Tensor, named: dict[str, str]) -> torch.Tensor:
        """``[N]`` (CPU): how many of the ``named`` values the guidance reads in each image."""
        shown = self.shown_values(images, named)
        return torch.tensor([sum(face[a] == v for a, v in named.items()) for face in shown])

    @torch.inference_mode()
    def rank(self, images: torch.Tensor, text: str, named: dict[str, str] | None = None) -> torch.Tensor:
        """Indices of ``images`` ``[N, 3, H, W]``, best first: by how many of the ``named`` values the guidance
        reads in each, then by its similarity to ``text``."""
        positive, negative = guidance_prompts(self.vocab.read(text), self.vocab.statement)
        prompts = [positive] if negative is None else [positive, negative]
        sims = self.guidance.similarity(images, self.guidance.embed_text(prompts).to(images.device))
        score = sims[:, 0] if negative is None else sims[:, 0] - sims[:, 1]  # what it rules out counts against
        if named:  # a cosine (at most 2 apart) never outweighs one value read
            score = self.named_hits(images, named).to(score) * 4 + score
        return score.argsort(descending=True, stable=True)

    def distractors(self, seed: int, num: int) -> torch.Tensor:
        """Embeddings ``[num, D]`` of captions of random faces, deterministic in ``seed`` (R-precision's
        distractors; the text encoder keeps each caption's embedding, so a seed's are encoded once)."""
        return self.guidance.embed_text(self.vocab.distractors(np.random.default_rng(seed), num))

    @torch.inference_mode()
    def describe(self, x: torch.Tensor, text: str | None = None, num_distractors: int = 99, seed: int = 0
                 ) -> Description:
        """Redescription of one image ``x`` ``[1, 3, R, R]``: the attributes read from it, in words (those read
        with confidence 0.5 or more that the face lets be seen); given a ``text``, its match score and its rank
        among ``num_distractors`` captions of random faces (``seed``'s; R-precision, as in MirrorGAN)."""
        values, confidence = self.read(x)
        seen = self.vocab.visible(values)  # e.g. no eye colour behind sunglasses
        out = Description(self.vocab.describe({k: v for k, v in values.items() if confidence[k] >= 0.5 and seen[k]}),
                          values, confidence)
        if text is not None:
            candidates = torch.cat([self.guidance.embed_text([check_text(text)]),
                                    self.distractors(seed, num_distractors)])
            sims = self.guidance.similarity(x[:1], candidates.to(x.device))[0]
            out.score, out.rank = round(float(sims[0]), 4), int((sims[1:] > sims[0]).sum()) + 1
            out.num_candidates = num_distractors + 1
        return out
