"""The TediGAN pipeline: one object per model family, loaded once, inference only.

    pipe = TediGANPipeline.from_family("synthfaces64")
    faces = pipe.generate("She has long red hair and is smiling.", n=4, seed=0)
    inv = pipe.invert(image)                                   # W+ code of a photo (encoder + optimisation)
    out = pipe.edit(inv.wp, "give her glasses", {"coarse": 1, "middle": 1, "fine": 0})
    img = pipe.render(out.wp)                                  # re-render after moving a slider: no re-inversion

Everything works on W+ codes ``wp [N, num_layers, w_dim]``. This class orchestrates; how a text becomes codes is
the family's strategy (``text_codes``), how a face is read its ``FaceReader``, its tunables ``PipelineSettings``,
and the method itself lives in ``method/``.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from pathlib import Path

import torch
import torch.nn.functional as F

from ..loading import LoadError, load_family
from ..method.control import mix
from ..method.guidance import TextImageGuidance
from ..method.inversion import optimize_wp
from ..vocabulary import Vocabulary, for_family
from ..zoo import DEFAULT_FAMILY
from .attributes import attribute_offset, exact_sliders, file_sliders
from .directions import GlobalDirections
from .groups import GROUP_NAMES, LayerGroups
from .inputs import label_tensor, photo_tensor, sketch_tensor
from .reading import FaceReader
from .results import Description, Edit, Generation, Inversion, check_text, psnr
from .settings import PipelineSettings, default_settings, family_settings
from .text_codes import GuidedTextCodes, MapperTextCodes, ParameterTextCodes, refine_toward_text, render


class TediGANPipeline:
    """TediGAN on one family: generator, image encoder, text-image guidance and, where the family has them, a text
    encoder into W+, classifier, perceptual network, sketch / label encoders; ``attribute_groups``: attribute ->
    the layer groups that carry it, where the family measured them (``groups.LayerGroups`` says which table wins);
    ``set_aside``: extras whose files did not load, part -> why (``loading.FamilyParts.set_aside``)."""

    def __init__(self, generator, encoder, guidance: TextImageGuidance, *, text_mapper=None, sentence_encoder=None,
                 classifier=None, perceptual=None, sketch_encoder=None, label_encoder=None,
                 attribute_groups: dict | None = None, name: str = "custom", synthetic_domain: bool = True,
                 vocabulary: Vocabulary | None = None, settings: PipelineSettings | None = None,
                 style_directions: torch.Tensor | None = None, attribute_directions: dict | None = None,
                 text_prior=None, set_aside: dict | None = None):
        self.G, self.E, self.mapper, self.guidance = generator, encoder, text_mapper, guidance
        self.sentence_encoder, self.classifier, self.name = sentence_encoder, classifier, name
        self.sketch_encoder, self.label_encoder = sketch_encoder, label_encoder
        self.synthetic_domain = synthetic_domain  # trained on the procedural faces: their images need no alignment
        for text_encoder in (sentence_encoder, guidance):
            if text_encoder is not None:  # frozen: each text's embedding is kept (models.text.memoize_texts)
                text_encoder.memoize = True
        self.vocab = vocabulary or for_family(synthetic_domain)
        self.layers = LayerGroups.of(generator, self.vocab, attribute_groups)
        self.groups = self.layers.groups  # coarse / middle / fine -> W+ entries
        # official VGG16 features where the family has them, else the attribute classifier's
        self.perceptual = perceptual if perceptual is not None else getattr(classifier, "perceptual", None)
        self.settings = settings or default_settings(text_mapper=text_mapper is not None, vgg=perceptual is not None,
                                                     classifier=classifier is not None)
        self.reader = FaceReader(guidance, self.vocab, classifier)
        # clip2latent's prior where the family has it and it fits this generator and CLIP (else ``prior_problem``)
        set_aside = set_aside or {}
        self.text_prior, self.prior_problem = None, set_aside.get("text_prior")
        if text_prior is not None:
            self.prior_problem = _prior_misfit(text_prior, generator, guidance)
            self.text_prior = None if self.prior_problem else text_prior
        self.text_codes = self._text_codes()
        # attribute sliders: exact on a generator mapped through the renderer's parameters, else from files
        if getattr(generator.config, "mapping", "mlp") == "parameters":
            self.attribute_sliders = exact_sliders(generator, self.vocab)
        else:
            self.attribute_sliders = file_sliders(attribute_directions or {}, generator.num_layers, generator.w_dim)
        # StyleCLIP global directions where the family has fs3 and CLIP; a file that does not fit is reported
        # (``directions_problem``) and edits optimise instead
        self.directions, self.directions_problem = None, set_aside.get("style_directions")
        if style_directions is not None and hasattr(guidance, "model"):
            try:
                self.directions = GlobalDirections(generator, guidance, style_directions, self.settings.style_samples)
            except ValueError as e:
                self.directions_problem = str(e)

    def _text_codes(self) -> MapperTextCodes | GuidedTextCodes:
        """The family's text strategy: guided optimisation without a text encoder into W+, else the mapper's codes
        (in the generator's own terms where its mapping runs through the renderer's parameters)."""
        refine = partial(refine_toward_text, self.G, self.guidance, self.E, self.perceptual, self.settings.editing,
                         resolution=self.settings.guided_resolution)
        if self.mapper is None:
            return GuidedTextCodes(self.layers, refine, self.settings, self.text_prior,
                                   getattr(self.guidance, "text_features", None), self.vocab)
        kind = ParameterTextCodes if getattr(self.G.config, "mapping", "mlp") == "parameters" else MapperTextCodes
        return kind(self.G, self.layers, self.mapper, self.sentence_encoder, self.reader, self.vocab, refine,
                    self.settings)

    @classmethod
    def from_family(cls, family: str | Path = DEFAULT_FAMILY, device: str | torch.device = "cpu"):
        """Load every part of a family (zoo name, project-format folder or folder of official files) once."""
        p = load_family(family, device)
        return cls(p.generator, p.encoder, p.guidance, text_mapper=p.text_mapper,
                   sentence_encoder=p.sentence_encoder, classifier=p.classifier, perceptual=p.perceptual,
                   sketch_encoder=p.sketch_encoder, label_encoder=p.label_encoder, attribute_groups=p.attribute_groups,
                   name=p.name, synthetic_domain=p.synthetic_domain, settings=family_settings(p),
                   style_directions=p.style_directions, attribute_directions=p.attribute_directions,
                   text_prior=p.text_prior, set_aside=p.set_aside, vocabulary=p.vocabulary)

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
        # 3. the text's style code, and the layers it governs as the strategy found them (``Generation.governed``:
        # the mapper's shown-attributes statement governs every attribute's layers, clip2latent's prior all layers)
        style, layers = self.text_codes.for_generation(text, named, base, layers, steps, progress, seed, truncation)
        # 4. mix: the style code in those layers, the random codes elsewhere
        wp = mix(base, style, self.layers.only(layers))
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
        return photo_tensor(image, self.G.resolution, align, self.synthetic_domain)

    def invert(self, image, steps: int | None = None, progress: Callable | None = None, align: bool | str = "auto",
               preview: int | None = None) -> Inversion:
        """Image -> W+: alignment, encoder initialisation, then instance-level optimisation with pixel, perceptual
        and encoder terms (TediGAN §3.3 / IDInvert). Deterministic: no random state is drawn or touched.
        ``preview``: the reconstruction is rendered, and compared with the target, at that resolution at most (a
        page shows it small; a 1024 px render is seconds on a CPU)."""
        target = self.prepare(image, align).to(self.device)
        with torch.inference_mode():
            wp0 = self.E(target)
        weights = replace(self.settings.inversion, text=0.0,
                          steps=self.settings.inversion.steps if steps is None else steps)
        with torch.enable_grad():
            wp, losses = optimize_wp(lambda w: self.G.synthesize(w, "const"), target, wp0.clone(), weights,
                                     perceptual=self.perceptual, encoder=self.E, progress=progress, patience=20)
        image_rec = self.render(wp, preview)
        if image_rec.shape[-1] != target.shape[-1]:
            target = F.interpolate(target, size=image_rec.shape[-2:], mode="area")
        return Inversion(wp, wp0, target, image_rec, psnr(image_rec, target), weights.steps, losses)

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
        style, image = self.text_codes.for_edit(text, named, content, mask, steps, progress)
        # 4. mix per layer group
        wp = mix(content, style, mask)
        # 5. render, and what each group alone changes
        groups_only = {g: self.render(mix(content, style, self.layers.mask({g: strengths.get(g, 0.0) or 1.0})))
                       for g in GROUP_NAMES} if per_group else {}
        return Edit(wp, content, style, self.render(wp) if image is None else image, dict(strengths), groups_only,
                    named)

    def direction_edit(self, content: torch.Tensor, text: str, strengths: dict[str, float] | None = None,
                       alpha: float | None = None, beta: float | None = None, neutral: str | None = None,
                       per_group: bool = True, strip_resolution: int = 256) -> Edit:
        """Edit W+ codes with a description as a StyleCLIP global direction: one render, no optimisation. The
        coarse / middle / fine ``strengths`` multiply ``alpha`` in each group's style layers (default: the groups
        of what the text names, all if it names nothing known); ``per_group`` adds a strip at ``strip_resolution``
        px of what each group alone changes."""
        if self.directions is None:
            why = f": {self.directions_problem}" if self.directions_problem else " (StyleCLIP's fs3.npy)"
            raise LoadError(f"family {self.name} has no global directions{why}")
        text = check_text(text)
        neutral = check_text(neutral) if neutral else self.settings.direction_neutral
        alpha = self.settings.direction_alpha if alpha is None else float(alpha)
        beta = self.settings.direction_beta if beta is None else float(beta)
        layers, named = self.governed_layers(text)
        strengths = self.layers.strengths(layers) if strengths is None else strengths
        self.layers.mask(strengths)  # checks the strengths before any work
        content = content.to(self.device)
        boundary = self.directions.boundary(neutral, text, beta)
        image = self.directions.render(content, boundary, alpha, strengths)
        strip = {g: self.directions.render(content, boundary, alpha, {g: strengths.get(g, 0.0) or 1.0},
                                           resolution=strip_resolution) for g in GROUP_NAMES} if per_group else {}
        direction = {"neutral": neutral, "target": text, "alpha": alpha, "beta": beta, "channels": boundary.channels}
        return Edit(content, content, None, image, dict(strengths), strip, named, direction)

    def direction_render(self, content: torch.Tensor, direction: dict, strengths: dict[str, float]) -> torch.Tensor:
        """Re-render a global-direction edit (``Edit.direction``) with other slider strengths: one render."""
        if self.directions is None:
            raise LoadError(f"family {self.name} has no global directions")
        self.layers.mask(strengths)  # checks them
        boundary = self.directions.boundary(direction["neutral"], direction["target"], direction["beta"])
        return self.directions.render(content, boundary, direction["alpha"], strengths)

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
        if self.sketch_encoder is None:
            raise LoadError(f"family {self.name} has no sketch encoder")
        with torch.inference_mode():
            code = self.sketch_encoder(sketch_tensor(self.sketch_encoder, sketch).to(self.device))
        return self._from_structure(code, text, n, seed, truncation, steps)

    def from_label(self, label, text: str | None = None, n: int = 4, seed: int = 0, truncation: float = 0.8,
                   index_space: str = "domain", steps: int | None = None) -> Generation:
        """A label map (colour image in the legend's palette, or class indices) -> n diverse faces."""
        if self.label_encoder is None:
            raise LoadError(f"family {self.name} has no label-map encoder")
        x = label_tensor(self.label_encoder, label, index_space).to(self.device)
        with torch.inference_mode():
            code = self.label_encoder(x)
        return self._from_structure(code, text, n, seed, truncation, steps)

    def _from_structure(self, code, text, n, seed, truncation, steps=None) -> Generation:
        """The modality's code in the structure layers (coarse, middle), random codes in the others; a text then
        edits the results as ``edit`` does (docs/decisions.md, "Text on sketches and label maps")."""
        structure = self.groups["coarse"] + self.groups["middle"]
        wp = mix(self.random_codes(n, seed, truncation), code.expand(n, -1, -1), self.layers.only(structure))
        if text is not None and str(text).strip():
            edited = self.edit(wp, text, steps=steps, per_group=False)
            return Generation(edited.image, edited.wp, structure, edited.named)
        return Generation(self.render(wp), wp, structure, {})

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
        rank among distractor captions of random faces (R-precision, as in MirrorGAN)."""
        x = self.prepare(image, align).to(self.device)
        values, confidence = self.reader.read(x)
        seen = self.vocab.visible(values)  # e.g. no eye colour behind sunglasses
        out = Description(self.vocab.describe({k: v for k, v in values.items() if confidence[k] >= 0.5 and seen[k]}),
                          values, confidence)
        if text is not None:
            candidates = torch.cat([self.guidance.embed_text([check_text(text)]),
                                    self.reader.distractors(seed, num_distractors)])
            sims = self.guidance.similarity(x[:1], candidates.to(self.device))[0]
            out.score, out.rank = round(float(sims[0]), 4), int((sims[1:] > sims[0]).sum()) + 1
            out.num_candidates = num_distractors + 1
        return out


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
