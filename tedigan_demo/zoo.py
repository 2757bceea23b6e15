"""The model zoo: one table of named model families -> components -> where their weights live.

A component is either shipped inside this repository (``local``: a folder under ``checkpoints/``) or fetched from
the Hugging Face Hub (``repo_id``, ``filename``, pinned ``revision``) into the standard Hub cache.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Component", "Family", "FAMILIES", "family", "DEFAULT_FAMILY"]


@dataclass(frozen=True)
class Component:
    format: str  # "pretrained" (config.json + model.safetensors), "rosinality", "psp", ...
    repo_id: str | None = None  # Hub repository, when the weights are not shipped here
    filename: str | None = None  # file inside the Hub repository
    revision: str = "main"  # pinned commit hash where known (see ``note``)
    local: str | None = None  # folder relative to the repository root, for shipped weights
    note: str = ""


@dataclass(frozen=True)
class Family:
    name: str
    description: str
    resolution: int
    components: dict[str, Component] = field(default_factory=dict)

    def component(self, name: str) -> Component:
        if name not in self.components:
            raise ValueError(f"family {self.name!r} has no component {name!r}; it has: {', '.join(self.components)}")
        return self.components[name]


FAMILIES: dict[str, Family] = {
    f.name: f
    for f in (
        Family(
            "synthfaces64",
            "Embedded default: StyleGAN2 64 px trained on the procedural multi-modal face domain (works offline).",
            64,
            {"generator": Component("pretrained", local="checkpoints/synthfaces64/generator")},
        ),
        Family(
            "ffhq-1024",
            "rosinality StyleGAN2 config-f on FFHQ 1024 px (the generator of TediGAN's multi-modal extension).",
            1024,
            {
                "generator": Component(
                    "rosinality",
                    repo_id="akhaliq/jojogan-stylegan2-ffhq-config-f",
                    filename="stylegan2-ffhq-config-f.pt",
                    revision="main",
                    note="commit hash not confirmed from this offline workplace: pinned to 'main'",
                ),
                "clip": Component(
                    "transformers-clip",
                    repo_id="openai/clip-vit-base-patch32",
                    revision="main",
                    note="text-image guidance (TediGAN ext/ uses CLIP ViT-B/32); commit hash not confirmed offline",
                ),
            },
        ),
    )
}

DEFAULT_FAMILY = "synthfaces64"


def family(name: str) -> Family:
    """The family called ``name``; an unknown name raises ``ValueError`` listing the valid ones."""
    try:
        return FAMILIES[name]
    except KeyError:
        raise ValueError(f"unknown model family {name!r}; valid: {', '.join(FAMILIES)}") from None
