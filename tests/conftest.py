import json
import sys
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parent.parent
# The team's format descriptions live in ../shared/compat; tests/compat is a copy so that a lone clone can test.
COMPAT = ROOT.parent / "shared" / "compat"
if not COMPAT.exists():
    COMPAT = ROOT / "tests" / "compat"
sys.path.insert(0, str(Path(__file__).resolve().parent))

from tedigan_demo.models.stylegan2 import Generator, StyleGAN2Config  # noqa: E402

TINY = dict(resolution=16, w_dim=16, n_mlp=2, channel_base=256, channel_max=32)


def randomize(module: torch.nn.Module, seed: int = 0) -> torch.nn.Module:
    """Give every parameter (including zero-initialised biases and noise strengths) random values."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(torch.randn(p.shape, generator=g) * (0.2 if p.ndim <= 1 else 1.0) + (1.0 if p.ndim == 1 else 0))
    return module


@pytest.fixture
def tiny_generator() -> Generator:
    torch.manual_seed(0)
    return randomize(Generator(StyleGAN2Config(**TINY))).eval()


def compat_state_dict(name: str, seed: int = 0) -> dict[str, torch.Tensor]:
    """Random tensors with exactly the key names and shapes listed in the compat folder's ``name``
    (../shared/compat, or its copy tests/compat)."""
    spec = json.loads((COMPAT / name).read_text())
    g = torch.Generator().manual_seed(seed)
    shapes = {**spec["params"], **spec.get("buffers", {})}
    sd = {}
    for k, shape in shapes.items():
        if k.endswith("blur.kernel"):  # FIR kernels are constants of the architecture, stored as buffers
            key = "blur_kernel_4x4_values" if "blur_kernel_4x4_values" in spec["derived"] else "blur_kernel_3x3"
            sd[k] = torch.tensor(spec["derived"][key]).expand(shape).clone()
        elif k == "synthesis.lod":
            sd[k] = torch.zeros(())
        elif k.endswith("upsample.kernel"):
            sd[k] = torch.tensor(spec["derived"]["torgb_upsample_kernel_values"])
        elif k.endswith("modulation.bias"):
            sd[k] = 1 + 0.1 * torch.randn(shape, generator=g)
        else:
            sd[k] = torch.randn(shape, generator=g) * (0.1 if len(shape) <= 1 else 1.0)
    return sd


def official_encoder_state(name: str, seed: int = 0) -> dict[str, torch.Tensor]:
    """A pSp / e4e file's whole ``state_dict`` (``encoder.*`` from ``name``, ``decoder.*`` of the 1024 px generator)
    with random weights that give finite codes: positive running variances, convolutions at unit gain."""
    enc = compat_state_dict(name, seed=seed)
    enc = {k: (v.abs() + 0.5 if "running_var" in k else v / v[0].numel() ** 0.5 if v.ndim == 4 else v)
           for k, v in enc.items()}
    dec = compat_state_dict("psp_stylegan2_1024_generator.json", seed=seed + 1)
    return {**{"encoder." + k: v for k, v in enc.items()}, **{"decoder." + k: v for k, v in dec.items()}}


def official_generator_state(seed: int = 0) -> dict[str, torch.Tensor]:
    """rosinality's FFHQ-1024 ``g_ema`` with random weights; the mapping weights are scaled as rosinality
    initialises them (randn / lr_mul), without which z barely reaches w."""
    g = compat_state_dict("psp_stylegan2_1024_generator.json", seed)
    return {k: v * 100 if k.startswith("style.") and k.endswith(".weight") else v for k, v in g.items()}


@pytest.fixture(scope="session")
def compat_available() -> bool:
    if not COMPAT.exists():
        pytest.skip("../shared/compat is not present")
    return True


@pytest.fixture(scope="session")
def tiny_family(tmp_path_factory):
    """A complete embedded-style family of tiny random models (MiniLM-sized text side), saved like the real one."""
    from tedigan_demo.models.base import save_pretrained
    from tedigan_demo.models.classifier import AttributeClassifier, ClassifierConfig
    from tedigan_demo.models.encoders import EncoderConfig, WPlusEncoder
    from tedigan_demo.models.text import ImageTextConfig, ImageTextEncoder, TextMapper, TextMapperConfig

    root = tmp_path_factory.mktemp("family") / "tinyfaces"
    torch.manual_seed(0)
    G = randomize(Generator(StyleGAN2Config(resolution=64, w_dim=16, n_mlp=2, channel_base=512, channel_max=32)), 1)
    parts = {
        "generator": (G, G.config, "StyleGAN2Generator"),
        "encoder": (WPlusEncoder(EncoderConfig(resolution=32, num_layers=10, w_dim=16, widths=[8, 8, 8, 8])), None,
                    "WPlusEncoder"),
        "classifier": (AttributeClassifier(ClassifierConfig(resolution=32, widths=[8, 8], feature_dim=16)), None,
                       "AttributeClassifier"),
        "text_mapper": (TextMapper(TextMapperConfig(text_dim=384, hidden=16, num_layers=10, w_dim=16)), None,
                        "TextMapper"),
        "image_text": (ImageTextEncoder(ImageTextConfig(resolution=32, widths=[8, 8], embed_dim=384)), None,
                       "ImageTextEncoder"),
        "sketch_encoder": (WPlusEncoder(EncoderConfig(resolution=32, in_channels=1, num_layers=10, w_dim=16,
                                                      widths=[8, 8, 8, 8])), None, "WPlusEncoder"),
        "label_encoder": (WPlusEncoder(EncoderConfig(resolution=32, in_channels=14, num_layers=10, w_dim=16,
                                                     widths=[8, 8, 8, 8])), None, "WPlusEncoder"),
    }
    for name, (model, cfg, kind) in parts.items():
        save_pretrained(model.eval(), (cfg or model.config).to_dict(), root / name, dtype=torch.float32, kind=kind)
    return root


@pytest.fixture(scope="session")
def tiny_clip_dir(tmp_path_factory):
    """A tiny random transformers CLIPModel + tokenizer saved locally, loadable like openai/clip-vit-base-patch32."""
    from transformers import CLIPConfig, CLIPModel, CLIPTokenizer

    folder = tmp_path_factory.mktemp("clip")
    chars = "abcdefghijklmnopqrstuvwxyz.,!?'"
    vocab = ["<|startoftext|>", "<|endoftext|>"] + list(chars) + [c + "</w>" for c in chars]
    (folder / "vocab.json").write_text(json.dumps({tok: i for i, tok in enumerate(vocab)}))
    (folder / "merges.txt").write_text("#version: 0.2\n")
    tokenizer = CLIPTokenizer(str(folder / "vocab.json"), str(folder / "merges.txt"))
    tokenizer.save_pretrained(folder)
    config = CLIPConfig(
        text_config=dict(vocab_size=len(vocab), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                         num_attention_heads=2, max_position_embeddings=77, bos_token_id=0, eos_token_id=1),
        vision_config=dict(image_size=32, patch_size=8, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                           num_attention_heads=2),
        projection_dim=16)
    torch.manual_seed(0)
    CLIPModel(config).save_pretrained(folder)
    return folder
