"""Seconds and peak memory of the FFHQ-1024 family's tasks, on random weights of the official shapes (rosinality
StyleGAN2 config-f, e4e, CLIP ViT-B/32 sized), so no download is needed.

    python -m bench.ffhq1024 [--device cpu|cuda] [--text-steps 50] [--refine-steps 10] [--threads 2]

Prints one JSON line: seconds for ``encode`` (e4e, one aligned 256 px face, the official transform), one
optimisation step of the inversion, a whole edit with TediGAN's refinement (the text's code found by CLIP-guided
optimisation over every layer group, ``--refine-steps``; then the mix and the per-group strip), text -> image (one
sample: ``--text-steps`` of optimisation, ``text_to_image_guided_s``; the app's defaults on that device, a CPU's
CLIP-ranked sampling of candidates drawn from clip2latent's prior (a random one of its published shape), redescription
included, ``text_to_image_s``; the same with random candidates, ``text_to_image_random_s``; the prior's 10 steps for
8 candidates alone, ``prior_sampling_8_s``) and a slider re-render; with a random ``fs3`` of
the official shape, the StyleCLIP global-direction path as the app runs it by default on a CPU: ``photo_edit_s`` (a
256 px aligned face -> e4e -> a global-direction edit with its per-group strip -> the 1024 px image, the app's
default steps on that device), ``direction_rerender_s`` (a slider move), ``attribute_slider_s`` (an InterFaceGAN
attribute slider's move, a random direction file of e4e's shape), ``style_statistics_s`` (once per generator,
then cached); one CLIP-guided step rendered at 1024 and at 256 px (``guided_step_1024_s``, ``guided_step_256_s``);
and the peak memory (CPU: the process's maximum RSS; CUDA: ``torch.cuda.max_memory_allocated``). The figures go in
docs/performance.md ("FFHQ-1024 on a CPU") with this command.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from tedigan_demo.demo import REFINE_STEPS, Demo, app_settings
from tedigan_demo.loading import load_encoder
from tedigan_demo.loading.clip2latent import EMA_PREFIX
from tedigan_demo.models.latent_prior import LatentPrior, LatentPriorConfig
from tedigan_demo.pipeline import TediGANPipeline
from tedigan_demo.pipeline.inputs import official_input
from tests.standins import official_encoder_state, official_generator_state


def build_family(folder: Path) -> None:
    """Official files with random weights, and a CLIP of ViT-B/32's sizes with a small stand-in tokenizer."""
    from transformers import CLIPConfig, CLIPModel, CLIPTokenizer

    torch.save({"g_ema": official_generator_state(0), "latent_avg": torch.randn(512) * 0.1},
               folder / "stylegan2-ffhq-config-f.pt")
    torch.save({"state_dict": official_encoder_state("e4e_ffhq_encode.json", 1), "latent_avg": torch.zeros(18, 512),
                "opts": {"encoder_type": "Encoder4Editing"}}, folder / "e4e_ffhq_encode.pt")
    clip = folder / "clip"
    clip.mkdir()
    chars = "abcdefghijklmnopqrstuvwxyz.,!?'"
    vocab = ["<|startoftext|>", "<|endoftext|>"] + list(chars) + [c + "</w>" for c in chars]
    (clip / "vocab.json").write_text(json.dumps({t: i for i, t in enumerate(vocab)}))
    (clip / "merges.txt").write_text("#version: 0.2\n")
    CLIPTokenizer(str(clip / "vocab.json"), str(clip / "merges.txt")).save_pretrained(clip)
    # ViT-B/32's sizes (the default config), pooling at the stand-in tokenizer's end-of-text token so that texts differ
    CLIPModel(CLIPConfig(text_config={"bos_token_id": 0, "eos_token_id": 1, "pad_token_id": 1})).save_pretrained(clip)
    np.save(folder / "fs3.npy", np.random.RandomState(0).randn(6048, 512).astype(np.float32) * 0.1)
    # clip2latent's prior in its published configuration ("mid": 12 layers of 512, 12 heads, 1000 timesteps)
    torch.manual_seed(0)
    prior = LatentPrior(LatentPriorConfig(dim=512, depth=12, heads=12, dim_head=64, num_timesteps=1000))
    state = {EMA_PREFIX + k: v for k, v in prior.state_dict().items()}
    torch.save({"state_dict": state}, folder / "ffhq-sg2-510.ckpt")
    (folder / "ffhq-sg2-510.yaml").write_text(json.dumps({  # YAML is a superset of JSON
        "model": {"network": {"dim": 512, "num_timesteps": 1000, "depth": 12, "dim_head": 64, "heads": 12},
                  "diffusion": {"cond_drop_prob": 0.2, "image_embed_scale": 1.0, "text_embed_scale": 1.0,
                                "beta_schedule": "cosine", "predict_x_start": True}},
        "data": {"n_latents": 1, "latent_repeats": [18]}, "train": {"znorm_latent": True, "znorm_embed": False}}))
    torch.save(torch.randn(1, 512, generator=torch.Generator().manual_seed(0)) * 0.05, folder / "age.pt")  # e4e's
    (folder / "family.json").write_text(json.dumps({"guidance": "clip", "clip": str(clip)}))


