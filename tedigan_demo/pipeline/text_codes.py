"""How a description becomes W+ codes: the strategies of TediGAN's text side.

``MapperTextCodes``: the embedded family's text encoder into W+ (TediGAN §3.2); an edit enters as the offset of the
text's code from the code of what the face shows now. ``ParameterTextCodes``: the same family on a generator whose
mapping runs through the renderer's parameters (``models.parameter_mapping``): the values a text names enter as the
exact difference of their embeddings, the mapper's code only where the text names nothing the vocabulary knows.
``GuidedTextCodes``: families without a text encoder (the official FFHQ families) find a text's code by optimisation
under CLIP guidance, as the official code does. All answer the same four questions (``TextCodes``): the code for
text -> image, for an edit, for plain style mixing, and along an interpolation; which one a family uses it declares
once (``text_strategy``). Each owns all of its behaviour (what the mapper reads,
the reference an edit is measured from, its gain, the push until the face reads the text, the guided search); it
reads faces with the family's ``FaceReader`` and renders with the generator itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial
from typing import Literal, NamedTuple, Protocol

import torch
import torch.nn.functional as F

from ..method.control import mix
from ..method.inversion import InversionWeights, optimize_wp
from ..models.parameter_mapping import maps_through_parameters
from ..synthfaces import showing
from ..vocabulary import Vocabulary
from ..vocabulary.reader import guidance_prompts
from .groups import LayerGroups
from .reading import FaceReader
from .settings import PipelineSettings

__all__ = ["TextCodes", "GenerationCodes", "EditCodes", "TextStrategy", "text_strategy", "text_codes_for",
           "MapperTextCodes",
           "ParameterTextCodes", "GuidedTextCodes", "Refine", "refine_toward_text", "render", "Prompt", "prompt_for",
           "push_until_read", "stop_at"]

# (content, style, text, mask, steps, progress) -> style: guided optimisation of a text's code (``refine_toward_text``)
Refine = Callable[[torch.Tensor, torch.Tensor, str, torch.Tensor, int, Callable | None], torch.Tensor]


# "guided": no text encoder into W+, a text's code is found under the guidance; "mapper": TediGAN's text encoder;
# "parameters": the text encoder on a generator mapped through the renderer's parameters (exact value offsets)
TextStrategy = Literal["guided", "mapper", "parameters"]


def text_strategy(parts) -> TextStrategy:
    """The text strategy a family's parts (``loading.FamilyParts``) call for: "guided" without a text mapper,
    "parameters" where the generator's mapping runs through the renderer's parameters, else "mapper". Read once
    per family, it decides both how a text becomes codes and whose attribute sliders are exact."""
    if parts.text_mapper is None:
        return "guided"
    return "parameters" if maps_through_parameters(parts.generator) else "mapper"


@dataclass(frozen=True)
class GenerationCodes:
    """A description's code for text -> image: ``style`` ``[N, L, D]`` and the W+ ``layers`` it governs (those the
    pipeline mixes it into; the strategy may widen the ones the text names)."""

    style: torch.Tensor
    layers: list[int]


@dataclass(frozen=True)
class EditCodes:
    """A description's code for an edit: ``style`` ``[N, L, D]`` (mixed into the content per slider), and ``image``:
    the mixed face where the strategy rendered it already (None: the pipeline renders it)."""

    style: torch.Tensor
    image: torch.Tensor | None = None


class TextCodes(Protocol):
    """What every text strategy answers: a description's W+ code for each task of the pipeline."""

    def for_generation(self, text: str, named: dict[str, str], base: torch.Tensor, layers: list[int],
                       steps: int | None = None, progress: Callable | None = None, seed: int = 0,
                       truncation: float = 1.0) -> GenerationCodes:
        """The code for text -> image from random codes ``base`` ``[N, L, D]`` and the ``layers`` the text governs."""

    def for_edit(self, text: str, named: dict[str, str], content: torch.Tensor, mask: torch.Tensor,
                 steps: int | None = None, progress: Callable | None = None) -> EditCodes:
        """The code for an edit of ``content`` ``[N, L, D]`` under the sliders' ``mask`` ``[L]``."""

    def for_mix(self, text: str, start: torch.Tensor, steps: int | None = None,
                progress: Callable | None = None) -> torch.Tensor:
        """The code ``[N, L, D]`` over every layer from the codes ``start``, for plain style mixing."""

    def for_interpolation(self, text_a: str, text_b: str, base: torch.Tensor, mask: torch.Tensor,
                          alphas: torch.Tensor) -> torch.Tensor:
        """``[len(alphas), L, D]``: the codes from ``text_a`` to ``text_b`` at ``alphas`` ``[T, 1, 1]``."""


