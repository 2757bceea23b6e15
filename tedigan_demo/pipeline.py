"""The TediGAN pipeline: one object per model family, loaded once, inference only.

    pipe = TediGANPipeline.from_family("synthfaces64")
    faces = pipe.generate("She has long red hair and is smiling.", n=4, seed=0)
    inv = pipe.invert(image)                                   # W+ code of a photo (encoder + optimisation)
    out = pipe.edit(inv.wp, "give her glasses", {"coarse": 1, "middle": 1, "fine": 0})
    img = pipe.render(out.wp)                                  # re-render after moving a slider: no re-inversion

Everything below works on W+ codes ``wp [N, num_layers, w_dim]``; the method itself lives in ``method/``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import torch

from .imaging import NoFaceError, align_face, read_image, sketch_to_tensor, to_model_input
from .loading import LoadError, load_family
from .method.control import MAX_STRENGTH, layer_mask, mix
from .method.guidance import TextImageGuidance
from .method.inversion import InversionWeights, optimize_wp
from .synthfaces import LABEL_CLASSES
from .synthfaces.labels import CELEBAMASK_CLASSES, label_from_image, label_planes, to_celebamask
from .vocabulary import Vocabulary, for_family

__all__ = ["TediGANPipeline", "Generation", "Inversion", "Edit", "Description", "GROUPS", "check_text"]

GROUPS = ("coarse", "middle", "fine")
# Inversion on the embedded families: the attribute classifier's features as the perceptual term, and an encoder
# term weighted for their W+ scale (docs/decisions.md, "Inversion weights of the embedded family").
EMBEDDED_INVERSION = InversionWeights(pixel=1.0, perceptual=0.5, encoder=0.02, lr=0.03, steps=100)


@dataclass
class Generation:
    images: torch.Tensor  # [N, 3, H, W] in [-1, 1]
    wp: torch.Tensor  # [N, L, D]
    governed: list[int]  # W+ layers taken from the text
    named: dict[str, str]  # attributes the text was read to name


@dataclass
class Inversion:
    wp: torch.Tensor  # [1, L, D] after optimisation
    wp_encoder: torch.Tensor  # [1, L, D] encoder initialisation
    target: torch.Tensor  # [1, 3, H, W] the (aligned, resized) input
    image: torch.Tensor  # [1, 3, H, W] reconstruction
    psnr: float
    steps: int
    losses: dict


@dataclass
class Edit:
    wp: torch.Tensor  # [N, L, D] the edited code (content mixed with the text's style code)
    content: torch.Tensor  # [N, L, D] the code that was edited
    style: torch.Tensor  # [N, L, D] the text's code (refined by optimisation when steps > 0)
    image: torch.Tensor  # [N, 3, H, W]
    strengths: dict[str, float]
    per_group: dict[str, torch.Tensor] = field(default_factory=dict)  # group -> image with only that group edited


@dataclass
class Description:
    caption: str
    attributes: dict[str, str]
    confidence: dict[str, float]
    score: float | None = None  # text-image similarity of the given text
    rank: int | None = None  # 1 = the given text beats every distractor caption
    num_candidates: int | None = None


def _psnr(a: torch.Tensor, b: torch.Tensor) -> float:
    mse = (a - b).pow(2).mean().clamp(min=1e-10)
    return float(10 * torch.log10(4 / mse))


class TediGANPipeline:
    """TediGAN on one model family: generator, image encoder, text-image guidance, and where the family has them a
    text encoder into W+ (``text_mapper``), an attribute classifier, a perceptual network, sketch / label encoders.

    The embedded family maps text into W+ with its text mapper (TediGAN §3.2). The official FFHQ families publish no
    such encoder: there the text's code is found by optimisation under CLIP guidance (the official code's
    behaviour), which costs ``text_steps`` generator passes per request.
    """

    def __init__(self, generator, encoder, guidance: TextImageGuidance, *, text_mapper=None, sentence_encoder=None,
                 classifier=None, perceptual=None, sketch_encoder=None, label_encoder=None,
                 attribute_groups: dict[str, str] | None = None, name: str = "custom", synthetic_domain: bool = True,
                 vocabulary: Vocabulary | None = None):
        self.G, self.E, self.mapper = generator, encoder, text_mapper
        self.sentence_encoder, self.guidance, self.classifier = sentence_encoder, guidance, classifier
        for text_encoder in (sentence_encoder, guidance, getattr(guidance, "sentence_encoder", None)):
            if text_encoder is not None:  # frozen: each text's embedding is kept (models.text.memoize_texts)
                text_encoder.memoize = True
        self.name = name
        self.sketch_encoder, self.label_encoder = sketch_encoder, label_encoder
        self.synthetic_domain = synthetic_domain  # the family was trained on the procedural faces
        self.groups = generator.layer_groups
        # the attributes the family's faces can be said to have, and the words for them
        self.vocab = vocabulary or for_family(synthetic_domain)
        # the layer groups that carry each attribute: measured on the family (bench/eval_family.py) when available;
        # a family's attribute_groups.json names one group or a list per attribute
        self.attribute_groups = {name: (g,) if isinstance(g, str) else tuple(g) for name, g in
                                 (attribute_groups or {t.name: t.groups for t in self.vocab.terms}).items()}
        if perceptual is not None:  # official VGG16 conv4_3 features: the official weights (inversion_losses.json)
            self.perceptual = perceptual
            self.inversion = InversionWeights(pixel=1.0, perceptual=5e-5, encoder=2.0, lr=0.01, steps=100)
            self.editing = InversionWeights(pixel=1.0, perceptual=5e-5, encoder=2.0, text=2.0, lr=0.01)
        else:  # the embedded family: the attribute classifier's features serve as the perceptual network
            self.perceptual = classifier.perceptual if classifier is not None else None
            self.inversion = replace(EMBEDDED_INVERSION, perceptual=EMBEDDED_INVERSION.perceptual
                                     if classifier is not None else 0.0)
            self.editing = InversionWeights(pixel=0.5, perceptual=0.0, encoder=0.5, text=2.0, lr=0.01)
        # optimisation steps that find a text's code when the family has no text encoder into W+
        self.text_steps = 0 if text_mapper is not None else 50
        # text -> image draws this many codes per sample and keeps those the text-image similarity ranks highest
        # (with a text encoder into W+ only: there a candidate costs one generator pass, not an optimisation)
        self.candidates = 4 if text_mapper is not None else 1
        # an edit's text code enters as its offset from the code of what the face shows now ("source") or from the
        # mean code ("mean"): see ``edit_reference_code``
        self.edit_reference = "source"
        self.edit_target = "text"  # or "statement": see ``edit_target_text``
        self.edit_gain = 1.0  # the text code's offset from the reference is scaled by this
        # up to this many times its offset an edit goes until the face reads the text (``_push``), with a text
        # encoder into W+, where an edit is one offset (docs/decisions.md, "The edit push")
        self.edit_push = MAX_STRENGTH if text_mapper is not None else 1.0
        # text -> image: what the description leaves open varies between samples through the random codes in the
        # layers the text does not govern ("layers", TediGAN), or, with a text encoder into W+, also through each
        # sample's text code, which states what its random face shows of the open attributes ("shown"): see
        # ``generate``
        self.open_attributes = "shown"
        self.open_quiet = True

    # ---- loading ---------------------------------------------------------------------------------------------
    @classmethod
    def from_family(cls, family: str | Path = "synthfaces64", device: str | torch.device = "cpu"):
        """Load every part of a family (zoo name, project-format folder or folder of official files) once."""
        p = load_family(family, device)
        return cls(p.generator, p.encoder, p.guidance, text_mapper=p.text_mapper,
                   sentence_encoder=p.sentence_encoder, classifier=p.classifier, perceptual=p.perceptual,
                   sketch_encoder=p.sketch_encoder, label_encoder=p.label_encoder,
                   attribute_groups=p.attribute_groups, name=p.name, synthetic_domain=p.synthetic_domain)

    @property
    def device(self) -> torch.device:
        return self.G.device

    # ---- codes ------------------------------------------------------------------------------------------------
    @torch.inference_mode()
    def render(self, wp: torch.Tensor) -> torch.Tensor:
        """W+ codes -> images (stored noise: the same code always gives the same image)."""
        return self.G.synthesize(wp.to(self.device), "const")

    @torch.inference_mode()
    def text_code(self, texts: list[str]) -> torch.Tensor:
        """Descriptions -> W+ codes ``[T, L, D]`` (TediGAN's text encoder into the generator's W+)."""
        if self.mapper is None:
            raise LoadError(f"family {self.name} has no text encoder into W+; its text codes come from optimisation")
        return self.mapper(self.sentence_encoder(texts).to(self.device))

    def governed_layers(self, text: str) -> tuple[list[int], dict[str, str]]:
        """W+ layers a description governs: the groups of the attributes it names (all layers if it names none)."""
        named = self.vocab.parse(text)
        return self.layers_of(named) if named else list(range(self.G.num_layers)), named

    def layers_of(self, names) -> list[int]:
        """W+ layers of the groups that carry the given attributes (``attribute_groups``)."""
        groups = {g for name in names for g in self.attribute_groups[name]}
        return sorted(i for g in groups for i in self.groups[g])

    def group_strengths(self, layers: list[int]) -> dict[str, float]:
        """Per layer group, 1 when it holds any of ``layers`` and 0 otherwise: ``edit``'s default strengths."""
        return {g: float(any(i in layers for i in self.groups[g])) for g in GROUPS}

    def _mask(self, layers: list[int]) -> torch.Tensor:
        mask = torch.zeros(self.G.num_layers)
        mask[layers] = 1.0
        return mask

    @torch.inference_mode()
    def random_codes(self, n: int, seed: int, truncation: float = 0.8) -> torch.Tensor:
        z = self.G.sample_z(n, torch.Generator().manual_seed(seed))
        return self.G.truncate(self.G.map_to_wp(z), truncation)

    def text_style(self, text: str, start: torch.Tensor, mask: torch.Tensor, steps: int = 0,
                   progress: Callable | None = None, relative: bool = False) -> torch.Tensor:
        """The text's style code for each code of ``start`` ``[N, L, D]``, over the layers of ``mask``: the text
        encoder's code (refined by ``steps`` of guided optimisation when > 0), or, for families without a text
        encoder, ``start`` optimised toward the text under the guidance (``steps`` or ``text_steps``).

        ``relative`` (editing): the text encoder's code enters as its offset from ``edit_reference``, added to
        ``start``. The embedded mapper predicts the mean code of the faces a description fits, so mixing it in
        would replace the person by that average face; an offset carries the description alone."""
        if self.mapper is not None:
            if relative:
                text = self.edit_target_text(text)
            style = self.text_code([text]).expand(len(start), -1, -1)
            if relative:
                style = start + self.edit_gain * (style - self.edit_reference_code(text, start))
            return self._refine(start, style, text, mask, steps, progress) if steps > 0 else style
        return self._refine(start, start, text, mask, steps or self.text_steps, progress)

    def edit_target_text(self, text: str) -> str:
        """What an edit aims at, as the text encoder and the guidance see it: with ``edit_target`` "statement", the
        canonical statement of the values the prompt names ("make her smile" -> "This person is smiling.", in the
        wording of the reference statement the offset is measured from); the prompt itself when it names none the
        grammar knows, or with ``edit_target`` "text" (the default).

        With "statement" both ends share their wording, so more of the mapper's code cancels: edits are more local
        and succeed less (docs/decisions.md, "Edit target")."""
        named = self.vocab.parse(text) if self.edit_target == "statement" else {}
        return self.vocab.statement(named) if named else text

    @torch.inference_mode()
    def edit_reference_code(self, text: str, start: torch.Tensor) -> torch.Tensor:
        """The code ``[N, L, D]`` an edit measures the text's code from, for each code of ``start``.

        "source" (default): the text encoder's code of a statement of what each face shows now, for the attributes
        the text names, as the text-image guidance reads them ("make her smile" on a serious face: the code of
        "smiling" minus the code of "not smiling"). The offset from the mean code is that from the average of all
        the named attribute's values, about (1 - share) of the way from one value to another and bent toward
        whatever the mapper makes of a one-phrase text; from the face's own value it is the whole way, and the
        bias common to both statements cancels (StyleCLIP's neutral -> target text direction). "mean", or a text
        naming no attribute the family's vocabulary knows: the mapper's mean code."""
        named = self.vocab.parse(text) if self.edit_reference == "source" else {}
        if not named:
            return self.mapper.w_avg.to(start).expand_as(start)
        return self.text_code([self.vocab.statement(face) for face in self.shown_values(self.render(start), named)])

    @torch.inference_mode()
    def shown_values(self, images: torch.Tensor, names) -> list[dict[str, str]]:
        """What each image shows of the named attributes, as the text-image guidance reads it: for each attribute,
        the value whose canonical statement ("This person is smiling.") matches the image best."""
        current: list[dict[str, str]] = [{} for _ in range(len(images))]
        embedded = self.guidance.embed_image(images)
        for name in names:
            values = self.vocab.term(name).values
            options = self.guidance.embed_text([self.vocab.statement({name: v}) for v in values]).to(self.device)
            for face, j in zip(current, (embedded @ options.t()).argmax(1).tolist()):
                face[name] = values[j]
        return current

    # ---- the tasks ---------------------------------------------------------------------------------------------
    def generate(self, text: str, n: int = 4, seed: int = 0, truncation: float = 0.8, steps: int = 0,
                 progress: Callable | None = None, candidates: int | None = None) -> Generation:
        """Diverse faces for one description: the text's code in the layers it governs, random codes elsewhere.

        With a text encoder into W+ and ``open_attributes`` "shown" (the default), each sample's text code is that
        of the description followed by a statement of what its random face shows of the attributes the description
        leaves open ("This person wears glasses and has dark skin."; quiet values such as "no glasses" unsaid, as
        in the training captions), in the layers of all the attributes: random codes in the other layers alone
        hardly vary the samples where the coarse layers carry most attributes.

        ``candidates`` codes are drawn per sample and the ``n`` whose images the text-image similarity ranks
        highest are kept, best first (default ``self.candidates`` when ``steps`` is 0, else 1): the mapper's mean
        code of a description is overridden by some random codes in the other layers."""
        text = check_text(text)
        k = max(1, candidates if candidates is not None else self.candidates if steps == 0 else 1)
        layers, named = self.governed_layers(text)
        base = self.random_codes(n * k, seed, truncation)
        if self.mapper is not None and self.open_attributes == "shown":
            # each sample's text code also states what its random face shows of the attributes the text leaves open
            open_names = [t.name for t in self.vocab.terms if t.name not in named]
            shown = self.shown_values(self.render(base), open_names)
            layers = self.layers_of([*named, *open_names])
            mask = self._mask(layers)
            if self.open_quiet:
                shown = [{a: v for a, v in face.items() if (a, v) not in self.vocab.quiet} for face in shown]
            style = self.text_code([f"{text} {self.vocab.statement(face)}".strip() for face in shown])
            if steps > 0:
                style = self._refine(base, style, text, mask, steps, progress)
        else:
            mask = self._mask(layers)
            style = self.text_style(text, base, mask, steps, progress)
        wp = mix(base, style, mask)
        images = self.render(wp)
        if k > 1:
            with torch.inference_mode():
                sims = self.guidance.similarity(images, self.guidance.embed_text([text]).to(self.device))[:, 0]
            keep = sims.argsort(descending=True, stable=True)[:n]
            wp, images = wp[keep], images[keep]
        return Generation(images, wp, layers, named)

    def prepare(self, image, align: bool | str = "auto") -> torch.Tensor:
        """Any image -> the generator's input ``[1, 3, R, R]``. ``align``: True aligns the largest face to the
        FFHQ crop (dlib 68 landmarks); False takes the centre square as is; "auto" aligns when a face is found,
        keeps small square images of the synthetic domain as they are, and otherwise reports that no face was
        found. Tensors are taken as already aligned."""
        if isinstance(image, torch.Tensor) or align is False:
            return to_model_input(image, self.G.resolution)
        img = read_image(image)
        try:
            aligned, _ = align_face(img, size=max(256, self.G.resolution))
        except NoFaceError:
            synthetic_like = self.synthetic_domain and img.width == img.height and img.width <= 256
            if align == "auto" and synthetic_like:
                return to_model_input(img, self.G.resolution)
            raise
        return to_model_input(aligned, self.G.resolution)

    def invert(self, image, steps: int | None = None, progress: Callable | None = None, seed: int = 0,
               align: bool | str = "auto") -> Inversion:
        """Image (path, PIL image, array or tensor) -> W+: alignment, encoder initialisation, then instance-level
        optimisation with pixel, perceptual and encoder-regularisation terms (TediGAN §3.3 / IDInvert). Nothing in
        it is random (stored noise, Adam); ``seed`` is accepted for the CLI's uniform ``--seed`` and changes nothing,
        and no global random state is touched (a server inverts many photos at once)."""
        target = self.prepare(image, align).to(self.device)
        with torch.inference_mode():
            wp0 = self.E(target)
        weights = InversionWeights(**{**self.inversion.__dict__, "steps": self.inversion.steps if steps is None
                                      else steps, "text": 0.0})
        with torch.enable_grad():
            wp, losses = optimize_wp(lambda w: self.G.synthesize(w, "const"), target, wp0.clone(), weights,
                                     perceptual=self.perceptual, encoder=self.E, progress=progress, patience=20)
        image_rec = self.render(wp)
        return Inversion(wp, wp0, target, image_rec, _psnr(image_rec, target), weights.steps, losses)

    def edit(self, content: torch.Tensor, text: str, strengths: dict[str, float] | None = None, steps: int = 0,
             progress: Callable | None = None, per_group: bool = True) -> Edit:
        """Edit W+ codes with a description: the text's code mixed into the content code per layer group
        (TediGAN §3.4); with ``steps`` > 0 the text's code is first refined by optimisation toward the text
        (guidance term) while staying close to the content's image (§3.3)."""
        text = check_text(text)
        content = content.to(self.device)
        if strengths is None:
            strengths = self.group_strengths(self.governed_layers(text)[0])
        mask = layer_mask(self.G.num_layers, self.groups, strengths)  # checks the strengths before any work
        # the style code is found once for every group, so that a slider turned up later (and its strip) shows the
        # edit there too; the sliders then only mix. The embedded family's refinement keeps to the chosen groups.
        search = {g: 1.0 for g in GROUPS}
        if self.mapper is not None:
            search = {g: 1.0 for g in GROUPS if strengths.get(g, 0.0) > 0} or search
        style = self.text_style(text, content, layer_mask(self.G.num_layers, self.groups, search), steps, progress,
                                relative=True)
        if self.edit_push > 1 and bool(mask.any()):  # with every slider at 0 there is nothing to push
            style = self._push(content, style, mask, text)
        wp = mix(content, style, mask)
        groups_only = {}
        if per_group:
            for g in GROUPS:
                groups_only[g] = self.render(mix(content, style, layer_mask(self.G.num_layers, self.groups,
                                                                               {g: strengths.get(g, 0.0) or 1.0})))
        return Edit(wp, content, style, self.render(wp), dict(strengths), groups_only)

    @torch.inference_mode()
    def _push(self, content: torch.Tensor, style: torch.Tensor, mask: torch.Tensor, text: str,
              step: float = 0.25) -> torch.Tensor:
        """Each face's style code moved along its offset from the content, by the smallest gain from 1 to
        ``edit_push`` (in ``step``s) at which the text-image guidance reads every value the text names in the mixed
        face; a face that reads them at none of these gains keeps its code. An edit that the offset points at but
        does not reach ("give him a beard") gets as far as it needs and no further."""
        named = self.vocab.parse(text)
        if not named:
            return style
        gains = torch.ones(len(content), device=content.device)
        done = torch.zeros(len(content), dtype=torch.bool)
        for g in np.arange(1.0, self.edit_push + 1e-6, step):
            shown = self.shown_values(self.render(mix(content, content + g * (style - content), mask)), named)
            hit = torch.tensor([all(face.get(k) == v for k, v in named.items()) for face in shown])
            gains[(hit & ~done).to(gains.device)] = float(g)
            done |= hit
            if done.all():
                break
        return content + gains.view(-1, 1, 1) * (style - content)

    def _refine(self, content, style, text, mask, steps, progress):
        """Optimise the mixed code toward the text while keeping the un-edited layers' image (identity); returns
        the result as a style code, so that the per-group sliders keep working."""
        with torch.inference_mode(False):
            content, style, mask = (t.detach().clone().to(self.device) for t in (content, style, mask))
            m = mask.view(1, -1, 1)
            with torch.no_grad():
                target = self.G.synthesize(content, "const")
                t = self.guidance.embed_text([text]).to(self.device)
            weights = InversionWeights(**{**self.editing.__dict__, "steps": steps})
            with torch.enable_grad():
                wp, _ = optimize_wp(lambda w: self.G.synthesize(w, "const"), target, mix(content, style, mask),
                                    weights, perceptual=self.perceptual, encoder=self.E,
                                    text_loss=lambda img: self.guidance.loss(img, t), progress=progress)
            return torch.where(m > 0, content + (wp - content) / m.clamp(min=1e-6), style)

    @torch.inference_mode()
    def mix(self, content: torch.Tensor, style: torch.Tensor, strengths: dict[str, float]) -> tuple:
        """Style mixing: ``content`` codes with the chosen layer groups (or index ranges) taken from ``style``."""
        wp = mix(content.to(self.device), style.to(self.device),
                 layer_mask(self.G.num_layers, self.groups, strengths))
        return wp, self.render(wp)

    # ---- sketch / label map -> faces (the third modality) -----------------------------------------------------
    def from_sketch(self, sketch, text: str | None = None, n: int = 4, seed: int = 0, truncation: float = 0.8,
                    steps: int = 0) -> Generation:
        """A sketch (strokes on a canvas, any size) -> n diverse faces; optional text for the appearance."""
        if self.sketch_encoder is None:
            raise LoadError(f"family {self.name} has no sketch encoder")
        x = sketch_to_tensor(sketch, _input_resolution(self.sketch_encoder)).to(self.device)
        with torch.inference_mode():
            code = self.sketch_encoder(x)
        return self._from_structure(code, text, n, seed, truncation, steps)

    def from_label(self, label, text: str | None = None, n: int = 4, seed: int = 0, truncation: float = 0.8,
                   index_space: str = "domain", steps: int = 0) -> Generation:
        """A label map (colour image in the legend's palette, or class indices) -> n diverse faces."""
        if self.label_encoder is None:
            raise LoadError(f"family {self.name} has no label-map encoder")
        idx = label_from_image(label, _input_resolution(self.label_encoder), index_space)
        classes = _in_channels(self.label_encoder)
        if classes == len(CELEBAMASK_CLASSES):  # pSp's label model reads CelebAMask-HQ's classes
            idx = to_celebamask(idx)
        elif classes != len(LABEL_CLASSES):
            raise LoadError(f"the label encoder of {self.name} reads {classes} classes, neither the domain's "
                            f"{len(LABEL_CLASSES)} nor CelebAMask-HQ's {len(CELEBAMASK_CLASSES)}")
        idx = torch.from_numpy(idx)
        x = label_planes(idx[None], classes).to(self.device)
        with torch.inference_mode():
            code = self.label_encoder(x)
        return self._from_structure(code, text, n, seed, truncation, steps)

    def _from_structure(self, code, text, n, seed, truncation, steps=0) -> Generation:
        """The modality's code in the layers that carry structure (coarse, middle), random codes in the others; a
        text then edits the results as ``edit`` does: its code's offset from what each face shows now, in the
        layers its attributes live in (on this family those are the structure layers too: appearance confined to
        the fine layers hardly showed, 0.27 / 0.23 of the named attributes)."""
        structure = self.groups["coarse"] + self.groups["middle"]
        wp = mix(self.random_codes(n, seed, truncation), code.expand(n, -1, -1), self._mask(structure))
        if text is not None and str(text).strip():
            edited = self.edit(wp, text, steps=steps, per_group=False)
            return Generation(edited.image, edited.wp, structure, self.vocab.parse(check_text(text)))
        return Generation(self.render(wp), wp, structure, {})

    def interpolate(self, text_a: str, text_b: str, steps: int = 8, seed: int = 0) -> tuple:
        """Sentence interpolation (Reed et al. 2016): interpolate the sentence embeddings, map each to W+, keep the
        same random codes in the layers neither text governs. Without a text encoder into W+, the two texts'
        optimised codes are interpolated instead."""
        text_a, text_b = check_text(text_a), check_text(text_b)
        layers = sorted(set(self.governed_layers(text_a)[0]) | set(self.governed_layers(text_b)[0]))
        mask = self._mask(layers)
        base = self.random_codes(1, seed)
        alphas = torch.linspace(0, 1, steps, device=self.device).view(-1, 1, 1)
        if self.mapper is not None:
            with torch.inference_mode():
                e = self.sentence_encoder([text_a, text_b]).to(self.device)
                codes = self.mapper(torch.nn.functional.normalize((1 - alphas[:, 0]) * e[:1] + alphas[:, 0] * e[1:],
                                                                  dim=-1))
        else:
            a, b = (self.text_style(t, base, mask) for t in (text_a, text_b))
            codes = torch.lerp(a, b, alphas)
        wp = mix(base.expand(steps, -1, -1), codes, mask)
        return wp, self.render(wp)

    def _distractors(self, seed: int, num: int) -> torch.Tensor:
        """Embeddings of ``num`` captions of random faces, deterministic in ``seed`` (the text encoder keeps each
        caption's embedding, so a seed's distractors are encoded once)."""
        return self.guidance.embed_text(self.vocab.distractors(np.random.default_rng(seed), num))

    @torch.inference_mode()
    def read_attributes(self, x: torch.Tensor) -> tuple[dict[str, str], dict[str, float]]:
        """Attribute values of one image ``[1, 3, R, R]`` and their confidences: the family's attribute classifier,
        or, without one, zero-shot through the text-image guidance (one prompt per value, softmax over values)."""
        terms = self.vocab.terms
        if self.classifier is not None:  # its heads follow the vocabulary's attributes
            idx, conf = self.classifier.predict(x[:1])
            return ({t.name: t.values[int(i)] for t, i in zip(terms, idx[0])},
                    {t.name: round(float(c), 3) for t, c in zip(terms, conf[0])})
        prompts = self.__dict__.get("_value_prompts")
        if prompts is None:
            texts = [p for per_value in self.vocab.prompts() for p in per_value]
            prompts = self._value_prompts = self.guidance.embed_text(texts).to(self.device)
        sims = self.guidance.similarity(x[:1], prompts)[0]
        values, confidence, start = {}, {}, 0
        for t in terms:
            p = torch.softmax(100 * sims[start:start + len(t.values)], 0)  # CLIP's logit scale
            values[t.name], confidence[t.name] = t.values[int(p.argmax())], round(float(p.max()), 3)
            start += len(t.values)
        return values, confidence

    @torch.inference_mode()
    def describe(self, image, text: str | None = None, num_distractors: int = 99, seed: int = 0,
                 align: bool | str = "auto") -> Description:
        """Redescription: the attributes read from the image, in words; given a text, its match score and its
        rank among distractor captions of random faces (R-precision, as in MirrorGAN)."""
        x = self.prepare(image, align).to(self.device)
        values, confidence = self.read_attributes(x)
        seen = self.vocab.visible(values)  # e.g. no eye colour behind sunglasses
        visible = {k: v for k, v in values.items() if confidence[k] >= 0.5 and seen[k]}
        out = Description(self.vocab.describe(visible), values, confidence)
        if text is not None:
            text = check_text(text)
            candidates = torch.cat([self.guidance.embed_text([text]), self._distractors(seed, num_distractors)])
            sims = self.guidance.similarity(x[:1], candidates.to(self.device))[0]
            out.score = round(float(sims[0]), 4)
            out.rank = int((sims[1:] > sims[0]).sum()) + 1
            out.num_candidates = num_distractors + 1
        return out


def _input_resolution(encoder) -> int:
    """The input size an encoder reads (pSp: 256; the embedded encoders: their config)."""
    return getattr(encoder, "input_resolution", None) or encoder.config.resolution


def _in_channels(encoder) -> int:
    cfg = encoder.config
    return getattr(cfg, "input_nc", None) or getattr(cfg, "in_channels", 3)


MAX_TEXT_CHARS = 500


def check_text(text) -> str:
    """A description must be non-empty text of reasonable length."""
    if not isinstance(text, str) or not text.strip():
        raise ValueError("the description is empty: write what the face should look like")
    text = " ".join(text.split())
    if len(text) > MAX_TEXT_CHARS:
        raise ValueError(f"the description is {len(text)} characters long; keep it under {MAX_TEXT_CHARS}")
    return text


