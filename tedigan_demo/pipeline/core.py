"""The TediGAN pipeline: one object per model family, loaded once, inference only.

    pipe = TediGANPipeline.from_family("synthfaces64")
    faces = pipe.generate("She has long red hair and is smiling.", n=4, seed=0)
    inv = pipe.invert(image)                                   # W+ code of a photo (encoder + optimisation)
    out = pipe.edit(inv.wp, "give her glasses", {"coarse": 1, "middle": 1, "fine": 0})
    img = pipe.render(out.wp)                                  # re-render after moving a slider: no re-inversion

Everything works on W+ codes ``wp [N, num_layers, w_dim]``. The pipeline is built from one ``loading.FamilyParts``
and orchestrates; how a text becomes codes is the strategy the parts declare (``text_codes.text_strategy``), how a
face is read and described its ``FaceReader``, its tunables ``PipelineSettings``; inversion (``inversion``),
global-direction edits (``directions``) and faces from sketches and label maps (``structure``) live beside it, and
the method itself in ``method/``.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import torch

from ..loading import FamilyParts, load_family
from ..method.control import mix
from ..vocabulary import for_family
from ..zoo import DEFAULT_FAMILY
from .attributes import attribute_offset, exact_sliders, file_sliders
from .directions import direction_edit, direction_render, global_directions, require_directions
from .groups import GROUP_NAMES, LayerGroups
from .inputs import photo_tensor
from .inversion import invert_image
from .reading import FaceReader
from .results import Description, Edit, Generation, Inversion, check_text
from .settings import PipelineSettings, family_settings
from .structure import from_structure, label_code, sketch_code
from .text_codes import TextCodes, render, text_codes_for, text_strategy


class TediGANPipeline:
    """TediGAN on one family, built from its loaded parts (``loading.FamilyParts``: generator, image encoder,
    guidance and the extras it has; ``set_aside``: extras whose files did not load, part -> why) under
    ``settings`` (None: the family's, ``settings.family_settings``); ``parts`` keeps them as given."""

    def __init__(self, parts: FamilyParts, settings: PipelineSettings | None = None):
        self.parts, G, guidance = parts, parts.generator, parts.guidance
        self.G, self.E, self.mapper, self.guidance = G, parts.encoder, parts.text_mapper, guidance
        self.sentence_encoder, self.classifier, self.name = parts.sentence_encoder, parts.classifier, parts.name
        self.sketch_encoder, self.label_encoder = parts.sketch_encoder, parts.label_encoder
        self.synthetic_domain = parts.synthetic_domain  # trained on the procedural faces: no alignment needed
        for text_encoder in (e for e in (self.sentence_encoder, guidance) if e is not None):
            text_encoder.memoize = True  # frozen: each text's embedding is kept (models.text.memoize_texts)
        self.vocab = parts.vocabulary or for_family(parts.synthetic_domain)
        self.layers = LayerGroups.of(G, self.vocab, parts.attribute_groups)
        self.groups = self.layers.groups  # coarse / middle / fine -> W+ entries
        perceptual = parts.perceptual  # official VGG16 features where the family has them, else the classifier's
        self.perceptual = getattr(self.classifier, "perceptual", None) if perceptual is None else perceptual
        self.settings = settings or family_settings(parts)
        self.reader = FaceReader(guidance, self.vocab, self.classifier)
        # clip2latent's prior where the family has it and it fits this generator and CLIP (else ``prior_problem``)
        self.text_prior, self.prior_problem = _fitting_prior(parts)
        self.text_strategy = text_strategy(parts)  # guided / mapper / parameters, declared once by the parts
        self.text_codes = self._text_codes()
        # attribute sliders: exact in the generator's own terms (parameters), else from direction files
        self.attribute_sliders = (exact_sliders(G, self.vocab) if self.text_strategy == "parameters"
                                  else file_sliders(parts.attribute_directions or {}, G.num_layers, G.w_dim))
        # StyleCLIP global directions where the family has fs3 and CLIP (else why not: ``directions_problem``)
        self.directions, self.directions_problem = global_directions(
            G, guidance, parts.style_directions, self.settings.style_samples, parts.set_aside.get("style_directions"))

    def _text_codes(self) -> TextCodes:
        """The family's text strategy (``text_strategy``) under this pipeline's settings."""
        return text_codes_for(self.text_strategy, self.G, self.guidance, self.E, self.perceptual, self.layers,
                              self.reader, self.vocab, self.settings, self.mapper, self.sentence_encoder,
                              self.text_prior)

    @classmethod
    def from_family(cls, family: str | Path = DEFAULT_FAMILY, device: str | torch.device = "cpu"):
        """Load every part of a family (zoo name, project-format folder or folder of official files) once."""
        return cls(load_family(family, device))  # under the family's settings (``settings.family_settings``)

    def with_settings(self, **changes) -> TediGANPipeline:
        """The same networks under changed settings (``dataclasses.replace`` of ``settings``)."""
        other = copy.copy(self)
        other.settings = replace(self.settings, **changes)
        other.text_codes = other._text_codes()
        if other.directions is not None:  # its own directions object: this pipeline's stays as it is
            other.directions = other.directions.with_samples(other.settings.style_samples)
        return other

    device = property(lambda self: self.G.device)

    # ---- codes and layers --------------------------------------------------------------------------------------
    def render(self, wp: torch.Tensor, resolution: int | None = None) -> torch.Tensor:
        """W+ codes -> images (stored noise: the same code always gives the same image); ``resolution``: stop at
        that block's output where the generator has blocks above it (a preview)."""
        return render(self.G, wp, resolution)

    @torch.inference_mode()
    def random_codes(self, n: int, seed: int, truncation: float = 0.8) -> torch.Tensor:
        """``n`` random W+ codes ``[n, L, D]`` drawn from ``seed``, truncated toward the mean by ``truncation``."""
        z = self.G.sample_z(n, torch.Generator().manual_seed(seed))
        return self.G.truncate(self.G.map_to_wp(z), truncation)

    def attribute_offset(self, amounts: dict[str, float]) -> torch.Tensor:
        """``[1, L, D]`` on this device: what the attribute sliders at ``amounts`` add to a code (``attributes``)."""
        return attribute_offset(self.attribute_sliders, amounts, self.G.num_layers, self.G.w_dim).to(self.device)

    def governed_layers(self, text: str) -> tuple[list[int], dict[str, str]]:
        """``(layers, named)``: the values a description names and the W+ layers of their groups, and of the
        attributes whose values it rules out ("not blond"); all layers if it names none."""
        reading = self.vocab.read(text)
        named = dict(reading.named)
        return self.layers.governed({**{a: "" for a in reading.avoid}, **named}), named

    # ---- the tasks ---------------------------------------------------------------------------------------------
    def generate(self, text: str, n: int = 4, seed: int = 0, truncation: float = 0.8, steps: int | None = None,
                 progress: Callable | None = None, candidates: int | None = None) -> Generation:
        """Diverse faces for one description: the text's code in the layers it governs, random codes elsewhere.
        ``steps``: guided steps toward the text (None: the family's default, ``settings.generate_steps`` /
        ``text_steps``; 0: none). ``candidates`` codes are drawn per sample and the ``n`` the guidance ranks
        highest are kept, best first (default ``settings.candidates`` when ``steps`` is None or 0, else 1)."""
        # 1. parse: the values the text names and the layers they govern
        text = check_text(text)
        k = max(1, candidates if candidates is not None else self.settings.candidates if not steps else 1)
        layers, named = self.governed_layers(text)
        # 2. random codes, k candidates per sample
        base = self.random_codes(n * k, seed, truncation)
        # 3. the text's style code, and the layers it governs as the strategy found them (``Generation.governed``)
        codes = self.text_codes.for_generation(text, named, base, layers, steps, progress, seed, truncation)
        # 4. mix: the style code in those layers, the random codes elsewhere
        wp, layers = mix(base, codes.style, self.layers.only(codes.layers)), codes.layers
        # 5. render (with candidates: rank them at the guidance's resolution, keep the best n)
        if k == 1:
            return Generation(self.render(wp), wp, layers, named)
        preview = self.render(wp, self.settings.guided_resolution)  # what the guidance sees (CLIP: 224 px)
        keep = self.reader.rank(preview, text, named if self.settings.rank_by == "named" else {})[:n]
        wp = wp[keep]
        images = preview[keep] if preview.shape[-1] == self.G.resolution else self.render(wp)
        return Generation(images, wp, layers, named)

    def prepare(self, image, align: bool | str = "auto") -> torch.Tensor:
        """Any image -> the generator's input ``[1, 3, R, R]`` (``inputs.photo_tensor``)."""
        return photo_tensor(image, self.G.resolution, align, self.synthetic_domain, self.classifier)

    def invert(self, image, steps: int | None = None, progress: Callable | None = None, align: bool | str = "auto",
               preview: int | None = None) -> Inversion:
        """Image -> W+: alignment, encoder initialisation, then instance-level optimisation (TediGAN §3.3 /
        IDInvert), or the renderer's parameters where the family inverts through them (``inversion.invert_image``).
        ``preview``: the reconstruction is rendered, and compared with the target, at that resolution at most."""
        weights = replace(self.settings.inversion, text=0.0,
                          steps=self.settings.inversion.steps if steps is None else steps)
        through = self.classifier if self.settings.inversion_route == "parameters" else None
        return invert_image(self.G, self.E, self.perceptual, weights, image, align, self.synthetic_domain, progress,
                            preview, through)

    def edit(self, content: torch.Tensor, text: str, strengths: dict[str, float] | None = None,
             steps: int | None = None, progress: Callable | None = None, per_group: bool = True) -> Edit:
        """Edit W+ codes ``[N, L, D]`` with a description: the text's code mixed into the content per layer group
        (TediGAN §3.4); ``steps`` > 0 first refines it toward the text while keeping the content's image (§3.3)
        (None: the family's default, ``settings.text_steps`` without a text encoder into W+, else none).
        The style code is found for every group (the mapper's: for the chosen ones), so a slider turned up later
        shows the edit there too; the sliders then only mix."""
        # 1. parse: the values the text names and the layers they govern
        text = check_text(text)
        content = content.to(self.device)
        layers, named = self.governed_layers(text)
        # 2. strengths: the sliders' (default: on where the text governs), checked before any work
        strengths = self.layers.strengths(layers) if strengths is None else strengths
        mask = self.layers.mask(strengths)
        # 3. the text's style code (the strategy's; it may have rendered the mixed face already)
        codes = self.text_codes.for_edit(text, named, content, mask, steps, progress)
        # 4. mix per layer group
        wp = mix(content, codes.style, mask)
        # 5. render, and what each group alone changes
        groups_only = {g: self.render(mix(content, codes.style, self.layers.mask({g: strengths.get(g, 0.0) or 1.0})))
                       for g in GROUP_NAMES} if per_group else {}
        image = self.render(wp) if codes.image is None else codes.image
        return Edit(wp, content, codes.style, image, dict(strengths), groups_only, named)

    def direction_edit(self, content: torch.Tensor, text: str, strengths: dict[str, float] | None = None,
                       alpha: float | None = None, beta: float | None = None, neutral: str | None = None,
                       per_group: bool = True, strip_resolution: int = 256) -> Edit:
        """Edit W+ codes with a description as a StyleCLIP global direction: one render, no optimisation. The
        coarse / middle / fine ``strengths`` multiply ``alpha`` in each group's style layers (default: the groups
        of what the text names, all if it names nothing known); ``per_group`` adds a strip at ``strip_resolution``
        px of what each group alone changes (``directions.direction_edit``)."""
        directions = require_directions(self.directions, self.name, self.directions_problem)
        text = check_text(text)
        layers, named = self.governed_layers(text)
        return direction_edit(directions, self.layers, self.settings, content.to(self.device), text, named, layers,
                              strengths, alpha, beta, neutral, per_group, strip_resolution)

    def direction_render(self, content: torch.Tensor, direction: dict, strengths: dict[str, float]) -> torch.Tensor:
        """Re-render a global-direction edit (``Edit.direction``) with other slider strengths: one render."""
        directions = require_directions(self.directions, self.name, self.directions_problem)
        return direction_render(directions, self.layers, content, direction, strengths)

    @torch.inference_mode()
    def mix(self, content: torch.Tensor, style: torch.Tensor, strengths: dict[str, float]) -> tuple:
        """Style mixing: ``content`` codes with the chosen layer groups (or index ranges) taken from ``style``;
        returns ``(wp, images)``."""
        wp = mix(content.to(self.device), style.to(self.device), self.layers.mask(strengths))
        return wp, self.render(wp)

    def text_style(self, text: str, start: torch.Tensor, steps: int | None = None) -> torch.Tensor:
        """A description's style code over every layer from the codes ``start`` ``[N, L, D]``, for ``mix``."""
        return self.text_codes.for_mix(check_text(text), start.to(self.device), steps)

    def from_sketch(self, sketch, text: str | None = None, n: int = 4, seed: int = 0, truncation: float = 0.8,
                    steps: int | None = None) -> Generation:
        """A sketch (strokes on a canvas, any size) -> n diverse faces; optional text for the appearance."""
        code = sketch_code(self.sketch_encoder, sketch, self.device, self.name)
        return from_structure(self, code, text, n, seed, truncation, steps)

    def from_label(self, label, text: str | None = None, n: int = 4, seed: int = 0, truncation: float = 0.8,
                   index_space: str = "domain", steps: int | None = None) -> Generation:
        """A label map (colour image in the legend's palette, or class indices) -> n diverse faces."""
        code = label_code(self.label_encoder, label, index_space, self.device, self.name)
        return from_structure(self, code, text, n, seed, truncation, steps)

    def interpolate(self, text_a: str, text_b: str, steps: int = 8, seed: int = 0) -> tuple:
        """``steps`` frames from one description to another over the same random codes in the layers neither
        governs; returns ``(wp, images)``."""
        text_a, text_b = check_text(text_a), check_text(text_b)
        layers = sorted(set(self.governed_layers(text_a)[0]) | set(self.governed_layers(text_b)[0]))
        mask = self.layers.only(layers)
        base = self.random_codes(1, seed)
        alphas = torch.linspace(0, 1, steps, device=self.device).view(-1, 1, 1)
        wp = mix(base.expand(steps, -1, -1), self.text_codes.for_interpolation(text_a, text_b, base, mask, alphas),
                 mask)
        return wp, self.render(wp)

    @torch.inference_mode()
    def describe(self, image, text: str | None = None, num_distractors: int = 99, seed: int = 0,
                 align: bool | str = "auto") -> Description:
        """Redescription: the attributes read from the image, in words; given a text, its match score and its
        rank among distractor captions of random faces (R-precision, as in MirrorGAN; ``FaceReader.describe``)."""
        return self.reader.describe(self.prepare(image, align).to(self.device), text, num_distractors, seed)


def _fitting_prior(parts: FamilyParts) -> tuple[object | None, str | None]:
    """A family's clip2latent prior and why it has none: ``(prior, None)`` where it fits the family's generator and
    guidance; ``(None, why)`` where it does not; ``(None, why its file was set aside, or None)`` where it has none."""
    if parts.text_prior is None:
        return None, parts.set_aside.get("text_prior")
    misfit = _prior_misfit(parts.text_prior, parts.generator, parts.guidance)
    return (None, misfit) if misfit else (parts.text_prior, None)


def _prior_misfit(prior, generator, guidance) -> str | None:
    """Why clip2latent's ``prior`` cannot serve this generator and guidance (None: it can)."""
    cfg = prior.config
    if not hasattr(guidance, "text_features"):
        return "the prior reads CLIP's text features; this family has no CLIP"
    if cfg.dim != generator.w_dim or sum(cfg.latent_repeats) != generator.num_layers:
        return (f"the prior gives {sum(cfg.latent_repeats)} x {cfg.dim} codes; this generator takes "
                f"{generator.num_layers} x {generator.w_dim}")
    width = guidance.model.config.projection_dim
    if width != cfg.dim:
        return f"the prior reads {cfg.dim}-dimensional CLIP features; this CLIP gives {width}"
    return None
