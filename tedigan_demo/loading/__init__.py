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

The package: ``hub`` (names of places: Hub references, the weights folder), ``availability`` (the one place that
finds weights, fetches them from the Hub and says whether a zoo family is here, can be downloaded or not, and why),
``formats`` (reading official files, naming their format), ``official`` (loading them)
with one module per format (``rosinality``, ``psp`` for
pSp / e4e, ``idinvert`` for IDInvert's generator, encoder and VGG16), ``own`` (the project's own models,
``load_generator``, ``load_encoder``) and ``families`` (assembly, conversion).
"""

from .availability import (
    FamilyState,
    NotOnHub,
    family_state,
    family_status,
    fetch_missing,
    hub_download,
    hub_offline,
    missing_optional_parts,
    missing_parts,
    part_here,
    resolve,
)
from .errors import LoadError, first_line
from .families import (
    DEFAULT_CLIP,
    FAMILY_SETTINGS,
    OFFICIAL_FILES,
    PARTS,
    FamilyParts,
    convert_official,
    family_sources,
    load_family,
    load_part,
)
from .hub import REPO_ROOT, HubRef, repo_and_type, weights_dir
from .idinvert import load_official_network
from .official import detect_format, load_official, read_official, read_safetensors
from .own import (
    load_clip,
    load_encoder,
    load_generator,
    load_module,
    load_pretrained_dir,
    load_sentence_encoder,
    load_text_reader,
)
from .psp import load_psp_encoder

__all__ = ["LoadError", "NotOnHub", "first_line", "HubRef", "REPO_ROOT", "resolve", "hub_download", "hub_offline",
           "repo_and_type", "weights_dir", "read_official", "read_safetensors", "detect_format", "load_official",
           "load_official_network", "load_psp_encoder", "load_module", "load_pretrained_dir", "load_generator",
           "load_encoder", "load_sentence_encoder", "load_text_reader", "load_clip", "FamilyParts", "family_sources",
           "load_family", "load_part", "part_here", "missing_parts", "missing_optional_parts", "family_status",
           "FamilyState", "family_state", "fetch_missing", "convert_official", "OFFICIAL_FILES", "PARTS",
           "FAMILY_SETTINGS", "DEFAULT_CLIP"]
