"""Write tests/compat/clip2latent_reference.safetensors: a small random clip2latent prior run by the official code.

Needs the official code beside this project (not a dependency of it): the wheels ``clip2latent==1.0`` and
``dalle2-pytorch==0.2.38`` (the version clip2latent's requirements pin) unpacked, ``rotary-embedding-torch==0.1.5``,
``einops`` and ``einops-exts`` installed. Only the prior's code runs; the modules dalle2-pytorch imports for its
other models (torchvision, kornia, x-clip, CoCa, its tokenizer and VQGAN) are replaced by empty stand-ins.

    python scripts/clip2latent_reference.py --dalle2 /tmp/c2l/d --clip2latent /tmp/c2l/x
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import types
from pathlib import Path

import torch
from safetensors.torch import save_file

CONFIG = {"dim": 32, "depth": 2, "heads": 2, "dim_head": 16, "num_timesteps": 20, "latent_repeats": [3],
          "cond_drop_prob": 0.2}
# (name, skip, cond_scale, truncation, seed)
RUNS = (("plain", 1, 1.0, 1.0, 0), ("skip5_guided", 5, 2.0, 1.0, 1), ("skip10_truncated", 10, 1.0, 0.7, 2))


def _module(name: str, path: str | None = None, **attrs):
    if path is None:
        mod = types.ModuleType(name)
    else:
        spec = importlib.util.spec_from_file_location(name, path)
        mod = importlib.util.module_from_spec(spec)
    mod.__dict__.update(attrs)
    sys.modules[name] = mod
    if path is not None:
        spec.loader.exec_module(mod)
    return mod


def official(dalle2: Path, clip2latent: Path):
    """(dalle2_pytorch.dalle2_pytorch, clip2latent.latent_prior) with unrelated imports stood in for."""
    empty = type("Unused", (), {})
    for name in ("torchvision", "torchvision.transforms", "kornia", "kornia.augmentation"):
        _module(name)
    _module("kornia.filters", gaussian_blur2d=None)
    _module("resize_right", resize=None)
    _module("x_clip", CLIP=empty)
    _module("coca_pytorch", CoCa=empty)
    _module("dalle2_pytorch", __path__=[str(dalle2 / "dalle2_pytorch")])
    _module("dalle2_pytorch.tokenizer", tokenizer=None)
    _module("dalle2_pytorch.vqgan_vae", NullVQGanVAE=empty, VQGanVAE=empty)
    d2 = _module("dalle2_pytorch.dalle2_pytorch", str(dalle2 / "dalle2_pytorch" / "dalle2_pytorch.py"))
    _module("clip2latent", __path__=[str(clip2latent / "clip2latent")])
    lp = _module("clip2latent.latent_prior", str(clip2latent / "clip2latent" / "latent_prior.py"))
    return d2, lp


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dalle2", type=Path, required=True, help="folder holding the dalle2_pytorch package (0.2.38)")
    ap.add_argument("--clip2latent", type=Path, required=True, help="folder holding the clip2latent package (1.0)")
    ap.add_argument("--out", type=Path, default=Path(__file__).resolve().parent.parent / "tests" / "compat"
                    / "clip2latent_reference.safetensors")
    args = ap.parse_args()
    d2, lp = official(args.dalle2, args.clip2latent)
    torch.manual_seed(0)
    c = CONFIG
    net = d2.DiffusionPriorNetwork(dim=c["dim"], num_timesteps=c["num_timesteps"], depth=c["depth"],
                                   dim_head=c["dim_head"], heads=c["heads"])
    stats = (torch.randn(c["dim"]) * 0.3, torch.rand(c["dim"]) + 0.5)
    prior = lp.LatentPrior(net, num_latents=1, latent_repeats=c["latent_repeats"], latent_stats=stats,
                           embed_stats=(None, None), image_embed_dim=c["dim"], timesteps=c["num_timesteps"],
                           cond_drop_prob=c["cond_drop_prob"], image_embed_scale=1.0, text_embed_scale=1.0,
                           beta_schedule="cosine", predict_x_start=True).eval()
    with torch.no_grad():  # random weights everywhere, gains and biases included, so that every term shows
        for p in prior.net.parameters():
            p.copy_(torch.randn_like(p) * 0.3)
    # the checkpoint layout: the trainer's state dict, the EMA copy under ema_diffusion_prior.ema_model
    tensors = {f"ema_diffusion_prior.ema_model.{k}": v.clone() for k, v in prior.state_dict().items()}
    text = torch.randn(4, c["dim"])
    tensors["text_embed"] = text.clone()
    for name, skip, cond_scale, truncation, seed in RUNS:
        prior.set_timestep_skip(skip)
        torch.manual_seed(seed)
        tensors[f"out.{name}"] = prior.sample(text.clone(), cond_scale=cond_scale, truncation=truncation,
                                              show_progress=False).clone()
    meta = {"config": json.dumps(c), "runs": json.dumps(RUNS),
            "made_by": "dalle2-pytorch 0.2.38 + clip2latent 1.0 (scripts/clip2latent_reference.py)"}
    save_file({k: v.contiguous() for k, v in tensors.items()}, str(args.out), metadata=meta)
    print(f"wrote {args.out}: {len(tensors)} tensors")


if __name__ == "__main__":
    main()
