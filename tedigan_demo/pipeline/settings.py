"""The pipeline's tunables per family, in one frozen, typed table.

A family's defaults follow from what it has (a text encoder into W+ or CLIP guidance; VGG16 or a classifier as the
perceptual network) and may be overridden in its ``family.json`` under ``"pipeline"``. Changing a tunable means a
new settings object (``dataclasses.replace`` / ``TediGANPipeline.with_settings``), never a mutated live one.
Why each default is what it is: ``docs/decisions.md``.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

from ..loading import LoadError
from ..method.control import MAX_STRENGTH
from ..method.inversion import InversionWeights
from ..models.parameter_mapping import maps_through_parameters

__all__ = ["PipelineSettings", "MAPPER_SETTINGS", "GUIDED_SETTINGS", "OFFICIAL_INVERSION", "EMBEDDED_INVERSION",
           "default_settings", "family_settings"]

# IDInvert's weights for VGG16 conv4_3 features (compat/inversion_losses.json)
OFFICIAL_INVERSION = InversionWeights(pixel=1.0, perceptual=5e-5, encoder=2.0, lr=0.01, steps=100)
OFFICIAL_EDITING = InversionWeights(pixel=1.0, perceptual=5e-5, encoder=2.0, text=2.0, lr=0.01)
# the embedded family: its attribute classifier's features as the perceptual term, the encoder term weighted for
# its W+ scale (docs/decisions.md, "Inversion weights of the embedded family")
EMBEDDED_INVERSION = InversionWeights(pixel=1.0, perceptual=0.5, encoder=0.02, lr=0.03, steps=100)
EMBEDDED_EDITING = InversionWeights(pixel=0.5, perceptual=0.0, encoder=0.5, text=2.0, lr=0.01)

CHOICES = {"edit_reference": ("source", "mean"), "edit_target": ("text", "statement"),
           "open_attributes": ("shown", "layers"), "mapper_reads": ("text", "statement", "auto"),
           "rank_by": ("similarity", "named"), "inversion_route": ("encoder", "parameters")}


@dataclass(frozen=True)
class PipelineSettings:
    inversion: InversionWeights  # photo -> W+ (TediGAN §3.3)
    editing: InversionWeights  # refining a text's code toward the text while keeping the face
    text_steps: int  # guided optimisation steps that find a text's code (families without a text encoder)
    candidates: int  # codes drawn per text -> image sample; the best-matching are kept
    # an edit's text code enters as its offset from the code of what the face shows now ("source") or from the
    # mapper's mean code ("mean")
    edit_reference: str = "source"
    edit_target: str = "text"  # what the offset aims at: the prompt, or the statement of the values it names
    edit_gain: float = 1.0  # the offset is scaled by this
    edit_push: float = 1.0  # up to this many times its offset an edit goes until the face reads the text
    # text -> image: what the text leaves open varies through the random codes of the other layers ("layers") or
    # also through a statement of what each sample's random face shows ("shown")
    open_attributes: str = "shown"
    open_quiet: bool = True  # quiet values ("no glasses") are left out of those statements
    # what the text encoder into W+ reads of a description that names values the vocabulary knows: the text itself
    # ("text", TediGAN), the canonical statement of those values ("statement": the sentence encoder does not read
    # negations, "no glasses" embeds near "glasses"; quiet values are left unsaid, as in training captions), or
    # the statement only where the text names a quiet value ("auto": "no glasses", "without a beard")
    mapper_reads: str = "text"
    # text -> image keeps the candidates the guidance ranks highest by similarity to the text ("similarity"), or
    # first by how many of the named values it reads in them ("named")
    rank_by: str = "similarity"
    # guided optimisation renders its steps, and text -> image ranks its candidates, at this resolution at most
    # (None: the generator's own)
    guided_resolution: int | None = 256
    # text -> image's guided steps where they differ from ``text_steps`` (None: the same; 0: no optimisation, the
    # candidates ranked by the guidance at ``guided_resolution``: CLIP-ranked sampling, a CPU's default)
    generate_steps: int | None = None
    # StyleCLIP global directions (families with fs3 and CLIP): the neutral text a description is measured from,
    # the default strength (alpha) and disentanglement threshold (beta), and the codes that give the styles'
    # statistics (the official 100k)
    direction_neutral: str = "face"
    direction_alpha: float = 4.0
    direction_beta: float = 0.12
    style_samples: int = 100_000
    # clip2latent's prior (families that have it): text -> image draws each candidate's w from the prior in
    # num_timesteps / prior_skip denoising steps (its demo's "Fast": 10), guided by prior_cond_scale
    prior_skip: int = 100
    prior_cond_scale: float = 1.0
    use_prior: bool = True  # False: random codes even where the family has the prior (to compare the two)
    # how a photo is inverted: the encoder's code and TediGAN's optimisation ("encoder"), or, where the mapping
    # runs through the renderer's parameters and a classifier reads them, through them ("parameters":
    # ``parameter_inversion``)
    inversion_route: str = "encoder"

    def __post_init__(self):
        for name, allowed in CHOICES.items():
            if getattr(self, name) not in allowed:
                raise ValueError(f"{name} must be one of {', '.join(allowed)}, not {getattr(self, name)!r}")
        if (self.text_steps < 0 or (self.generate_steps or 0) < 0 or self.candidates < 1
                or not 0 < self.edit_push <= MAX_STRENGTH):
            raise ValueError("text_steps >= 0, generate_steps >= 0, candidates >= 1 and 0 < edit_push <= MAX_STRENGTH")


# a text encoder into W+ (the embedded family): a candidate costs one generator pass, an edit is one offset pushed
# until the face reads the text; negated values stated, candidates ranked by the named values read
# (docs/decisions.md, "Text as people write it")
MAPPER_SETTINGS = PipelineSettings(EMBEDDED_INVERSION, EMBEDDED_EDITING, text_steps=0, candidates=4,
                                   edit_push=MAX_STRENGTH, mapper_reads="auto", rank_by="named")
# CLIP guidance only (the official families): a text's code is found by 50 steps of optimisation, as the official
# code does
GUIDED_SETTINGS = PipelineSettings(OFFICIAL_INVERSION, OFFICIAL_EDITING, text_steps=50, candidates=1)


def default_settings(*, text_mapper: bool, vgg: bool, classifier: bool, overrides: dict | None = None
                     ) -> PipelineSettings:
    """A family's settings from what it has, with its ``family.json`` overrides (unknown names are an error)."""
    base = MAPPER_SETTINGS if text_mapper else GUIDED_SETTINGS
    if vgg:
        base = replace(base, inversion=OFFICIAL_INVERSION, editing=OFFICIAL_EDITING)
    else:
        inversion = EMBEDDED_INVERSION if classifier else replace(EMBEDDED_INVERSION, perceptual=0.0)
        base = replace(base, inversion=inversion, editing=EMBEDDED_EDITING)
    overrides = dict(overrides or {})
    unknown = set(overrides) - {f.name for f in fields(PipelineSettings)}
    if unknown:
        raise ValueError(f"unknown pipeline settings: {', '.join(sorted(unknown))}")
    for name in ("inversion", "editing"):
        if isinstance(overrides.get(name), dict):
            overrides[name] = replace(getattr(base, name), **overrides[name])
    return replace(base, **overrides)


def family_settings(parts) -> PipelineSettings:
    """The settings of a loaded family (``loading.FamilyParts``); bad overrides are a ``LoadError``. A family
    whose mapping runs through the renderer's parameters, with a classifier, inverts through them."""
    through = maps_through_parameters(parts.generator) and parts.classifier is not None
    overrides = {"inversion_route": "parameters"} if through else {}
    try:
        return default_settings(text_mapper=parts.text_mapper is not None, vgg=parts.perceptual is not None,
                                classifier=parts.classifier is not None,
                                overrides=overrides | dict(parts.pipeline_settings or {}))
    except (TypeError, ValueError) as e:
        raise LoadError(f"the pipeline settings in {parts.name}'s family.json: {e}") from None
