"""clip2latent's published prior (``lambdalabs/clip2latent``: ``ffhq-sg2-510.ckpt`` + ``ffhq-sg2-510.yaml``).

The checkpoint is the training state of dalle2-pytorch's ``DiffusionPriorTrainer``, ``{"state_dict": ...}``; the
sampler is its EMA copy, the entries under ``ema_diffusion_prior.ema_model.``, loaded strictly into
``models.latent_prior.LatentPrior``. Read as the other official files are (``official.read_official``:
``torch.load(weights_only=True)`` with the allow-list). The
YAML is the run's Hydra configuration (``model.network``, ``model.diffusion``, ``data``, ``train``), read with
``yaml.safe_load``; its two ``${...}`` references are to the network's own fields.
"""

from __future__ import annotations

from pathlib import Path

import torch
import yaml

from ..models.latent_prior import LatentPrior, LatentPriorConfig
from .errors import LoadError, first_line, load_strict
from .official import read_official

__all__ = ["read_prior_config", "load_prior", "EMA_PREFIX"]

EMA_PREFIX = "ema_diffusion_prior.ema_model."
# network options of dalle2-pytorch 0.2.38 that change nothing at inference, or nothing from their defaults
_HARMLESS = {"attn_dropout": None, "ff_dropout": None, "num_time_embeds": 1, "num_image_embeds": 1,
             "num_text_embeds": 1, "norm_out": True, "final_proj": True, "normformer": False, "rotary_emb": True}


def read_prior_config(source: str | Path | dict) -> LatentPriorConfig:
    """The prior's configuration from clip2latent's YAML (a path or the parsed dict); what this implementation
    does not build (a W+ prior, another schedule, noise prediction, other network options) is one ``LoadError``."""
    if isinstance(source, dict):
        cfg = source
    else:
        try:
            cfg = yaml.safe_load(Path(source).read_text())
        except (OSError, yaml.YAMLError, UnicodeDecodeError) as e:
            raise LoadError(f"{Path(source).name} is not clip2latent's YAML configuration: {first_line(e)}") from None
    try:
        network, diffusion = dict(cfg["model"]["network"]), dict(cfg["model"]["diffusion"])
        data, train = cfg["data"], cfg.get("train", {})
        if int(data.get("n_latents", 1)) != 1:
            raise LoadError(f"a clip2latent prior over {data['n_latents']} latents (W+); only the w prior is built")
        if not diffusion.get("predict_x_start", True):
            raise LoadError("a clip2latent prior that predicts noise; only the x0 prior is built")
        for key, default in _HARMLESS.items():
            value = network.pop(key, default)
            if default is not None and value != default:
                raise LoadError(f"clip2latent network option {key}={value!r} is not built (only {default!r})")
        fields = {"dim": int(network.pop("dim")), "depth": int(network.pop("depth")),
                  "heads": int(network.pop("heads", 8)), "dim_head": int(network.pop("dim_head", 64)),
                  "ff_mult": int(network.pop("ff_mult", 4)), "num_timesteps": int(network.pop("num_timesteps"))}
        if network:
            raise LoadError(f"unknown clip2latent network options: {', '.join(sorted(network))}")
        return LatentPriorConfig(
            **fields, beta_schedule=str(diffusion.get("beta_schedule", "cosine")),
            image_embed_scale=float(diffusion.get("image_embed_scale") or fields["dim"] ** 0.5),
            text_embed_scale=float(diffusion.get("text_embed_scale", 1.0)),
            init_image_embed_l2norm=bool(diffusion.get("init_image_embed_l2norm", False)),
            sampling_clamp_l2norm=bool(diffusion.get("sampling_clamp_l2norm", False)),
            cond_drop_prob=float(diffusion.get("cond_drop_prob", 0.0)),
            latent_repeats=[int(r) for r in data.get("latent_repeats", [18])],
            znorm_latent=bool(train.get("znorm_latent", True)), znorm_embed=bool(train.get("znorm_embed", False)))
    except (KeyError, TypeError, ValueError, AttributeError) as e:
        raise LoadError(f"not clip2latent's configuration (model.network / model.diffusion / data): "
                        f"{first_line(e)}") from None


def load_prior(checkpoint: str | Path, config: str | Path | dict, device: str | torch.device = "cpu") -> LatentPrior:
    """clip2latent's checkpoint and YAML -> ``LatentPrior`` (its EMA weights, strictly), in eval mode."""
    path = Path(checkpoint)
    cfg = read_prior_config(config)
    state = read_official(path).get("state_dict")  # weights_only, the official files' allow-list
    if not isinstance(state, dict):
        raise LoadError(f"{path.name} has no 'state_dict': not a clip2latent checkpoint")
    ema = {k.removeprefix(EMA_PREFIX): v for k, v in state.items() if k.startswith(EMA_PREFIX)}
    if not ema:
        raise LoadError(f"{path.name} holds no EMA prior ({EMA_PREFIX}*): not a clip2latent checkpoint")
    return load_strict(LatentPrior(cfg), ema, path.name).to(device).eval().requires_grad_(False)
