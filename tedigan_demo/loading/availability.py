"""Whether weights are on this machine, whether the Hub can supply them, and getting them: the one place that
decides, for the loaders, the families and the app alike.

    resolve("ffhq-1024:encoder")      # a zoo part, a local path or hf://owner/repo/file -> a local file or folder
    part_here("ffhq-1024", "clip")    # on this machine now? (asks no network)
    missing_parts("ffhq-1024")        # its required parts that are not
    family_state("ffhq-1024")         # here / download (with its size) / unavailable (with the reason)
    fetch_missing("ffhq-1024")        # download what it lacks into the Hub cache

A zoo part (``zoo.Component``) is looked for in this order: shipped in the repository (``local``); in the weights
folder under its file name or one of its ``local_alternatives``; then in the Hub cache or on the Hub, each of its Hub
files (``hub_files``) from the first copy that has it. A part is *here* when that search succeeds without the
network. Every part is searched the same way; CLIP is a part whose Hub copy is a folder of files.

The Hub is offline when ``hub_offline()`` says so (the one reading of ``HF_HUB_OFFLINE``). A Hub copy that is gone
(repository, revision or file not found) raises ``NotOnHub``, and the search passes on to the next copy; any other
failure (no network, a broken download) stops it. Every failure is a one-line ``LoadError``.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from huggingface_hub import constants as hf_constants
from huggingface_hub import errors as hf_errors
from huggingface_hub import get_hf_file_metadata, hf_hub_download, hf_hub_url

from ..models.base import CONFIG_NAME, WEIGHTS_NAME
from ..zoo import FAMILIES, REQUIRED_PARTS, Component, family
from .errors import LoadError, first_line
from .hub import REPO_ROOT, HubRef, repo_and_type, weights_dir

__all__ = ["hub_offline", "NotOnHub", "HubFile", "hub_files", "hub_download", "hub_file_size", "resolve", "locate",
           "local_copy", "part_here", "missing_parts", "missing_optional_parts", "family_status", "download_size",
           "FamilyState", "family_state", "fetch_missing", "Progress"]

# given the path of the Hub file about to download, the ``tqdm_class`` that shows its progress (None: the terminal's)
Progress = Callable[[str], type | None]

_FILE_SUFFIXES = (".pt", ".pth", ".pkl", ".ckpt", ".safetensors", ".npy", ".yaml")  # a Hub file; else a folder


def hub_offline() -> bool:
    """Whether the Hub must not be asked. Reads ``HF_HUB_OFFLINE`` (else ``TRANSFORMERS_OFFLINE``) as
    huggingface_hub does (1 / ON / YES / TRUE, any case), but now rather than once at import, since a process or a
    test may set it later; and the client's own flag, which makes its requests fail when it is set."""
    value = os.environ.get("HF_HUB_OFFLINE") or os.environ.get("TRANSFORMERS_OFFLINE") or ""
    return bool(hf_constants.HF_HUB_OFFLINE) or value.upper() in hf_constants.ENV_VARS_TRUE_VALUES


class NotOnHub(LoadError):
    """The Hub answered that a copy is not there: its repository (or a gated or private one), revision or file.
    Another copy of the same file may be; a Hub that cannot be reached, or is offline, is a plain ``LoadError``."""


def _not_on_hub(error: Exception, repo_id: str, filename: str, revision: str) -> NotOnHub | None:
    """The ``NotOnHub`` that a Hub client error means, or None when it means something else (the network)."""
    if isinstance(error, hf_errors.RepositoryNotFoundError):
        return NotOnHub(f"not found: Hub repository {repo_id!r} does not exist (or is private)")
    if isinstance(error, hf_errors.RevisionNotFoundError):
        return NotOnHub(f"not found: revision {revision!r} of Hub repository {repo_id!r}")
    if isinstance(error, hf_errors.RemoteEntryNotFoundError):
        return NotOnHub(f"not found: file {filename!r} in Hub repository {repo_id}@{revision}")
    return None


def _endpoint() -> str | None:
    """``$HF_ENDPOINT`` (a mirror, or the tests' stand-in Hub), read at each call; None for the Hub itself."""
    return os.environ.get("HF_ENDPOINT") or None


