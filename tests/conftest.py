import io
import json

import pytest
import torch
from standins import (  # noqa: F401
    COMPAT,
    StandInFiles,
    compat_state_dict,
    official_encoder_state,
    official_generator_state,
)

from tedigan_demo.models.stylegan2 import Generator, StyleGAN2Config

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


@pytest.fixture(scope="session")
def compat_available() -> bool:
    if not COMPAT.exists():
        pytest.skip("../shared/compat is not present")
    return True


@pytest.fixture(scope="session")
def standins(tmp_path_factory, compat_available):
    """The full-size official files (``standins.StandInFiles``): one of each per test run, deleted after it."""
    files = StandInFiles(tmp_path_factory.mktemp("standins"))
    yield files
    files.close()


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


def lying_npy(shape: tuple, size: int = 1024, descr: str = "<f4") -> bytes:
    """A ``size``-byte .npy whose header promises an array of ``shape`` (``descr``), zeros after the header: what
    reached numpy's allocator before headers were checked against the file's size."""
    from numpy.lib import format as npy_format

    buf = io.BytesIO()
    npy_format.write_array_header_1_0(buf, {"descr": descr, "fortran_order": False, "shape": tuple(shape)})
    return buf.getvalue().ljust(size, b"\0")


def app_server(family: str | None = None):
    """A ``webapp.Server`` over ``family`` (default: as ``python app.py`` chooses), no page built."""
    from tedigan_demo.registry import FamilyRegistry
    from webapp.handlers import OUTPUTS, Server

    return Server(FamilyRegistry.start(OUTPUTS, family=str(family) if family else None))


def start_app(family: str | None = None, **launch):
    """The app's page on ``family`` (default: as ``python app.py`` chooses), launched in this process; close it
    after. Its ``webapp.Server`` (the handlers, the families, the sessions) comes with it, as ``blocks.server``."""
    import app

    server = app_server(family)
    blocks = app.create_app(server=server)
    blocks.launch(prevent_thread_lock=True, server_name="127.0.0.1", quiet=True, **app.page_options(), **launch)
    blocks.server = server
    return blocks