def stop_at(G, resolution: int | None) -> dict:
    """``G.synthesize``'s keyword that stops a render at ``resolution``'s block: only for a StyleGAN2 generator
    with blocks above it (none otherwise: the full render)."""
    if resolution is not None and resolution < G.resolution and hasattr(G, "to_rgbs"):
        return {"resolution": resolution}
    return {}


@torch.inference_mode()
def render(G, wp: torch.Tensor, resolution: int | None = None) -> torch.Tensor:
    """W+ codes -> images with the generator's stored noise (the same code always gives the same image), stopped at
    ``resolution``'s block where ``stop_at`` allows."""
    return G.synthesize(wp.to(G.device), "const", **stop_at(G, resolution))


NEGATIVE_WEIGHT = 0.5  # how strongly a guided search moves away from what a text rules out


class Prompt(NamedTuple):
    """A text as the guidance reads it: what to move toward, and what the text rules out (None: nothing)."""

    positive: str
    negative: str | None = None


def prompt_for(vocab: Vocabulary, text: str) -> Prompt:
    """``text`` put to the guidance through the vocabulary's reader (``vocabulary.reader.guidance_prompts``): "no
    glasses" never steers it toward glasses."""
    return Prompt(*guidance_prompts(vocab.read(text), vocab.statement))


def refine_toward_text(G, guidance, encoder, perceptual, weights: InversionWeights, content: torch.Tensor,
                       style: torch.Tensor, text: str, mask: torch.Tensor, steps: int,
                       progress: Callable | None = None, resolution: int | None = None) -> torch.Tensor:
    """Optimise the mixed code ``mix(content, style, mask)`` toward ``text`` under the guidance while keeping the
    content's image (TediGAN §3.3); returns it as a style code ``[N, L, D]``, so that the per-group sliders keep
    mixing it. ``resolution``: render the steps at that block's output only (CLIP sees 224 px; a 1024 px
    generator then skips its two most costly blocks), the caller renders the result at full size."""
    stop = stop_at(G, resolution)
    prompt = text if isinstance(text, Prompt) else Prompt(text)
    with torch.inference_mode(False):
        content, style, mask = (t.detach().clone().to(G.device) for t in (content, style, mask))
        m = mask.view(1, -1, 1)
        with torch.no_grad():
            target = G.synthesize(content, "const", **stop)
            t = guidance.embed_text([prompt.positive]).to(G.device)
            away = guidance.embed_text([prompt.negative]).to(G.device) if prompt.negative else None

        def text_loss(img):  # toward the positive; away from the negative, where there is one
            loss = guidance.loss(img, t)
            return loss if away is None else loss + NEGATIVE_WEIGHT * (1 - guidance.loss(img, away))

        with torch.enable_grad():
            wp, _ = optimize_wp(lambda w: G.synthesize(w, "const", **stop), target, mix(content, style, mask),
                                replace(weights, steps=steps), perceptual=perceptual, encoder=encoder,
                                text_loss=text_loss, progress=progress)
        return torch.where(m > 0, content + (wp - content) / m.clamp(min=1e-6), style)


