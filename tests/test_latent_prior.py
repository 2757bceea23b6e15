"""clip2latent's prior (``models.latent_prior``, ``loading.clip2latent``) against the official code's own outputs.

``tests/compat/clip2latent_reference.safetensors`` was written by ``scripts/clip2latent_reference.py``: a small
random prior in the official layout (dalle2-pytorch 0.2.38's network inside clip2latent 1.0's ``LatentPrior``),
the trainer's checkpoint keys, and what the official sampler returned for three settings and seeds."""

import json
from pathlib import Path

import pytest
import torch
import yaml
from safetensors import safe_open
from safetensors.torch import load_file

from tedigan_demo.loading import LoadError
from tedigan_demo.loading.clip2latent import EMA_PREFIX, load_prior, read_prior_config

REFERENCE = Path(__file__).parent / "compat" / "clip2latent_reference.safetensors"


def _yaml(config: dict) -> dict:
    """clip2latent's Hydra configuration for the reference's network."""
    network = {k: config[k] for k in ("dim", "num_timesteps", "depth", "dim_head", "heads")}
    return {"model": {"network": network,
                      "diffusion": {"image_embed_dim": "${model.network.dim}",
                                    "timesteps": "${model.network.num_timesteps}",
                                    "cond_drop_prob": config["cond_drop_prob"], "image_embed_scale": 1.0,
                                    "text_embed_scale": 1.0, "beta_schedule": "cosine", "predict_x_start": True}},
            "data": {"n_latents": 1, "latent_repeats": config["latent_repeats"], "clip_variant": "ViT-B/32"},
            "train": {"znorm_embed": False, "znorm_latent": True}}


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    with safe_open(str(REFERENCE), "pt") as f:
        meta = f.metadata()
    tensors = load_file(str(REFERENCE))
    folder = tmp_path_factory.mktemp("clip2latent")
    state = {k: v for k, v in tensors.items() if k.startswith(EMA_PREFIX)}
    state["diffusion_prior.net.learned_query"] = torch.zeros(1)  # the online model: not what samples
    torch.save({"state_dict": state}, folder / "prior.ckpt")
    (folder / "prior.yaml").write_text(yaml.safe_dump(_yaml(json.loads(meta["config"]))))
    return folder, tensors, json.loads(meta["runs"])


def test_the_official_checkpoint_samples_what_the_official_code_samples(reference):
    folder, tensors, runs = reference
    prior = load_prior(folder / "prior.ckpt", folder / "prior.yaml")
    assert prior.config.latent_repeats == [3] and prior.config.dim == 32
    for name, skip, cond_scale, truncation, seed in runs:
        codes = prior.sample(tensors["text_embed"], skip=skip, cond_scale=cond_scale, truncation=truncation,
                             generator=torch.Generator().manual_seed(seed))
        expected = tensors[f"out.{name}"]
        assert codes.shape == expected.shape == (4, 3, 32)
        torch.testing.assert_close(codes, expected, atol=2e-5, rtol=1e-5, msg=name)
    # another seed, other codes; the same seed, the same codes
    again = prior.sample(tensors["text_embed"], generator=torch.Generator().manual_seed(0), skip=1)
    other = prior.sample(tensors["text_embed"], generator=torch.Generator().manual_seed(9), skip=1)
    assert torch.equal(again, prior.sample(tensors["text_embed"], generator=torch.Generator().manual_seed(0), skip=1))
    assert not torch.allclose(again, other)


def test_what_is_not_a_clip2latent_prior_is_one_clear_line(reference, tmp_path):
    folder, tensors, _ = reference
    torch.save({"state_dict": {"net.x": torch.zeros(1)}}, tmp_path / "other.ckpt")
    with pytest.raises(LoadError, match="no EMA prior"):
        load_prior(tmp_path / "other.ckpt", folder / "prior.yaml")
    torch.save({"state_dict": {EMA_PREFIX + "net.learned_query": torch.zeros(32)}}, tmp_path / "partial.ckpt")
    with pytest.raises(LoadError, match="missing"):
        load_prior(tmp_path / "partial.ckpt", folder / "prior.yaml")
    torch.save({"state_dict": {}, "opts": Path("made-elsewhere")}, tmp_path / "pickled.ckpt")
    with pytest.raises(LoadError, match="refusing to unpickle"):
        load_prior(tmp_path / "pickled.ckpt", folder / "prior.yaml")
    (tmp_path / "cut.ckpt").write_bytes((folder / "prior.ckpt").read_bytes()[:500])
    with pytest.raises(LoadError, match="corrupted or truncated"):
        load_prior(tmp_path / "cut.ckpt", folder / "prior.yaml")
    config = yaml.safe_load((folder / "prior.yaml").read_text())
    config["data"]["n_latents"] = 18
    with pytest.raises(LoadError, match="over 18 latents"):
        read_prior_config(config)
    config["data"]["n_latents"], config["model"]["network"]["normformer"] = 1, True
    with pytest.raises(LoadError, match="normformer=True is not built"):
        read_prior_config(config)
    (tmp_path / "bad.yaml").write_text("model: [")
    with pytest.raises(LoadError, match="not clip2latent's YAML"):
        read_prior_config(tmp_path / "bad.yaml")


