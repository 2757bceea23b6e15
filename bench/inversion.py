"""Seconds per instance-level optimisation step (TediGAN §3.3) and peak memory for the FFHQ-256 family: IDInvert's
StyleGAN (14 x 512 W+), its encoder and VGG16 conv4_3, full size, random weights at a scale that keeps every loss
finite (no download needed). The target is a real photo (skimage's astronaut, aligned to the FFHQ crop), and the
steps are timed inside one optimisation of it, after its first step.

    python -m bench.inversion                       # CPU, the variants side by side, one process each
    python -m bench.inversion --profile             # + the top operators of one step (torch.profiler)
    python -m bench.inversion --device cuda         # on a GPU: fp32, TF32, channels_last

A step renders G(wp), compares it with the target in pixels and VGG16 features, and re-encodes the render
(encoder regularisation), then back-propagates to wp. Variants:

* ``official``: what the official inverter does: every network's weights require grad, and the target's VGG16
  features are computed again every step;
* ``frozen``: the pipeline's ``optimize_wp``: weights frozen (autograd tracks only the path back to ``wp``), the
  target's features computed once;
* ``frozen+channels_last``: the same with NHWC activations and weights;
* ``frozen+tf32`` (CUDA): TF32 matmuls and convolutions.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import torch
from skimage import data

from tedigan_demo.method.inversion import InversionWeights, optimize_wp
from tedigan_demo.models.idinvert import IDInvertEncoder, VGG16Perceptual
from tedigan_demo.models.stylegan1 import StyleGAN1Generator
from tedigan_demo.pipeline.inputs import photo_tensor

NETWORKS = ("G.synthesize", "VGG16", "encoder")
ROOT = Path(__file__).resolve().parent.parent
WEIGHTS = InversionWeights(pixel=1.0, perceptual=5e-5, encoder=2.0, lr=0.01)  # the official weights


def build(device: str, variant: str, seed: int = 0):
    """The three networks with random weights: N(0, 1) where the layer scales its weights at run time (StyleGAN's
    equalised rate, the encoder's last layer), He-scaled elsewhere, so activations and losses stay finite."""
    torch.manual_seed(seed)
    G, E, F = StyleGAN1Generator(), IDInvertEncoder(), VGG16Perceptual()
    for m in (G, E, F):
        m.to(device).eval()
        with torch.no_grad():
            for name, p in m.named_parameters():
                if p.ndim >= 2:
                    runtime_scaled = m is G or (m is E and name.endswith("fc.weight"))
                    p.normal_(0, 1.0 if runtime_scaled else 1 / p[0].numel() ** 0.5)
        m.requires_grad_(variant == "official")
        if "channels_last" in variant:
            m.to(memory_format=torch.channels_last)
    if device == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = "tf32" in variant
    return G, E, F


def official_optimisation(synth, target, wp0, perceptual, encoder, steps: int, progress) -> dict:
    """The official inverter's loop: the same terms as ``optimize_wp``, the target's features recomputed each
    step."""
    wp = wp0.detach().clone().requires_grad_(True)
    opt = torch.optim.Adam([wp], lr=WEIGHTS.lr)
    losses = {}
    for step in range(steps):
        image = synth(wp)
        terms = {"pixel": (image - target).pow(2).mean(),
                 "perceptual": (perceptual(image) - perceptual(target)).pow(2).mean(),
                 "encoder": (wp - encoder(image)).pow(2).mean()}
        total = sum(getattr(WEIGHTS, k) * v for k, v in terms.items())
        opt.zero_grad(set_to_none=True)
        total.backward()
        opt.step()
        losses = {k: v.item() for k, v in terms.items()} | {"total": total.item()}
        progress(step + 1, steps, losses)
    return losses


def run_one(device: str, variant: str, steps: int, threads: int, profile: bool) -> dict:
    torch.set_num_threads(threads)
    G, E, F = build(device, variant)
    target = photo_tensor(data.astronaut(), 256, align=True).to(device)
    with torch.no_grad():
        wp0 = E(target)
    if "channels_last" in variant:
        target = target.contiguous(memory_format=torch.channels_last)

    from torch.profiler import record_function

    def labelled(name, fn):
        def call(x):
            with record_function(name):
                return fn(x)
        return call

    synth, feat, enc = labelled("G.synthesize", lambda w: G.synthesize(w, "const")), labelled("VGG16", F), \
        labelled("encoder", E)
    stamps, first = [], {}

    def progress(step, total, losses):
        if device == "cuda":
            torch.cuda.synchronize()
        stamps.append(time.perf_counter())
        first.setdefault("total", losses["total"])
        if step == 1 and device == "cuda":
            torch.cuda.reset_peak_memory_stats()

    def optimisation(n: int) -> dict:
        if variant == "official":
            return official_optimisation(synth, target, wp0, feat, enc, n, progress)
        return optimize_wp(synth, target, wp0, InversionWeights(**{**WEIGHTS.__dict__, "steps": n}),
                           perceptual=feat, encoder=enc, progress=progress)[1]

    losses = optimisation(steps + 1)  # the first step is warm-up (allocator, kernels, target features)
    times = [b - a for a, b in zip(stamps, stamps[1:])]
    out = {"variant": variant, "device": device, "threads": threads, "steps": steps,
           "s_per_step": round(sorted(times)[len(times) // 2], 3),
           "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
           "loss_first": round(first["total"], 4), "loss_last": round(losses["total"], 4),
           "finite": all(map(lambda v: v == v and abs(v) != float("inf"), losses.values()))}
    if device == "cuda":
        out["peak_cuda_mb"] = round(torch.cuda.max_memory_allocated() / 2**20)
    if profile:
        from torch.profiler import ProfilerActivity
        from torch.profiler import profile as torch_profile

        acts = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if device == "cuda" else [])
        with torch_profile(activities=acts) as prof:
            optimisation(1)
        key = "self_cuda_time_total" if device == "cuda" else "self_cpu_time_total"
        total = sum(getattr(e, key) for e in prof.key_averages())
        avg = prof.key_averages()
        out["top_ops"] = [{"op": e.key, "share": round(getattr(e, key) / total, 3), "calls": e.count}
                          for e in sorted(avg, key=lambda e: -getattr(e, key))[:8] if e.key not in NETWORKS]
        wall = {e.key: e.cpu_time_total for e in avg if e.key in NETWORKS}
        out["forward_share"] = {k: round(v / total, 3) for k, v in wall.items()}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    ap.add_argument("--steps", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--variants", default=None, help="comma-separated; default: all for the device")
    ap.add_argument("--profile", action="store_true")
    ap.add_argument("--one", default=None, help=argparse.SUPPRESS)  # internal: run one variant in this process
    args = ap.parse_args()
    if args.one:
        print(json.dumps(run_one(args.device, args.one, args.steps, args.threads, args.profile)))
        return
    variants = args.variants.split(",") if args.variants else (
        ["official", "frozen", "frozen+channels_last"] + (["frozen+tf32", "frozen+tf32+channels_last"]
                                                       if args.device == "cuda" else []))
    rows = []
    for v in variants:  # a fresh process each: peak memory is per variant
        cmd = [sys.executable, "-m", "bench.inversion", "--one", v, "--device", args.device,
               "--steps", str(args.steps), "--threads", str(args.threads)]
        cmd += ["--profile"] if args.profile and v == "frozen" else []
        res = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
        if res.returncode != 0:
            print(f"{v}: failed: {res.stderr.strip().splitlines()[-1]}")
            continue
        rows.append(json.loads(res.stdout.strip().splitlines()[-1]))
    base = next((r["s_per_step"] for r in rows if r["variant"] == "frozen"), None)
    print(f"FFHQ-256 inversion of a real photo (G + VGG16 + encoder, batch 1), {args.device}, {args.threads} "
          f"threads, median of {args.steps} steps of one optimisation")
    print(f"{'variant':28s} {'s/step':>8s} {'vs frozen':>10s} {'peak RSS MB':>12s} {'loss first -> last':>22s}"
          + (f" {'peak CUDA MB':>13s}" if args.device == "cuda" else ""))
    for r in rows:
        ratio = f"{r['s_per_step'] / base:.2f}x" if base else "-"
        losses = f"{r['loss_first']:.4g} -> {r['loss_last']:.4g}" + ("" if r["finite"] else " (not finite)")
        print(f"{r['variant']:28s} {r['s_per_step']:8.3f} {ratio:>10s} {r['peak_rss_mb']:12d} {losses:>22s}"
              + (f" {r['peak_cuda_mb']:13d}" if "peak_cuda_mb" in r else ""))
    for r in rows:
        if "top_ops" in r:
            print(f"\nprofile of one step ({r['variant']}): share of self time")
            for op in r["top_ops"]:
                print(f"  {op['share']:6.1%}  {op['op']} ({op['calls']} calls)")
            print("forward passes, share of the step (the backward passes roughly double each): "
                  + ", ".join(f"{k} {v:.1%}" for k, v in r["forward_share"].items()))


if __name__ == "__main__":
    main()