class GuidedTextCodes:
    """A text's code by ``settings.text_steps`` (or the request's ``steps``) of guided optimisation from the face's
    own code; for text -> image, where the family has clip2latent's ``prior`` (with ``text_features``: CLIP's text
    features), the codes start from the prior's samples for the text instead of random ones."""

    def __init__(self, layers: LayerGroups, refine: Refine, settings: PipelineSettings, prior=None,
                 text_features: Callable | None = None, vocab: Vocabulary | None = None):
        self.layers, self.refine, self.settings = layers, refine, settings
        self.prior, self.text_features, self.vocab = prior, text_features, vocab

    def _prompt(self, text: str) -> Prompt | str:
        return prompt_for(self.vocab, text) if self.vocab is not None else text

    def _optimised(self, text, start, mask, steps, progress):
        """``start`` refined toward ``text`` in ``mask``'s layers for ``steps`` (None: ``settings.text_steps``; 0:
        ``start`` itself, no optimisation)."""
        steps = self.settings.text_steps if steps is None else steps
        if steps == 0:
            return start.clone()
        return self.refine(start, start, self._prompt(text), mask, steps, progress)

    def for_generation(self, text, named, base, layers, steps=None, progress=None, seed=0, truncation=1.0
                       ) -> GenerationCodes:
        """The text's code and the layers it governs for random codes ``base``: ``settings.generate_steps`` of
        optimisation where it is set (0: the codes themselves, which text -> image then ranks by the guidance:
        CLIP-ranked sampling), else ``text_steps``; a request's ``steps`` (not None) wins, 0 included. With a
        prior the codes are its samples for the text (noise from ``seed``, ``truncation`` toward its mean), in
        every layer."""
        steps = self.settings.generate_steps if steps is None else steps
        if self.prior is not None and self.settings.use_prior:
            features = self.text_features([text]).expand(len(base), -1)
            base = self.prior.sample(features, self.settings.prior_skip, self.settings.prior_cond_scale, truncation,
                                     generator=torch.Generator().manual_seed(seed)).to(base)
            layers = list(range(self.layers.num_layers))
        if steps == 0:
            return GenerationCodes(base.clone(), layers)
        return GenerationCodes(self._optimised(text, base, self.layers.only(layers), steps, progress), layers)

    def for_edit(self, text, named, content, mask, steps=None, progress=None) -> EditCodes:
        """The text's code over every layer group whatever the sliders' ``mask`` (``[L]``), so that a group turned
        up later shows the edit too (no image rendered yet)."""
        return EditCodes(self._optimised(text, content, torch.ones_like(mask), steps, progress))

    def for_mix(self, text, start, steps=None, progress=None):
        """The text's code over every layer from the codes ``start``, for plain style mixing: an edit's."""
        return self.for_edit(text, {}, start, self.layers.only([]), steps, progress).style

    def for_interpolation(self, text_a, text_b, base, mask, alphas):
        a, b = (self._optimised(t, base, mask, None, None) for t in (text_a, text_b))
        return torch.lerp(a, b, alphas)