def hub_download(ref: HubRef, filename: str, cache_dir: str | Path | None = None,
                 local_files_only: bool = False, tqdm_class=None) -> Path:
    """``filename`` of the Hub repository ``ref.repo_id`` at ``ref.revision`` in the Hub cache (downloaded when it
    is not there, unless ``local_files_only`` or ``hub_offline()``): the local path. ``tqdm_class`` is the progress
    bar (None: the terminal's). A copy that is gone raises ``NotOnHub``; any other failure a one-line ``LoadError``."""
    offline = local_files_only or hub_offline()
    repo_id, repo_type = repo_and_type(ref.repo_id)
    # The Hub client logs each retry as a warning; the error below is the one line the user needs.
    http_log = logging.getLogger("huggingface_hub")
    level = http_log.level
    http_log.setLevel(logging.ERROR)
    try:
        return Path(hf_hub_download(repo_id, filename, repo_type=repo_type, revision=ref.revision,
                                    cache_dir=cache_dir, local_files_only=offline, endpoint=_endpoint(),
                                    tqdm_class=tqdm_class))
    except hf_errors.LocalEntryNotFoundError:
        where = f"{filename} in {ref.repo_id}@{ref.revision}"
        state = "the Hub is offline (HF_HUB_OFFLINE=1)" if offline else "the Hub cannot be reached"
        raise LoadError(f"{where} is not in the local Hub cache and {state}: download it once with network "
                        "access, or pass a local file") from None
    except (hf_errors.OfflineModeIsEnabled, hf_errors.HfHubHTTPError, OSError) as e:
        gone = _not_on_hub(e, ref.repo_id, filename, ref.revision)
        if gone:
            raise gone from None
        raise LoadError(f"could not download {filename} in {ref.repo_id}@{ref.revision}: {first_line(e)}") from None
    finally:
        http_log.setLevel(level)


def hub_file_size(repo_id: str, filename: str, revision: str, timeout: float = 5.0) -> int:
    """The size in bytes of one Hub file, asked of the Hub (``timeout`` seconds). A copy that is gone raises
    ``NotOnHub``; a network failure raises the client's own error, for the caller to word."""
    bare_id, repo_type = repo_and_type(repo_id)
    url = hf_hub_url(bare_id, filename, repo_type=repo_type, revision=revision, endpoint=_endpoint())
    try:
        return int(get_hf_file_metadata(url, timeout=timeout).size or 0)
    except hf_errors.HfHubHTTPError as e:
        gone = _not_on_hub(e, repo_id, filename, revision)
        if gone:
            raise gone from None
        raise


# ------------------------------------------------------------------------------------------------------------------
# The Hub files of a part, and finding a part


@dataclass(frozen=True)
class HubFile:
    """One file that a part takes from the Hub: its copies ``(repo_id, path, revision)`` in the order they are
    tried, and whether the part is usable without it (``required``)."""

    copies: tuple[tuple[str, str, str], ...]
    required: bool = True


def hub_files(comp: Component) -> list[HubFile]:
    """The Hub files of a zoo part; none where it is published outside the Hub only. A single file
    (``Component.filename``) is one entry holding every copy of it (``Component.hub_sources``); a folder of one
    repository (``Component.files``, e.g. CLIP) is one entry per file, its alternative names as its copies, and
    ``optional_files`` after them, not required."""
    if not comp.repo_id:
        return []
    if not comp.files:
        return [HubFile(tuple(comp.hub_sources()))]
    folder = f"{comp.filename}/" if comp.filename else ""
    needed = [HubFile(tuple((comp.repo_id, folder + name, comp.revision) for name in names)) for names in comp.files]
    extra = [HubFile(((comp.repo_id, folder + name, comp.revision),), required=False) for name in comp.optional_files]
    return needed + extra


def _ref_part(ref: HubRef) -> Component:
    """A ``hf://`` reference as a part: a file (by its suffix), else a folder of the project's own format."""
    if ref.filename is not None and Path(ref.filename).suffix in _FILE_SUFFIXES:
        return Component("file", repo_id=ref.repo_id, filename=ref.filename, revision=ref.revision)
    return Component("pretrained", repo_id=ref.repo_id, filename=ref.filename, revision=ref.revision,
                     files=((CONFIG_NAME,), (WEIGHTS_NAME,)))


