"""Generator speed and memory on this machine: ms per image and peak RSS, tiny / embedded / FFHQ-1024 configs.

    python -m bench.generator              # all configs, batch 1 and 8
    python -m bench.generator --quick      # skip the 1024 config

Each (config, batch) runs in a fresh subprocess so that its peak memory is its own. Random weights: speed and
memory do not depend on the values. CPU threads: torch's default (all cores).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time

CONFIGS = {
    "tiny-16": dict(resolution=16, w_dim=16, n_mlp=2, channel_base=256, channel_max=32),
    "synthfaces-64": dict(resolution=64, w_dim=128, n_mlp=4, channel_base=2048, channel_max=128),
    "ffhq-1024": dict(),  # config-f defaults
}


def measure(name: str, batch: int, repeats: int, device: str) -> dict:
    import torch

    from tedigan_demo.models.stylegan2 import Generator, StyleGAN2Config

    base_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    G = Generator(StyleGAN2Config(**CONFIGS[name])).to(device).eval()
    wp = torch.randn(batch, G.num_layers, G.w_dim, device=device)
    with torch.inference_mode():
        G.synthesize(wp)  # warm-up
        times = []
        for _ in range(repeats):
            if device == "cuda":
                torch.cuda.synchronize()
            t = time.perf_counter()
            G.synthesize(wp)
            if device == "cuda":
                torch.cuda.synchronize()
            times.append(time.perf_counter() - t)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out = {"config": name, "batch": batch, "device": device, "ms_per_image": round(min(times) / batch * 1000, 2),
           "ms_per_batch": round(min(times) * 1000, 1), "peak_rss_mb": round(peak_mb),
           "model_rss_mb": round((peak_mb * 1024 - base_rss) / 1024),
           "params_m": round(sum(p.numel() for p in G.parameters()) / 1e6, 2)}
    if device == "cuda":
        out["peak_cuda_mb"] = round(torch.cuda.max_memory_allocated() / 2**20)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--one", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        name, batch = args.one[0], int(args.one[1])
        print(json.dumps(measure(name, batch, 2 if name == "ffhq-1024" else 10, args.device)))
        return
    names = [n for n in CONFIGS if not (args.quick and n == "ffhq-1024")]
    print(f"{'config':<15}{'batch':>6}{'ms/image':>11}{'ms/batch':>11}{'peak RSS MB':>13}{'params M':>10}")
    for name in names:
        for batch in (1, 8):
            res = subprocess.run([sys.executable, __file__, "--one", name, str(batch), "--device", args.device],
                                 capture_output=True, text=True, check=True)
            r = json.loads(res.stdout.strip().splitlines()[-1])
            print(f"{name:<15}{batch:>6}{r['ms_per_image']:>11}{r['ms_per_batch']:>11}{r['peak_rss_mb']:>13}"
                  f"{r['params_m']:>10}")


if __name__ == "__main__":
    main()