class MapperTextCodes:
    """TediGAN's text encoder into W+: a sentence embedding mapped to a W+ code; a request's ``steps`` of guided
    refinement follow it where given (None or 0: none)."""

    def __init__(self, G, layers: LayerGroups, mapper, sentence_encoder, reader: FaceReader, vocab: Vocabulary,
                 refine: Refine, settings: PipelineSettings):
        self.G, self.layers, self.mapper, self.sentence_encoder = G, layers, mapper, sentence_encoder
        self.reader, self.vocab, self.refine, self.settings = reader, vocab, refine, settings

    @torch.inference_mode()
    def code(self, texts: list[str]) -> torch.Tensor:
        """Descriptions -> W+ codes ``[T, L, D]``."""
        return self.mapper(self.sentence_encoder(texts).to(self.mapper.w_avg.device))

    def for_generation(self, text, named, base, layers, steps=None, progress=None, seed=0, truncation=1.0
                       ) -> GenerationCodes:
        """The text's code and its layers (``seed``, ``truncation``: unused, the codes ``base`` carry them). With
        ``open_attributes`` "shown", each sample's code is that of the description
        followed by a statement of what its random face shows of the attributes the description leaves open, in the
        layers of all the attributes: random codes in the other layers alone hardly vary the samples where the
        coarse layers carry most attributes."""
        s = self.settings
        if s.open_attributes == "shown":
            open_names = [t.name for t in self.vocab.terms if t.name not in named]
            shown = self.reader.shown_values(render(self.G, base), open_names)
            if s.open_quiet:
                shown = [{a: v for a, v in face.items() if (a, v) not in self.vocab.quiet} for face in shown]
            layers = self.layers.layers_of([*named, *open_names])
            style = self.code([self.mapper_text(text, named, face) for face in shown])
        else:
            style = self.code([self.mapper_text(text, named)]).expand(len(base), -1, -1)
        if steps:
            style = self.refine(base, style, text, self.layers.only(layers), steps, progress)
        return GenerationCodes(style, layers)

    def for_edit(self, text, named, content, mask, steps=None, progress=None) -> EditCodes:
        """The text's code entered as its offset from ``reference_code``, added to ``content``: the mapper predicts
        the mean code of the faces a description fits, so mixing it in whole would replace the person by that
        average face; the offset carries the description alone. Refinement works on the groups the sliders'
        ``mask`` (``[L]``) turns on (every group where it turns none on); then the push (``pushed``), whose render
        of the mixed face is the edit's image when it ran."""
        target = self.target_text(text, named)
        style = self.code([target]).expand(len(content), -1, -1)
        style = content + self.settings.edit_gain * (style - self.reference_code(named, content))
        if steps:
            style = self.refine(content, style, target, _chosen(mask), steps, progress)
        return self.pushed(content, style, mask, named)

    def pushed(self, content, style, mask, named) -> EditCodes:
        """``style`` pushed along its offset until the face reads every named value (``push_until_read``, up to
        ``settings.edit_push``), with the push's render of the mixed face; ``style`` as it is and no image where
        there is no push: no gain above 1, nothing named, or every slider at 0."""
        if self.settings.edit_push > 1 and named and bool(mask.any()):
            return EditCodes(*push_until_read(self.G, self.reader, content, style, mask, named,
                                              self.settings.edit_push))
        return EditCodes(style)

    def for_mix(self, text, start, steps=None, progress=None):
        """The text's code (the mapper's, as it reads the text), for plain style mixing."""
        return self._refined_everywhere(start, self.code([text]).expand(len(start), -1, -1), text, steps, progress)

    def _refined_everywhere(self, start, style, text, steps, progress):
        """``style`` refined toward ``text`` over every layer from ``start`` for ``steps`` (None or 0: as it is)."""
        if not steps:
            return style
        return self.refine(start, style, text, self.layers.only(range(self.layers.num_layers)), steps, progress)

    def for_interpolation(self, text_a, text_b, base, mask, alphas):
        """Sentence interpolation (Reed et al. 2016): the unit sentence embeddings interpolated, each mapped."""
        with torch.inference_mode():
            e = self.sentence_encoder([text_a, text_b]).to(base.device)
            return self.mapper(F.normalize((1 - alphas[:, 0]) * e[:1] + alphas[:, 0] * e[1:], dim=-1))

    def mapper_text(self, text: str, named: dict[str, str], shown: dict[str, str] | None = None) -> str:
        """What the mapper reads for a description that names ``named``, followed by a statement of ``shown`` (what
        a sample's random face shows of the rest): the text itself, or with ``mapper_reads`` "statement" (and
        "auto", where the text names a quiet value: "no glasses") one canonical statement of the named values the
        sentence encoder can be trusted with (quiet ones unsaid) and of ``shown``."""
        shown = shown or {}
        said = {a: v for a, v in named.items() if (a, v) not in self.vocab.quiet}
        mode = self.settings.mapper_reads
        if named and (mode == "statement" or mode == "auto" and len(said) < len(named)):
            return self.vocab.statement({**said, **shown}) or "This person."  # nothing to say but a subject
        return f"{text} {self.vocab.statement(shown)}".strip()

    def target_text(self, text: str, named: dict[str, str]) -> str:
        """What an edit aims at: with ``edit_target`` "statement", the canonical statement of the values the prompt
        names ("make her smile" -> "This person is smiling."); else, or when it names none, the prompt itself."""
        if self.settings.edit_target == "statement" and named:
            return self.vocab.statement(named)
        return text

    @torch.inference_mode()
    def reference_code(self, named: dict[str, str], start: torch.Tensor) -> torch.Tensor:
        """The code ``[N, L, D]`` an edit is measured from. "source": the code of a statement of what each face
        shows now of the named attributes, so the bias common to both statements cancels (StyleCLIP's neutral ->
        target direction); "mean", or a text naming nothing the vocabulary knows: the mapper's mean code."""
        if self.settings.edit_reference == "mean" or not named:
            return self.mapper.w_avg.to(start).expand_as(start)
        shown = self.reader.shown_values(render(self.G, start), named)
        return self.code([self.vocab.statement(face) for face in shown])


