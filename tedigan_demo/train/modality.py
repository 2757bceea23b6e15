"""Train the sketch -> W+ and label map -> W+ encoders of the embedded family, "in the same way" as the image
encoder (TediGAN §3.4): on the domain's sketches / label maps, against the frozen generator, with

* a latent loss toward the code of the matching face (its exact code where the generator's mapping is the
  renderer's parameters, ``common.exact_wp``; else the image encoder's code of the face), weighted toward the
  layers that carry structure (coarse and middle), since a sketch or a label map says nothing about colour;
* an image-space loss: the label map predicted by the attribute classifier is not available, so structure is
  checked through the reconstruction's perceptual features (attribute-classifier trunk) against the face.

    nice -n 10 python -m tedigan_demo.train.modality --modality sketch --family checkpoints/synthfaces64 --minutes 10
    nice -n 10 python -m tedigan_demo.train.modality --modality label --family checkpoints/synthfaces64 --minutes 10
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch
import torch.nn.functional as F

from ..models.encoders import EncoderConfig, WPlusEncoder
from ..synthfaces import LABEL_CLASSES, FaceBatch
from ..synthfaces.labels import label_planes
from .common import RunState, exact_wp, face_stream, frozen_parts, on_terminate, setup, training_device, warm_start


def modality_input(faces: FaceBatch, modality: str) -> torch.Tensor:
    """The encoder's input for a batch: sketch ``[N, 1, R, R]`` in [0, 1] or one-hot label ``[N, K, R, R]``."""
    if modality == "sketch":
        return faces.sketch
    return label_planes(faces.label)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--modality", choices=["sketch", "label"], required=True)
    ap.add_argument("--family", default="checkpoints/synthfaces64")
    ap.add_argument("--run", default=None, help="default runs/<modality>_encoder")
    ap.add_argument("--minutes", type=float, default=10.0)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=5e-4)
    ap.add_argument("--w-appearance", type=float, default=0.1, help="latent-loss weight of the fine layers")
    ap.add_argument("--w-perceptual", type=float, default=0.5)
    ap.add_argument("--save-minutes", type=float, default=4.0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--device", default=None, help="cuda or cpu (default: cuda when present)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--warm-start", action="store_true",
                    help="with no run state, start from the family's current weights of this part")
    ap.add_argument("--recentre", action="store_true",
                    help="with --warm-start: start from the generator's own mean w (a generator with a new W space)")
    args = ap.parse_args(argv)
    setup(args)
    family = Path(args.family)
    device = training_device(args.device)
    G, E, C = (m.to(device) for m in frozen_parts(family, "generator", "encoder", "classifier"))
    perceptual = C.perceptual
    in_ch = 1 if args.modality == "sketch" else len(LABEL_CLASSES)
    M = WPlusEncoder(EncoderConfig(in_channels=in_ch, num_layers=G.num_layers, w_dim=G.w_dim)).to(device)
    weights = torch.full((1, G.num_layers, 1), args.w_appearance, device=device)
    weights[:, G.layer_groups["coarse"] + G.layer_groups["middle"]] = 1.0
    run = RunState(args.run or f"runs/{args.modality}_encoder", args.minutes, args.save_minutes)
    opt = torch.optim.Adam(M.parameters(), lr=args.lr)
    parts = {"M": M, "opt": opt}
    step = run.resume(**parts)
    if step is None:
        step = 0
        if not (args.warm_start and warm_start(M, family / f"{args.modality}_encoder")) or args.recentre:
            with torch.no_grad():
                M.w_avg.copy_(E.w_avg)

    def snapshot(next_step: int):
        run.save_parts(next_step, **parts)
        M.save_pretrained(family / f"{args.modality}_encoder")

    on_terminate(lambda: snapshot(step))  # a kill saves the last steps
    start = step
    for step, faces in face_stream(args.batch, args.seed + 3, G.resolution, start=start):  # noqa: B020
        real = faces.image.to(device)
        wp = M(modality_input(faces, args.modality).to(device))
        target = exact_wp(G, faces)
        if target is None:
            with torch.no_grad():
                target = E(real)
        loss_lat = ((wp - target).pow(2) * weights).mean()
        rec = G.synthesize(wp, "const")
        loss_feat = F.mse_loss(perceptual(rec), perceptual(real))
        loss = loss_lat + args.w_perceptual * loss_feat
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        logs = {"latent": loss_lat.item(), "perceptual": loss_feat.item()}
        if run.end_step(step, logs, snapshot):
            break


if __name__ == "__main__":
    main()