def _first_copy(copies: tuple[tuple[str, str, str], ...], cache_dir, local_only: bool,
                progress: Progress | None) -> Path:
    """The first of ``copies`` that can be had. A copy that is gone from the Hub passes to the next, and so does,
    with ``local_only``, one that is not in the cache (another copy may be); any other failure stops. The error of
    the last copy tried says which others were tried."""
    tried = []
    for k, (repo_id, path, revision) in enumerate(copies):
        try:
            return hub_download(HubRef(repo_id, path, revision), path, cache_dir, local_only,
                                tqdm_class=progress(path) if progress else None)
        except LoadError as e:
            if not (isinstance(e, NotOnHub) or local_only) or k == len(copies) - 1:
                also = f" (also tried: {'; '.join(tried)})" if tried else ""
                raise type(e)(f"{e}{also}") from None
            tried.append(f"{repo_id}: {e}")
    raise LoadError("a part without Hub copies")  # unreachable: hub_files never gives an empty entry


def _from_hub(comp: Component, cache_dir, local_files_only: bool, progress: Progress | None) -> Path:
    """A part's Hub files in the cache (downloaded unless ``local_files_only`` or offline): the file, or for a
    folder part the folder holding its files. A required file that cannot be had raises; an optional one is left."""
    local_only = local_files_only or hub_offline()
    paths = []
    for entry in hub_files(comp):
        try:
            paths.append(_first_copy(entry.copies, cache_dir, local_only, progress))
        except LoadError:
            if entry.required:
                raise
    return paths[0].parent if comp.files else paths[0]


def locate(comp: Component, what: str, cache_dir: str | Path | None = None, local_files_only: bool = False,
           roots: tuple[Path, ...] = (), progress: Progress | None = None) -> Path:
    """Where a part is, as a local file or folder: shipped, in ``roots`` (folders looked in first) or the weights
    folder, else from the Hub (the cache; downloaded unless ``local_files_only`` or offline, with ``progress``).
    ``what`` names the part in errors (``family:part``)."""
    if comp.local:
        path = REPO_ROOT / comp.local
        if not path.exists():
            raise LoadError(f"shipped weights of {what} are missing at {path}")
        return path
    for folder in (*map(Path, roots), weights_dir()):
        for name in (comp.filename, *comp.local_alternatives):
            if name and (folder / name).exists():
                return folder / name
    if not comp.repo_id:
        raise LoadError(f"{what} needs {comp.filename} in {weights_dir()} (set TEDIGAN_WEIGHTS to another folder); "
                        f"get it from {comp.note}")
    return _from_hub(comp, cache_dir, local_files_only, progress)


def local_copy(comp: Component, *roots: Path) -> Path | None:
    """A copy of a part on this machine (``locate`` without the network), or None."""
    try:
        return locate(comp, comp.format, local_files_only=True, roots=roots)
    except LoadError:
        return None


def resolve(src: str | Path | HubRef, component: str = "generator", cache_dir: str | Path | None = None,
            local_files_only: bool = False) -> Path:
    """A zoo name (``family`` for its ``component``, or ``family:part``), a local path or a Hub reference
    (``hf://owner/repo[/file][@revision]`` or a ``HubRef``) -> a local file or folder, downloaded into the Hub cache
    where it must be (unless ``local_files_only`` or offline)."""
    if isinstance(src, HubRef):
        return _from_hub(_ref_part(src), cache_dir, local_files_only, None)
    text = str(src)
    name, _, part = text.partition(":")
    if name in FAMILIES and not Path(text).exists():
        part = part or component
        return locate(family(name).component(part), f"{name}:{part}", cache_dir, local_files_only)
    if text.startswith("hf://"):
        return _from_hub(_ref_part(HubRef.parse(text)), cache_dir, local_files_only, None)
    path = Path(text).expanduser()
    if path.exists():
        return path
    raise LoadError(f"no such file, folder or model family: {text!r} (families: {', '.join(FAMILIES)}; Hub: "
                    "hf://owner/repo/file[@revision])")


# ------------------------------------------------------------------------------------------------------------------
# What a zoo family has here, and what it can get


def part_here(name: str, part: str) -> bool:
    """Whether a part of the zoo family ``name`` is on this machine: found as loading finds it, without the network."""
    try:
        locate(family(name).component(part), f"{name}:{part}", local_files_only=True)
        return True
    except LoadError:
        return False


