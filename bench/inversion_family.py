"""Inverting the embedded family's own faces with the app's defaults: through the renderer's parameters (the
family's route, ``pipeline.parameter_inversion``) against the encoder and TediGAN's optimisation (the route of
every other family), side by side on the same faces.

    python -m bench.inversion_family [--n 40] [--seed 4242] [--json out.json]

The faces are the renderer's, of odd seeds (never rendered in training), saved as 8-bit images as a user would
upload them. Per route: PSNR of the reconstruction against the image, seconds per face on this CPU, and the share
of the attributes the face shows that its reconstruction shows too, read by the shipped classifier and by the
independent classifier the encoder's training used (``loss_classifier``: the parameter route's refinement keeps
the shipped classifier's reading, so a second reader checks it shows on the face, not only to its critic).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from tedigan_demo.loading import load_module
from tedigan_demo.pipeline import TediGANPipeline
from tedigan_demo.synthfaces import ATTRIBUTES
from tedigan_demo.train.common import held_out

FAMILY = Path(__file__).resolve().parent.parent / "checkpoints" / "synthfaces64"
WATCHED = ("freckles", "earrings", "smile")  # the attributes inversion used to lose


def _as_upload(image: torch.Tensor) -> Image.Image:
    arr = ((image.clamp(-1, 1) + 1) * 127.5).round().byte().permute(1, 2, 0).numpy()
    return Image.fromarray(arr)


def _agreement(classifier, images: torch.Tensor, faces) -> dict:
    with torch.no_grad():
        pred = classifier.predict(images)[0]
    ok = (pred == faces.attributes) & faces.observed
    per = ok.sum(0).float() / faces.observed.sum(0).clamp(min=1)
    names = [a.name for a in ATTRIBUTES]
    return {"all": round(float(ok.sum() / faces.observed.sum()), 4),
            **{n: round(float(per[names.index(n)]), 3) for n in WATCHED},
            "lowest": min(((round(float(p), 3), n) for p, n in zip(per, names)))}


def run_route(pipe: TediGANPipeline, faces, critic) -> dict:
    """Invert every face with the app's defaults; the figures of one route."""
    recs, psnrs, seconds = [], [], []
    for i in range(len(faces.image)):
        upload = _as_upload(faces.image[i])
        start = time.perf_counter()
        inv = pipe.invert(upload)
        seconds.append(time.perf_counter() - start)
        recs.append(inv.image.cpu())
        psnrs.append(inv.psnr)
    recs = torch.cat(recs)
    return {"psnr_db": round(float(np.mean(psnrs)), 2), "psnr_db_lowest": round(float(np.min(psnrs)), 2),
            "seconds_per_face": round(float(np.mean(seconds)), 2),
            "attributes_kept": _agreement(pipe.classifier, recs, faces),
            "attributes_kept_by_loss_classifier": _agreement(critic, recs, faces)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=40)
    ap.add_argument("--seed", type=int, default=4242)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--json", default=None)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    faces = held_out(args.n, seed=args.seed)
    pipe = TediGANPipeline.from_family(FAMILY)
    critic = load_module(FAMILY / "loss_classifier").float().eval()
    res = {"faces": args.n, "seed": args.seed, "threads": torch.get_num_threads(),
           "steps": pipe.settings.inversion.steps}
    for route in ("parameters", "encoder"):
        res[route] = run_route(pipe.with_settings(inversion_route=route), faces, critic)
        print(route, json.dumps(res[route]), flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(res, indent=1) + "\n")
    print(json.dumps(res))


if __name__ == "__main__":
    main()