class ParameterTextCodes(MapperTextCodes):
    """Text codes in the generator's own terms, for a generator whose mapping is ``z -> parameters -> w``: each face's
    values as its classifier reads them now, changed to those the description names (and to what they need to
    show: ``synthfaces.showing``), enter as the exact difference of their embeddings
    (``ParameterMapping.value_offset``). What the text leaves open stays the face's own, so text -> image samples
    differ in everything the text does not say and an edit keeps the rest of the face. A text that names nothing the
    vocabulary knows is the text mapper's, as in ``MapperTextCodes``."""

    def __init__(self, G, layers: LayerGroups, mapper, sentence_encoder, reader: FaceReader, vocab: Vocabulary,
                 refine: Refine, settings: PipelineSettings):
        super().__init__(G, layers, mapper, sentence_encoder, reader, vocab, refine, settings)
        self.mapping = G.style  # the parameter mapping: its value embeddings
        self.names = [t.name for t in vocab.terms]  # the mapping's attribute order

    @torch.inference_mode()
    def offset(self, named: dict[str, str], start: torch.Tensor, avoid: dict | None = None
               ) -> tuple[torch.Tensor, set[str]]:
        """``start`` ``[N, L, D]`` with the named values: ``(codes [N, L, D], every attribute that changes)``.
        ``avoid``: attribute -> values ruled out with no single replacement ("not blond"); a face that shows one
        takes another allowed value (the i-th face the i-th, so that samples differ)."""
        current = self.reader.classified_values(render(self.G, start), self.names)
        target = [{**face, **named, **showing(named, face)} for face in current]
        for i, face in enumerate(target):
            for attr, ruled_out in (avoid or {}).items():
                if face.get(attr) in ruled_out:
                    allowed = [v for v in self.vocab.term(attr).values if v not in ruled_out]
                    face[attr] = allowed[i % len(allowed)]

        def indices(faces):
            return torch.tensor([[self.vocab.term(n).index(face[n]) for n in self.names] for face in faces])

        delta = self.mapping.value_offset(indices(current), indices(target)).to(start)
        changed = {n for before, after in zip(current, target) for n in self.names if before[n] != after[n]}
        return start + delta.unsqueeze(1), changed | set(named)

    def for_generation(self, text, named, base, layers, steps=None, progress=None, seed=0, truncation=1.0
                       ) -> GenerationCodes:
        avoid = self.vocab.read(text).avoid
        if not named and not avoid:
            return super().for_generation(text, named, base, layers, steps, progress)
        style, changed = self.offset(named, base, avoid)
        layers = self.layers.layers_of(changed)
        if steps:
            style = self.refine(base, style, text, self.layers.only(layers), steps, progress)
        return GenerationCodes(style, layers)

    def for_edit(self, text, named, content, mask, steps=None, progress=None) -> EditCodes:
        avoid = self.vocab.read(text).avoid
        if not named and not avoid:
            return super().for_edit(text, named, content, mask, steps, progress)
        style = self.offset(named, content, avoid)[0]
        if steps:
            style = self.refine(content, style, self.target_text(text, named), _chosen(mask), steps, progress)
        return self.pushed(content, style, mask, named)

    def for_mix(self, text, start, steps=None, progress=None):
        """The named values' exact code where the text names any (an edit of ``start`` over every layer, no push),
        else the mapper's."""
        reading = self.vocab.read(text)
        if not reading.named and not reading.avoid:
            return super().for_mix(text, start, steps, progress)
        return self._refined_everywhere(start, self.offset(reading.named, start, reading.avoid)[0],
                                        self.target_text(text, reading.named), steps, progress)

    def for_interpolation(self, text_a, text_b, base, mask, alphas):
        ra, rb = self.vocab.read(text_a), self.vocab.read(text_b)
        if not ((ra.named or ra.avoid) and (rb.named or rb.avoid)):
            return super().for_interpolation(text_a, text_b, base, mask, alphas)
        a, b = self.offset(ra.named, base, ra.avoid)[0], self.offset(rb.named, base, rb.avoid)[0]
        return torch.lerp(a, b, alphas)