def timed(fn, device: str) -> tuple[float, object]:
    if device == "cuda":
        torch.cuda.synchronize()
    t = time.perf_counter()
    out = fn()
    if device == "cuda":
        torch.cuda.synchronize()
    return time.perf_counter() - t, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--text-steps", type=int, default=50, help="the app's default for CLIP families is 50")
    ap.add_argument("--refine-steps", type=int, default=REFINE_STEPS)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    dev = args.device
    cache = tempfile.TemporaryDirectory()
    os.environ["TEDIGAN_CACHE"] = cache.name  # the style statistics computed anew: timed below
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        build_family(folder)
        pipe = TediGANPipeline.from_family(folder, dev)
        pipe = pipe.with_settings(text_steps=args.text_steps)
        encoder = load_encoder(folder / "e4e_ffhq_encode.pt", dev)
    from PIL import Image

    face = Image.new("RGB", (256, 256), (180, 140, 120))
    x = official_input(face, "image")
    with torch.inference_mode():
        encoder(x.to(dev))  # first call: lazy initialisation
        t_encode, _ = timed(lambda: encoder(x.to(dev)), dev)
    target = pipe.render(pipe.random_codes(1, 0))
    t2, _ = timed(lambda: pipe.invert(target, steps=2), dev)
    t6, inv = timed(lambda: pipe.invert(target, steps=6), dev)
    step = (t6 - t2) / 4
    strengths = {"coarse": 0.0, "middle": 1.0, "fine": 0.0}
    t_edit, edit = timed(lambda: pipe.edit(inv.wp, "make her smile", strengths, steps=args.refine_steps), dev)
    t_render, _ = timed(lambda: pipe.mix(inv.wp, edit.style, {"coarse": 0.0, "middle": 1.0, "fine": 1.0}), dev)
    t_t2i_guided, _ = timed(lambda: pipe.generate("She has blond hair.", n=1, seed=0), dev)
    # text -> image with the app's defaults on this device (a CPU: CLIP-ranked sampling), redescription included
    # side by side: the candidates drawn from clip2latent's prior (10 steps) or random, the same CLIP ranking
    app = Demo(app_settings(pipe))
    app.text_to_image("She wears glasses.", n=1, seed=0)  # warm: the redescription's distractors are kept
    t_t2i, _ = timed(lambda: app.text_to_image("She has blond hair.", n=1, seed=0), dev)
    random_app = Demo(app_settings(pipe.with_settings(use_prior=False)))
    t_t2i_random, _ = timed(lambda: random_app.text_to_image("She has blond hair.", n=1, seed=0), dev)
    prior_only = pipe.text_prior.sample(pipe.guidance.text_features(["x"]).expand(8, -1), 100)  # warm
    t_prior, _ = timed(lambda: pipe.text_prior.sample(pipe.guidance.text_features(["She has blond hair."])
                                                      .expand(8, -1), 100), dev)
    del prior_only
    # guided steps: 2 against 6 steps of the refinement, rendered at 1024 px and stopped at 256 px
    per_step = {}
    for res in (None, 256):
        p = pipe.with_settings(guided_resolution=res)
        a, _ = timed(lambda p=p: p.edit(inv.wp, "make her smile", strengths, steps=2, per_group=False), dev)
        b, _ = timed(lambda p=p: p.edit(inv.wp, "make her smile", strengths, steps=6, per_group=False), dev)
        per_step[res or 1024] = (b - a) / 4
    # the global-direction path with the app's defaults on this device
    demo = Demo(pipe)
    t_stats, _ = timed(pipe.directions.statistics, dev)

    def photo_edit():
        _, _, _, session, _ = demo.invert(face, demo.default_inversion_steps(), already_aligned=True)
        return demo.apply_text(session, "a smiling face", 1.0, 1.0, 1.0, demo.default_refine_steps())

    demo.apply_text(demo.invert(face, 0, already_aligned=True)[3], "face with glasses", 1, 1, 1, 0)  # warm
    t_photo, (_, _, session) = timed(photo_edit, dev)
    t_dir_render, _ = timed(lambda: demo.rerender(session, 0.0, 1.0, 1.0), dev)
    t_attribute, _ = timed(lambda: demo.set_attribute(session, "age", 1.0, 0.0, 1.0, 1.0), dev)  # an age slider
    peak = (torch.cuda.max_memory_allocated() / 2**20 if dev == "cuda"
            else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    print(json.dumps({"device": dev, "threads": args.threads, "text_steps": args.text_steps,
                      "refine_steps": args.refine_steps, "encode_s": round(t_encode, 3),
                      "optimisation_step_s": round(step, 3), "edit_s": round(t_edit, 2),
                      "rerender_s": round(t_render, 3), "text_to_image_s": round(t_t2i, 2),
                      "text_to_image_defaults": {"generate_steps": app.pipe.settings.generate_steps,
                                                 "candidates": app.pipe.settings.candidates},
                      "text_to_image_guided_s": round(t_t2i_guided, 2),
                      "text_to_image_random_s": round(t_t2i_random, 2), "prior_sampling_8_s": round(t_prior, 3),
                      "guided_step_1024_s": round(per_step[1024], 3), "guided_step_256_s": round(per_step[256], 3),
                      "style_statistics_s": round(t_stats, 2), "photo_edit_s": round(t_photo, 2),
                      "photo_edit_defaults": {"inversion_steps": demo.default_inversion_steps(),
                                              "refine_steps": demo.default_refine_steps()},
                      "direction_rerender_s": round(t_dir_render, 3), "attribute_slider_s": round(t_attribute, 3),
                      "peak_mb": round(peak), "peak_kind": "cuda allocated" if dev == "cuda" else "max RSS"}))
    cache.cleanup()


if __name__ == "__main__":
    main()
