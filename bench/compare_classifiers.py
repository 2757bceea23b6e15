"""Compare attribute classifiers of the embedded domain side by side, on the same faces: accuracy on clean and on
degraded held-out rendered faces (blur and noise on every one, as training degrades half), and how sure each is
(p >= 0.9) where the face shows the attribute, on rendered faces (the ceiling) and on the family's generated faces.

    python -m bench.compare_classifiers runs/old_classifier checkpoints/synthfaces64/classifier [--family ...]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch

from bench.eval_family import generate
from tedigan_demo.loading import load_generator, load_module
from tedigan_demo.synthfaces import ATTRIBUTES, observable_mask
from tedigan_demo.train.augment import degrade
from tedigan_demo.train.classifier import agreement_per_attribute, share_where_seen
from tedigan_demo.train.common import held_out

NAMES = [a.name for a in ATTRIBUTES]


def read(C, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Value index and probability per attribute, ``[N, A]`` each."""
    out = [C.predict(images[i : i + 250]) for i in range(0, len(images), 250)]
    return torch.cat([o[0] for o in out]), torch.cat([o[1] for o in out])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("classifiers", nargs="+", help="folders of saved AttributeClassifiers")
    ap.add_argument("--family", default="checkpoints/synthfaces64", help="whose generator draws the faces")
    ap.add_argument("--n", type=int, default=2000)
    args = ap.parse_args()
    torch.set_grad_enabled(False)
    faces = held_out(args.n, seed=777)  # the faces of bench/eval_family.py
    degraded = degrade(faces.image, torch.Generator().manual_seed(0), p=1.0)
    G = load_generator(Path(args.family) / "generator").float()
    generated = generate(G, args.n, seed=1)[1]  # the generated faces of bench/eval_family.py
    k = NAMES.index("freckles")
    print("| classifier | accuracy mean / freckles | degraded mean / freckles | sure of freckles rendered / generated "
          "| generated attributes sure in >= 0.9 |\n|---|---|---|---|---|")
    for path in args.classifiers:
        C = load_module(path).float().eval()
        (pred, conf), (pred_d, _), (pred_g, conf_g) = read(C, faces.image), read(C, degraded), read(C, generated)
        right = agreement_per_attribute(pred, faces.attributes, faces.observed)
        right_d = agreement_per_attribute(pred_d, faces.attributes, faces.observed)
        sure = share_where_seen(conf >= 0.9, faces.observed)
        sure_g = share_where_seen(conf_g >= 0.9, observable_mask(pred_g))
        print(f"| {path} | {right.mean():.4f} / {right[k]:.3f} | {right_d.mean():.4f} / {right_d[k]:.3f} | "
              f"{sure[k]:.3f} / {sure_g[k]:.3f} | {int((sure_g >= 0.9).sum())} of {len(NAMES)} |")


if __name__ == "__main__":
    main()