def missing_parts(name: str) -> list[str]:
    """The required parts (``zoo.REQUIRED_PARTS``) of the zoo family ``name`` that are not on this machine."""
    comps = family(name).components
    return [part for part in REQUIRED_PARTS if part in comps and not part_here(name, part)]


def missing_optional_parts(name: str) -> list[str]:
    """The optional parts of the zoo family ``name`` that have a Hub copy and are not on this machine yet (the
    sketch encoder, StyleCLIP's fs3, the InterFaceGAN directions): a download of the family brings them too."""
    return [part for part, comp in family(name).components.items()
            if part not in REQUIRED_PARTS and hub_files(comp) and not part_here(name, part)]


def family_status(name: str) -> str | None:
    """None when every required part of the zoo family ``name`` is on this machine; else one line naming the
    missing ones and where they go."""
    comps = family(name).components
    missing = [comps[p].filename or comps[p].repo_id for p in missing_parts(name)]
    if not missing:
        return None
    return f"not on this machine: {', '.join(missing)} (put official files in {weights_dir()} or the Hub cache)"


def download_size(comp: Component, what: str, timeout: float = 5.0) -> int:
    """Bytes a part downloads: each of its Hub files from the first copy that has it (``timeout`` seconds per
    question). ``NotOnHub`` where no copy of a required file is there; a network failure raises the client's error."""
    total = 0
    for entry in hub_files(comp):
        for repo_id, path, revision in entry.copies:
            try:
                total += hub_file_size(repo_id, path, revision, timeout)
                break
            except NotOnHub:
                continue
        else:
            if entry.required:
                tried = " / ".join(f"{r}/{p}" for r, p, _ in entry.copies)
                raise NotOnHub(f"no Hub copy of the {what} answers (tried {tried})")
    return total


@dataclass(frozen=True)
class FamilyState:
    """What this machine can do with a zoo family: run it (``here``), ``download`` it, or not (``unavailable``)."""

    name: str
    state: str  # "here", "download" or "unavailable"
    detail: str = ""  # for "unavailable": why, in one line; for "download": what will download
    download_bytes: int = 0

    @property
    def label(self) -> str:
        """The family as the selector shows it."""
        if self.state == "here":
            return self.name
        if self.state == "download":
            return f"{self.name} (download {self.download_bytes / 1e9:.1f} GB)"
        return f"{self.name} (unavailable)"


def family_state(name: str, timeout: float = 5.0) -> FamilyState:
    """Whether the zoo family ``name`` runs here now, can be downloaded (the Hub is asked for the sizes, with
    ``timeout`` seconds per file), or is unavailable, and why."""
    missing = missing_parts(name)
    if not missing:
        return FamilyState(name, "here")
    comps = family(name).components
    if any(not hub_files(comps[p]) for p in missing):  # published outside the Hub only
        return FamilyState(name, "unavailable", family_status(name))
    if hub_offline():
        return FamilyState(name, "unavailable", f"not on this machine and the Hub is offline (HF_HUB_OFFLINE=1): "
                                                f"needs {', '.join(missing)}")
    total = 0
    try:
        for part in missing:
            total += download_size(comps[part], part, timeout)
    except NotOnHub as e:
        return FamilyState(name, "unavailable", str(e))
    except Exception as e:  # the Hub client raises many types for a network that is down; one line is enough
        return FamilyState(name, "unavailable", f"not on this machine and the Hub cannot be reached "
                                                f"({first_line(e)})")
    optional = []
    for part in missing_optional_parts(name):
        try:
            total += download_size(comps[part], part, timeout)
            optional.append(part)
        except Exception:  # an optional part the Hub does not answer for: the family works without it
            continue
    what = ", ".join(missing + [f"{p} (optional)" for p in optional])
    return FamilyState(name, "download", f"downloads {what}", total)


def fetch_missing(name: str, progress: Progress | None = None) -> None:
    """Download every part of the zoo family ``name`` that is not on this machine, its optional Hub parts too, into
    the Hub cache (``progress`` gives each file's progress bar). A required part that fails raises a ``LoadError``
    naming it; an optional one is left out. A retry resumes the files that were cut short."""
    comps = family(name).components
    for part in missing_parts(name) + missing_optional_parts(name):
        try:
            locate(comps[part], f"{name}:{part}", progress=progress)
        except LoadError as e:
            if part in REQUIRED_PARTS:
                raise LoadError(f"downloading {name} failed ({part}): {e}") from None