def text_codes_for(strategy: TextStrategy, G, guidance, encoder, perceptual, layers: LayerGroups, reader: FaceReader,
                   vocab: Vocabulary, settings: PipelineSettings, mapper=None, sentence_encoder=None,
                   prior=None) -> TextCodes:
    """The ``strategy``'s text codes (``text_strategy``) over a family's networks under ``settings``: guided
    refinement renders with ``G`` under ``guidance``, keeping the face by ``encoder`` and ``perceptual``; "guided"
    reads clip2latent's ``prior`` where there is one, "mapper" / "parameters" the ``mapper`` and
    ``sentence_encoder``."""
    refine = partial(refine_toward_text, G, guidance, encoder, perceptual, settings.editing,
                     resolution=settings.guided_resolution)
    if strategy == "guided":
        return GuidedTextCodes(layers, refine, settings, prior, getattr(guidance, "text_features", None), vocab)
    kind = ParameterTextCodes if strategy == "parameters" else MapperTextCodes
    return kind(G, layers, mapper, sentence_encoder, reader, vocab, refine, settings)


def _chosen(mask: torch.Tensor) -> torch.Tensor:
    """``[L]``: 1 on the layers a slider mask turns on, everywhere where it turns none on."""
    return (mask > 0).to(mask) if bool((mask > 0).any()) else torch.ones_like(mask)


@torch.inference_mode()
def push_until_read(G, reader: FaceReader, content: torch.Tensor, style: torch.Tensor,
                    mask: torch.Tensor, named: dict[str, str], max_gain: float, step: float = 0.25
                    ) -> tuple[torch.Tensor, torch.Tensor]:
    """Each face's style code moved along its offset from the content by the smallest gain from 1 to
    ``max_gain`` (in ``step``s) at which the guidance reads every named value in the mixed face; a face that
    reads them at none keeps gain 1. Returns ``(style, images [N, 3, H, W] of the mixed codes)``: the push has
    rendered what the edit shows, so the edit does not render it again."""
    gains = torch.ones(len(content), device=content.device)
    done = torch.zeros(len(content), dtype=torch.bool)
    images = None
    for g in torch.arange(1.0, max_gain + 1e-6, step).tolist():
        seen = render(G, mix(content, content + g * (style - content), mask))
        hit = reader.named_hits(seen, named) == len(named)
        new = hit & ~done
        if images is None:  # gain 1: also the image of every face that reads the text at no gain
            images = seen.clone()
        else:
            images[new.to(images.device)] = seen[new.to(seen.device)]
        gains[new.to(gains.device)] = g
        done |= hit
        if bool(done.all()):
            break
    return content + gains.view(-1, 1, 1) * (style - content), images
