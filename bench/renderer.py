"""Procedural face renderer throughput: samples per second on one core (image + label map + sketch + attributes).

    python -m bench.renderer [--batch 64] [--resolution 64]
"""

import argparse
import time

import torch

from tedigan_demo.synthfaces import render_seeds


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--resolution", type=int, default=64)
    ap.add_argument("--batches", type=int, default=20)
    args = ap.parse_args()
    torch.set_num_threads(1)
    render_seeds(range(args.batch), args.resolution)  # warm-up
    t = time.perf_counter()
    for b in range(args.batches):
        render_seeds(range(b * args.batch, (b + 1) * args.batch), args.resolution)
    dt = time.perf_counter() - t
    n = args.batch * args.batches
    print(f"renderer: {n / dt:.0f} samples/s on 1 core (batch {args.batch}, {args.resolution} px, "
          f"image + label map + sketch + attributes)")


if __name__ == "__main__":
    main()
