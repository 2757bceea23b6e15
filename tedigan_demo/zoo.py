"""The model zoo: one table of named model families -> components -> where their weights live.

A component is either shipped inside this repository (``local``: a folder under ``checkpoints/``), fetched from
the Hugging Face Hub (``repo_id``, ``filename`` or a folder's ``files``, pinned ``revision``) into the standard Hub
cache, or, for official files published only elsewhere (``note`` says where), looked up by ``filename`` in the local
weights folder (``$TEDIGAN_WEIGHTS``, default ``weights/`` in the repository). This module is the table only;
``loading.availability`` decides from it where a component is and whether it can be fetched.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Component", "Family", "FAMILIES", "family", "DEFAULT_FAMILY", "REAL_FACE_FAMILY", "REQUIRED_PARTS",
           "CLIP", "INTERFACEGAN_DIRECTIONS"]


@dataclass(frozen=True)
class Component:
    format: str  # "pretrained" (config.json + model.safetensors), "rosinality", "psp", ...
    repo_id: str | None = None  # Hub repository, when the weights are not shipped here
    filename: str | None = None  # file inside the Hub repository (with ``files``: the subfolder, None for the root)
    revision: str = "main"  # pinned commit hash where known (see ``note``)
    local: str | None = None  # folder relative to the repository root, for shipped weights
    note: str = ""
    # other Hub copies of the same file, (repo_id, filename, revision), tried in order when the first is gone
    fallbacks: tuple[tuple[str, str, str], ...] = ()
    # other official files (or folders) that serve as this part when found in the local weights folder
    local_alternatives: tuple[str, ...] = ()
    size_mb: float | None = None  # approximate download size, shown before a download
    # a part that is a folder of its Hub repository: the files it needs, each as its names in order of preference
    # (the first the repository has is taken), and the files taken only where the repository has them
    files: tuple[tuple[str, ...], ...] = ()
    optional_files: tuple[str, ...] = ()

    def hub_sources(self) -> list[tuple[str, str | None, str]]:
        """Every Hub copy of this part, the pinned one first: ``(repo_id, filename, revision)``; none where it is
        published outside the Hub only."""
        first = [(self.repo_id, self.filename, self.revision)] if self.repo_id else []
        return first + list(self.fallbacks)


@dataclass(frozen=True)
class Family:
    name: str
    description: str
    resolution: int
    components: dict[str, Component] = field(default_factory=dict)
    guidance: str = "embedding"  # text-image guidance: the family's own image-text encoder, or "clip"

    def component(self, name: str) -> Component:
        if name not in self.components:
            raise ValueError(f"family {self.name!r} has no component {name!r}; it has: {', '.join(self.components)}")
        return self.components[name]


# Text-image guidance: a transformers CLIP repository, i.e. a folder of files (config and weights required, the
# tokenizer's files taken where the copy has them), or a save_pretrained copy named like it in the weights folder.
CLIP = Component(
    "transformers-clip",
    repo_id="openai/clip-vit-base-patch32",
    revision="main",
    note="text-image guidance (TediGAN uses CLIP ViT-B/32)",
    size_mb=605,
    files=(("config.json",), ("model.safetensors", "pytorch_model.bin")),
    optional_files=("tokenizer_config.json", "vocab.json", "merges.txt", "tokenizer.json", "special_tokens_map.json"),
    local_alternatives=("clip-vit-base-patch32",),
)
IDINVERT_SOURCE = ("the IDInvert release (github.com/genforce/idinvert_pytorch, 'Pre-trained Models': Google Drive "
                   "links for styleganinv_ffhq256_generator.pth, styleganinv_ffhq256_encoder.pth and vgg16.pth)")
PSP_SOURCE = ("the pSp / TediGAN releases (github.com/eladrich/pixel2style2pixel and github.com/IIGROUP/TediGAN, "
              "ext/pretrained_models)")

# InterFaceGAN's attribute directions in W for StyleGAN2-FFHQ: StyleGAN-NADA ships age, smile, gender, beard and
# hair length (editing/interfacegan_boundaries/<name>.pt) and e4e age, smile and pose
# (editings/interfacegan_directions/<name>.pt), each a tensor [1, 512].
INTERFACEGAN_DIRECTIONS = ("age", "smile", "pose", "gender", "beard", "hair_length")
INTERFACEGAN_SPACE = "spaces/rinong/StyleGAN-NADA"  # StyleGAN-NADA's Space, a copy of its GitHub repository
INTERFACEGAN_SOURCE = ("InterFaceGAN's directions as StyleGAN-NADA (github.com/rinongal/StyleGAN-nada, "
                       "editing/interfacegan_boundaries/, also in its Space) and e4e (github.com/omertov/"
                       "encoder4editing, editings/interfacegan_directions/) ship them; <name>.pt in the weights "
                       "folder is used first")


def interfacegan_direction(name: str) -> Component:
    """The zoo component of one InterFaceGAN direction: the weights folder's ``<name>.pt``, else the Space's copy."""
    return Component("interfacegan", repo_id=INTERFACEGAN_SPACE, filename=f"editing/interfacegan_boundaries/{name}.pt",
                     revision="main", local_alternatives=(f"{name}.pt",), note=INTERFACEGAN_SOURCE, size_mb=0.003)


CLIP2LATENT_SOURCE = ("clip2latent's prior for FFHQ config-f (github.com/justinpinkney/clip2latent, MIT): text -> "
                      "image samples w from CLIP's text features in a few denoising steps; without it, random codes")

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
            "ffhq-256",
            "TediGAN's own base: IDInvert StyleGAN on FFHQ 256 px (14 W+ layers), its in-domain encoder, VGG16 "
            "perceptual loss and CLIP guidance.",
            256,
            {
                "generator": Component("idinvert", filename="styleganinv_ffhq256_generator.pth", note=IDINVERT_SOURCE),
                "encoder": Component("idinvert-encoder", filename="styleganinv_ffhq256_encoder.pth",
                                     note=IDINVERT_SOURCE),
                "perceptual": Component("vgg16", filename="vgg16.pth", note=IDINVERT_SOURCE),
                "clip": CLIP,
            },
            guidance="clip",
        ),
        Family(
            "ffhq-1024",
            "rosinality StyleGAN2 config-f on FFHQ 1024 px, e4e image encoder, pSp sketch / label encoders and "
            "CLIP: TediGAN's multi-modal extension on real faces.",
            1024,
            {
                "generator": Component(
                    "rosinality",
                    repo_id="akhaliq/jojogan-stylegan2-ffhq-config-f",
                    filename="stylegan2-ffhq-config-f.pt",
                    revision="main",
                    note="rosinality's conversion of the official config-f FFHQ generator",
                    size_mb=380,
                ),
                "encoder": Component(
                    "psp",
                    repo_id="anzorq/e4e-ffhq",
                    filename="e4e_ffhq_encode.pt",
                    revision="main",
                    note="encoder4editing's e4e_ffhq_encode.pt (omertov/encoder4editing release), from the first "
                         "Hub copy that has it; pSp's psp_ffhq_encode.pt in the weights folder is used instead when "
                         "it is there.",
                    fallbacks=(("akhaliq/JoJoGAN_e4e_ffhq_encode", "e4e_ffhq_encode.pt", "main"),
                               ("AIRI-Institute/HairFastGAN", "pretrained_models/encoder4editing/e4e_ffhq_encode.pt",
                                "main")),
                    local_alternatives=("psp_ffhq_encode.pt",),
                    size_mb=1200,
                ),
                "encoder_psp": Component("psp", filename="psp_ffhq_encode.pt", note=PSP_SOURCE),
                "sketch_encoder": Component(
                    "psp",
                    repo_id="huggan/TediGAN_sketch",
                    filename="psp_celebs_sketch_to_face.pt",
                    revision="main",
                    note="a public copy of TediGAN's sketch model (pSp psp_celebs_sketch_to_face.pt)",
                    size_mb=1100,
                ),
                "label_encoder": Component("psp", filename="psp_celebs_seg_to_face.pt", note=PSP_SOURCE),
                "perceptual": Component("vgg16", filename="vgg16.pth", note=IDINVERT_SOURCE),
                "style_directions": Component(
                    "styleclip-fs3",
                    repo_id="rinong/stylegan-nada-models",
                    filename="fs3.npy",
                    revision="main",
                    note="StyleCLIP's global-direction relevances for FFHQ config-f (orpatashnik/StyleCLIP, "
                         "global_torch/npy/ffhq/fs3.npy, [6048, 512]). Without it, edits optimise.",
                    size_mb=12.4,
                ),
                **{f"direction_{name}": interfacegan_direction(name) for name in INTERFACEGAN_DIRECTIONS},
                "text_prior": Component("clip2latent", repo_id="lambdalabs/clip2latent", filename="ffhq-sg2-510.ckpt",
                                        revision="main", note=CLIP2LATENT_SOURCE),
                "text_prior_config": Component("clip2latent-config", repo_id="lambdalabs/clip2latent",
                                               filename="ffhq-sg2-510.yaml", revision="main",
                                               note=CLIP2LATENT_SOURCE),
                "clip": CLIP,
            },
            guidance="clip",
        ),
    )
}

# parts a family cannot work without; the others (perceptual network, sketch / label encoders) are optional
REQUIRED_PARTS = ("generator", "encoder", "clip")

DEFAULT_FAMILY = "synthfaces64"  # works offline: the app's and the CLI's default
REAL_FACE_FAMILY = "ffhq-1024"  # the app's default where a GPU and the Hub are there


def family(name: str) -> Family:
    """The family called ``name``; an unknown name raises ``ValueError`` listing the valid ones."""
    try:
        return FAMILIES[name]
    except KeyError:
        raise ValueError(f"unknown model family {name!r}; valid: {', '.join(FAMILIES)}") from None
