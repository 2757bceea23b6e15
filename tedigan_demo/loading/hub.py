"""Where weights are: zoo names, local paths, the weights folder, and the Hugging Face Hub (downloads into the
standard cache, honouring ``HF_HUB_OFFLINE`` and ``HF_ENDPOINT``)."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

from huggingface_hub import constants as hf_constants
from huggingface_hub import errors as hf_errors
from huggingface_hub import hf_hub_download

from ..models.base import CONFIG_NAME, WEIGHTS_NAME
from ..zoo import FAMILIES, family
from .errors import LoadError, first_line

__all__ = ["REPO_ROOT", "HubRef", "hub_download", "resolve", "weights_dir", "GONE", "repo_and_type"]

REPO_ROOT = Path(__file__).resolve().parent.parent.parent


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


def repo_and_type(repo_id: str) -> tuple[str, str]:
    """``"spaces/owner/name"`` -> ``("owner/name", "space")``; a model repository's id -> ``(repo_id, "model")``.
    The zoo names a file in a Space's repository with that prefix, as the Hub's own URLs do."""
    if repo_id.startswith("spaces/"):
        return repo_id.removeprefix("spaces/"), "space"
    return repo_id, "model"


GONE = "not found:"  # the start of a download error that means the copy is gone, not that the network failed
_FILE_SUFFIXES = (".pt", ".pth", ".pkl", ".ckpt", ".safetensors", ".npy", ".yaml")  # a file; else a folder


def hub_download(ref: HubRef, filename: str, cache_dir: str | Path | None = None,
                 local_files_only: bool = False, tqdm_class=None) -> Path:
    """``hf_hub_download`` with its failures turned into one-line ``LoadError``s (``tqdm_class``: its progress
    bar, None for the terminal's)."""
    offline = local_files_only or hf_constants.HF_HUB_OFFLINE or os.environ.get("HF_HUB_OFFLINE", "0") in ("1", "ON")
    where = f"{filename} in {ref.repo_id}@{ref.revision}"
    repo_id, repo_type = repo_and_type(ref.repo_id)
    # The Hub client logs each retry as a warning; our error below is the one line the user needs.
    http_log = logging.getLogger("huggingface_hub")
    level = http_log.level
    http_log.setLevel(logging.ERROR)
    try:
        return Path(hf_hub_download(repo_id, filename, repo_type=repo_type, revision=ref.revision,
                                    cache_dir=cache_dir, local_files_only=offline,
                                    endpoint=os.environ.get("HF_ENDPOINT") or None, tqdm_class=tqdm_class))
    except hf_errors.RepositoryNotFoundError:
        raise LoadError(f"{GONE} Hub repository {ref.repo_id!r} does not exist (or is private)") from None
    except hf_errors.RevisionNotFoundError:
        raise LoadError(f"{GONE} revision {ref.revision!r} of Hub repository {ref.repo_id!r}") from None
    except hf_errors.RemoteEntryNotFoundError:
        raise LoadError(f"{GONE} file {filename!r} in Hub repository {ref.repo_id}@{ref.revision}") from None
    except hf_errors.LocalEntryNotFoundError:
        state = "the Hub is offline (HF_HUB_OFFLINE=1)" if offline else "the Hub cannot be reached"
        raise LoadError(f"{where} is not in the local Hub cache and {state}: download it once with network "
                        "access, or pass a local file") from None
    except (hf_errors.OfflineModeIsEnabled, hf_errors.HfHubHTTPError, OSError) as e:
        raise LoadError(f"could not download {where}: {first_line(e)}") from None
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
            if not str(e).startswith(GONE) or len(errors) + 1 == len(c.hub_sources()):
                raise LoadError(f"{e}" + (f" (also tried: {'; '.join(errors)})" if errors else "")) from None
            errors.append(f"{repo_id}: {e}")
    raise LoadError("no Hub source")  # unreachable: hub_sources() is never empty here


def _resolve_hub(ref: HubRef, cache_dir, local_files_only) -> Path:
    is_file = ref.filename is not None and Path(ref.filename).suffix in _FILE_SUFFIXES
    if is_file:
        return hub_download(ref, ref.filename, cache_dir, local_files_only)
    prefix = f"{ref.filename}/" if ref.filename else ""
    config = hub_download(ref, prefix + CONFIG_NAME, cache_dir, local_files_only)
    hub_download(ref, prefix + WEIGHTS_NAME, cache_dir, local_files_only)
    return config.parent
