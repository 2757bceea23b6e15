"""The project's own on-disk format: ``config.json`` + ``model.safetensors`` per model (a save/load pair)."""

from __future__ import annotations

import json
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file
from torch import nn

__all__ = ["Pretrained", "save_pretrained", "read_pretrained", "load_state_strict", "StateDictMismatch", "GROUP_NAMES",
           "split_layers"]

# TediGAN's layer groups of a W+ code, from the coarsest convolutions to the finest (Karras et al. 2019, §3.1:
# coarse 4-8 px, middle 16-32 px, fine 64 px and up)
GROUP_NAMES = ("coarse", "middle", "fine")


def split_layers(resolutions: list[int]) -> dict[str, list[int]]:
    """The W+ entries of each layer group, given the resolution each entry's convolution runs at (both
    generators' ``layer_groups``)."""
    groups: dict[str, list[int]] = {name: [] for name in GROUP_NAMES}
    for i, res in enumerate(resolutions):
        groups["coarse" if res <= 8 else "middle" if res <= 32 else "fine"].append(i)
    return groups

CONFIG_NAME = "config.json"
WEIGHTS_NAME = "model.safetensors"


class StateDictMismatch(ValueError):
    """Raised when a checkpoint's keys or shapes do not match the model; names the first differences."""


def save_pretrained(model: nn.Module, config: dict, directory: str | Path, dtype: torch.dtype = torch.float16,
                    kind: str | None = None) -> Path:
    """Write ``config.json`` and ``model.safetensors`` (floating tensors cast to ``dtype``) into ``directory``."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    state = {k: (v.to(dtype) if v.is_floating_point() else v).contiguous().cpu()
             for k, v in model.state_dict().items()}
    save_file(state, str(directory / WEIGHTS_NAME), metadata={"format": "pt"})
    cfg = {"model_type": kind or type(model).__name__, **config}
    (directory / CONFIG_NAME).write_text(json.dumps(cfg, indent=2) + "\n")
    return directory


def load_state_strict(model: nn.Module, state: dict[str, torch.Tensor], source: str = "checkpoint") -> nn.Module:
    """Copy ``state`` into ``model`` after checking keys and shapes; mismatches raise ``StateDictMismatch``."""
    expected = model.state_dict()
    missing = [k for k in expected if k not in state]
    unexpected = [k for k in state if k not in expected]
    wrong = [f"{k} {list(state[k].shape)} != {list(v.shape)}" for k, v in expected.items()
             if k in state and state[k].shape != v.shape]
    if missing or unexpected or wrong:
        parts = []
        for name, items in (("missing", missing), ("unexpected", unexpected), ("wrong shape", wrong)):
            if items:
                more = f" (+{len(items) - 3} more)" if len(items) > 3 else ""
                parts.append(f"{len(items)} {name}: {', '.join(items[:3])}{more}")
        raise StateDictMismatch(f"{source} does not fit {type(model).__name__}: " + "; ".join(parts))
    cast = {k: v.to(expected[k].dtype) for k, v in state.items()}
    model.load_state_dict(cast, strict=True)
    return model


def read_pretrained(directory: str | Path) -> tuple[dict, dict[str, torch.Tensor]]:
    """Read ``config.json`` and the safetensors weights of a saved model."""
    directory = Path(directory)
    config = json.loads((directory / CONFIG_NAME).read_text())
    return config, load_file(str(directory / WEIGHTS_NAME))


class Pretrained:
    """A model that saves and loads itself in the project's format: ``config.json`` (``model_type`` and the
    config's fields) + ``model.safetensors``. Subclasses set ``model_type`` and ``config_class`` (None: the model
    takes no config) and keep their config as ``self.config``."""

    model_type: str = ""
    config_class: type | None = None

    def save_pretrained(self, directory: str | Path, dtype: torch.dtype = torch.float16) -> Path:
        config = self.config.to_dict() if self.config_class is not None else {}
        return save_pretrained(self, config, directory, dtype, kind=self.model_type)

    @classmethod
    def from_config(cls, config: dict):
        """The model, untrained, from the fields of its ``config.json`` (``TypeError`` / ``ValueError`` if bad)."""
        return cls() if cls.config_class is None else cls(cls.config_class(**config))

    @classmethod
    def from_pretrained(cls, directory: str | Path, device: str | torch.device = "cpu"):
        """The saved model, strictly loaded, in eval mode on ``device``."""
        config, state = read_pretrained(directory)
        kind = config.pop("model_type", None)
        if kind != cls.model_type:
            raise ValueError(f"{directory} holds a {kind}, not a {cls.model_type}")
        model = cls.from_config(config)
        load_state_strict(model, state, source=str(Path(directory) / WEIGHTS_NAME))
        return model.to(device).eval()