@pytest.fixture(scope="module")
def prior_family(tmp_path_factory, tiny_clip_dir):
    """A folder of a tiny CLIP family with clip2latent's files under their published names: a random prior that
    fits its generator (8 W+ entries of 16) and its CLIP (16 dimensions)."""
    from conftest import randomize

    from tedigan_demo.models.encoders import EncoderConfig, WPlusEncoder
    from tedigan_demo.models.latent_prior import LatentPrior, LatentPriorConfig
    from tedigan_demo.models.stylegan2 import Generator, StyleGAN2Config

    root = tmp_path_factory.mktemp("priorfam") / "priorfaces"
    G = randomize(Generator(StyleGAN2Config(resolution=32, w_dim=16, n_mlp=2, channel_base=256, channel_max=16)), 1)
    G.save_pretrained(root / "generator", dtype=torch.float32)
    WPlusEncoder(EncoderConfig(resolution=32, num_layers=G.num_layers, w_dim=16, widths=[8, 8, 8])).save_pretrained(
        root / "encoder", dtype=torch.float32)
    config = {"dim": 16, "num_timesteps": 20, "depth": 1, "dim_head": 8, "heads": 2, "cond_drop_prob": 0.2,
              "latent_repeats": [G.num_layers]}
    prior = randomize(LatentPrior(LatentPriorConfig(**{k: v for k, v in config.items()})), 2)
    torch.save({"state_dict": {EMA_PREFIX + k: v for k, v in prior.state_dict().items()}}, root / "ffhq-sg2-510.ckpt")
    (root / "ffhq-sg2-510.yaml").write_text(yaml.safe_dump(_yaml(config)))
    (root / "family.json").write_text(json.dumps({"guidance": "clip", "clip": str(tiny_clip_dir)}))
    return root


def test_text_to_image_draws_its_candidates_from_the_prior(prior_family):
    from tedigan_demo.pipeline import TediGANPipeline

    pipe = TediGANPipeline.from_family(prior_family).with_settings(generate_steps=0, candidates=3, prior_skip=5)
    assert pipe.text_prior is not None and pipe.prior_problem is None
    out = pipe.generate("a smiling face", n=2, seed=4, truncation=0.9)
    assert out.governed == list(range(8))  # the prior's code is the whole code
    # the kept codes are 2 of the 6 the prior samples for the text with seed 4, the ones CLIP ranks highest
    features = pipe.guidance.text_features(["a smiling face"]).expand(6, -1)
    drawn = pipe.text_prior.sample(features, 5, 1.0, 0.9, generator=torch.Generator().manual_seed(4))
    kept = [next(i for i in range(6) if torch.allclose(drawn[i], w)) for w in out.wp]
    sims = pipe.guidance.similarity(pipe.render(drawn, 256), pipe.guidance.embed_text(["a smiling face"]))[:, 0]
    assert sims[kept].tolist() == sorted(sims.tolist(), reverse=True)[:2]
    assert torch.equal(pipe.generate("a smiling face", n=2, seed=4, truncation=0.9).wp, out.wp)  # seeded


def test_a_prior_that_does_not_fit_is_set_aside_with_its_reason(prior_family, tiny_clip_dir):
    from tedigan_demo.loading import FamilyParts, load_family
    from tedigan_demo.models.stylegan2 import Generator, StyleGAN2Config
    from tedigan_demo.pipeline import TediGANPipeline

    parts = load_family(prior_family)
    other = Generator(StyleGAN2Config(resolution=64, w_dim=16, n_mlp=2, channel_base=256, channel_max=16))
    pipe = TediGANPipeline(FamilyParts("custom", other, parts.encoder, parts.guidance, text_prior=parts.text_prior,
                                       synthetic_domain=True))
    assert pipe.text_prior is None and "gives 8 x 16 codes; this generator takes 10 x 16" in pipe.prior_problem
    out = pipe.with_settings(generate_steps=0).generate("a smiling face", n=1, seed=0)  # random codes, ranked
    assert out.images.shape == (1, 3, 64, 64) and out.governed == [3, 4, 5, 6]  # a smile: the middle layers


def test_extras_whose_files_do_not_load_are_set_aside_and_the_family_works(prior_family, tmp_path):
    import shutil

    import numpy as np

    from tedigan_demo.pipeline import TediGANPipeline

    broken = tmp_path / "broken"
    shutil.copytree(prior_family, broken)
    (broken / "ffhq-sg2-510.ckpt").write_bytes((prior_family / "ffhq-sg2-510.ckpt").read_bytes()[:300])
    np.save(broken / "fs3.npy", np.zeros((3, 3), np.float32))
    (broken / "smile.pt").write_bytes(b"not a tensor")
    pipe = TediGANPipeline.from_family(broken)
    assert pipe.text_prior is None and "ffhq-sg2-510.ckpt is corrupted or truncated" in pipe.prior_problem
    assert pipe.directions is None and "fs3" in pipe.directions_problem
    assert pipe.attribute_sliders == {}
    out = pipe.with_settings(generate_steps=0).generate("a smiling face", n=1, seed=0)
    assert out.images.shape == (1, 3, 32, 32)
