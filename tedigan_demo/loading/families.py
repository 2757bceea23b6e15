"""Model families: every part of one family from a zoo name, a folder in the project's format, or a folder of
official files; conversion of official files to the project's format. Whether a zoo family's parts are on this
machine is ``availability``'s to say."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import torch

from ..models.base import CONFIG_NAME
from ..vocabulary import for_family
from ..zoo import CLIP, FAMILIES, INTERFACEGAN_DIRECTIONS, REQUIRED_PARTS, family
from .availability import local_copy, resolve
from .clip2latent import load_prior
from .errors import LoadError, first_line
from .idinvert import load_official_network
from .interfacegan import read_direction
from .official import detect_format, read_official
from .own import load_clip, load_generator, load_module, load_sentence_encoder, load_text_reader
from .psp import load_psp_encoder
from .styleclip import read_fs3

__all__ = ["OFFICIAL_FILES", "PARTS", "FAMILY_SETTINGS", "FamilyParts", "DEFAULT_CLIP", "family_sources",
           "load_part", "load_family", "convert_official"]

# official file name -> the part it is in a family
OFFICIAL_FILES = {
    "styleganinv_ffhq256_generator.pth": "generator",
    "styleganinv_ffhq256_encoder.pth": "encoder",
    "vgg16.pth": "perceptual",
    "stylegan2-ffhq-config-f.pt": "generator",
    "psp_ffhq_encode.pt": "encoder",
    "e4e_ffhq_encode.pt": "encoder",
    "psp_celebs_sketch_to_face.pt": "sketch_encoder",
    "psp_celebs_seg_to_face.pt": "label_encoder",
    "fs3.npy": "style_directions",
    # InterFaceGAN directions as StyleGAN-NADA and e4e ship them (<name>.pt)
    **{f"{name}.pt": f"direction_{name}" for name in INTERFACEGAN_DIRECTIONS},
    "ffhq-sg2-510.ckpt": "text_prior",  # clip2latent's prior for FFHQ config-f, and its configuration
    "ffhq-sg2-510.yaml": "text_prior_config",
}
DIRECTION_PARTS = tuple(f"direction_{name}" for name in INTERFACEGAN_DIRECTIONS)
PARTS = ("generator", "encoder", "perceptual", "text_mapper", "image_text", "classifier", "sketch_encoder",
         "label_encoder", "style_directions", *DIRECTION_PARTS, "text_prior", "text_prior_config")
# the parts of a zoo family that loading takes: its networks and data, and its CLIP (the text-image guidance)
ZOO_PARTS = (*PARTS, "clip")
# {"guidance": "clip" | "embedding", "clip": repo id or folder, "clip_revision", "pipeline": {setting: value}}
FAMILY_SETTINGS = "family.json"
# extras a family works without: a file of them that does not load is set aside with its reason, not fatal
SET_ASIDE = ("style_directions", "text_prior", *DIRECTION_PARTS)


@dataclass
class FamilyParts:
    """The loaded networks of one model family (``None`` where the family has no such part)."""

    name: str
    generator: torch.nn.Module
    encoder: torch.nn.Module
    guidance: torch.nn.Module  # a ``method.guidance.TextImageGuidance``
    sentence_encoder: object = None
    text_mapper: torch.nn.Module | None = None
    classifier: torch.nn.Module | None = None
    perceptual: torch.nn.Module | None = None
    sketch_encoder: torch.nn.Module | None = None
    label_encoder: torch.nn.Module | None = None
    style_directions: torch.Tensor | None = None  # StyleCLIP's fs3 (global directions), where the family has it
    attribute_directions: dict | None = None  # attribute -> a direction in W ([D]) from files, where it has them
    attribute_groups: dict | None = None
    text_prior: torch.nn.Module | None = None  # clip2latent's prior (text -> w), where the family has it
    vocabulary: object = None  # its ``vocabulary.Vocabulary``, with the learned text reader attached where it loads
    # optional parts whose files are there but do not load: part -> why (the family works without them)
    set_aside: dict = field(default_factory=dict)
    synthetic_domain: bool = False  # trained on the procedural faces (no face alignment for their images)
    pipeline_settings: dict | None = None  # overrides of the pipeline's defaults (``pipeline.PipelineSettings``)


DEFAULT_CLIP = CLIP.repo_id  # the guidance of a family folder whose family.json names none


def family_sources(src: str | Path) -> tuple[str, dict[str, Path], dict]:
    """Where each part of a family lives: (name, part -> local path, settings). ``src`` is a zoo name, a folder
    in the project's format (``<part>/config.json`` each, optional ``family.json``), or a folder of official files
    under their published names. Missing required parts raise ``LoadError`` naming them and where to get them."""
    text = str(src)
    if text in FAMILIES and not Path(text).exists():
        fam = family(text)
        if any(c.local for c in fam.components.values()):
            return family_sources(resolve(text, "generator").parent)
        paths, problems = {}, []
        for part in fam.components:
            if part not in ZOO_PARTS:  # alternatives such as encoder_psp are for `encode`
                continue
            try:
                paths[part] = resolve(f"{text}:{part}")
            except LoadError as e:
                if part in REQUIRED_PARTS:
                    problems.append(str(e))
        if problems:
            raise LoadError(f"family {text} is not available: " + "; ".join(problems))
        settings = {"guidance": fam.guidance}
        if "clip" in paths:  # the folder of its CLIP, found or downloaded like any other part
            settings["clip"] = str(paths.pop("clip"))
        return text, paths, settings
    root = resolve(text)
    if root.is_file():
        raise LoadError(f"{root} is a file: a model family is a folder (or a zoo name: {', '.join(FAMILIES)})")
    settings = {}
    if (root / FAMILY_SETTINGS).exists():
        try:
            settings = json.loads((root / FAMILY_SETTINGS).read_text())
        except json.JSONDecodeError as e:
            raise LoadError(f"{root / FAMILY_SETTINGS} is not valid JSON: {first_line(e)}") from None
    paths = {p: root / p for p in PARTS if (root / p / CONFIG_NAME).exists()}
    paths |= {role: root / f for f, role in OFFICIAL_FILES.items() if (root / f).exists() and role not in paths}
    settings.setdefault("guidance", "embedding" if "image_text" in paths else "clip")
    if settings["guidance"] == "clip" and "clip" not in settings:
        # the zoo's CLIP: a copy beside the parts or elsewhere on this machine, else its Hub repository
        here = local_copy(CLIP, root)
        settings["clip"] = str(here) if here else CLIP.repo_id
    needed = ("generator", "encoder") + (("text_mapper", "image_text") if settings["guidance"] == "embedding" else ())
    missing = [p for p in needed if p not in paths]
    if missing:
        raise LoadError(f"model family at {root} lacks its {', '.join(missing)} (a <part>/config.json folder each, "
                        f"or the official files {', '.join(OFFICIAL_FILES)})")
    return root.name, paths, settings


def load_part(part: str, path: Path, device: str | torch.device = "cpu") -> torch.nn.Module:
    """One part of a family from a project-format folder or an official file (format detected, loaded strictly)."""
    if part == "style_directions":
        return read_fs3(path)
    if part in DIRECTION_PARTS:
        return read_direction(path)
    if path.is_dir():
        model = load_module(path, device)
    elif part == "generator":
        model = load_generator(path, device)
    else:
        obj = read_official(path)
        fmt = detect_format(obj)
        if fmt == "psp" and part in ("encoder", "sketch_encoder", "label_encoder"):
            model, _ = load_psp_encoder(path, device, obj)
        elif fmt in ("idinvert-encoder", "vgg16"):
            model, _ = load_official_network(path, device, obj)
        else:
            raise LoadError(f"{path.name} is a {fmt} checkpoint, which is not a {part}")
    return model.requires_grad_(False)


def load_family(src: str | Path, device: str | torch.device = "cpu") -> FamilyParts:
    """Load every part of a model family once, in inference mode, with its text-image guidance."""
    from ..method.guidance import EmbeddingGuidance

    name, paths, settings = family_sources(src)
    prior_files = paths.pop("text_prior", None), paths.pop("text_prior_config", None)
    loaders = {part: partial(load_part, part, path, device) for part, path in paths.items()}
    if all(prior_files):  # clip2latent's prior: checkpoint and configuration together
        loaders["text_prior"] = partial(load_prior, *prior_files, device)
    parts, set_aside = {}, {}
    for part, load in loaders.items():
        try:
            parts[part] = load()
        except LoadError as e:
            if part not in SET_ASIDE:
                raise
            set_aside[part] = str(e)
    directions = {p.removeprefix("direction_"): parts.pop(p) for p in DIRECTION_PARTS if p in parts} or None
    sentence = None
    if settings["guidance"] == "embedding":
        sentence = load_sentence_encoder(settings.get("sentence_encoder"), device=device)
        guidance = EmbeddingGuidance(parts.pop("image_text"), sentence)
    elif settings["guidance"] == "clip":
        guidance = load_clip(settings["clip"], settings.get("clip_revision", "main"), device)
        parts.pop("image_text", None)
    else:
        raise LoadError(f"unknown guidance {settings['guidance']!r} in {name}'s {FAMILY_SETTINGS}")
    groups = None
    root = paths["generator"].parent
    if (root / "attribute_groups.json").exists():
        try:
            groups = json.loads((root / "attribute_groups.json").read_text())
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            raise LoadError(f"{root / 'attribute_groups.json'} is not valid JSON: {first_line(e)}") from None
        if not isinstance(groups, dict):
            raise LoadError(f"{root / 'attribute_groups.json'} must map each attribute to its layer groups")
    synthetic = bool(settings.get("synthetic_domain", "classifier" in parts and settings["guidance"] == "embedding"))
    vocabulary = for_family(synthetic)
    try:  # the learned reader of the family's vocabulary; without it the table reads (``Vocabulary.read``)
        vocabulary.attach(load_text_reader(vocabulary, sentence, device))
    except LoadError as e:
        set_aside["text_reader"] = str(e)
    return FamilyParts(name=name, guidance=guidance, sentence_encoder=sentence, attribute_groups=groups,
                       attribute_directions=directions, set_aside=set_aside,
                       pipeline_settings=settings.get("pipeline"), synthetic_domain=synthetic,
                       vocabulary=vocabulary, **parts)


def convert_official(src: str | Path, out: str | Path, dtype: torch.dtype = torch.float32,
                     clip: str = DEFAULT_CLIP) -> dict[str, str]:
    """Official files in ``src`` (under their published names) -> a project-format family folder ``out``: one
    ``config.json`` + ``model.safetensors`` per part and a ``family.json``; ready for ``from_family(out)`` or an
    upload to one's own Hub repository. Returns part -> source file name."""
    src, out = Path(src), Path(out)
    found = {role: src / name for name, role in OFFICIAL_FILES.items() if (src / name).is_file()}
    if not found:
        raise LoadError(f"no official files in {src} (expected any of: {', '.join(OFFICIAL_FILES)})")
    for part, path in found.items():
        load_part(part, path).save_pretrained(out / part, dtype=dtype)
    settings = {"guidance": "clip", "clip": clip, "clip_revision": "main",
                "converted_from": {part: path.name for part, path in found.items()}}
    (out / FAMILY_SETTINGS).write_text(json.dumps(settings, indent=2) + "\n")
    return settings["converted_from"]
