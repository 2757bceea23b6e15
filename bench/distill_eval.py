"""How closely a generator draws the renderer's face for its codes (``synthfaces.latent``): the distilled
generator's own measure, beside ``bench/eval_family.py``'s layer groups.

    python -m bench.distill_eval --generator checkpoints/synthfaces64/generator [--n 512] [--mixed] [--sheet S.png]

Prints one JSON line: PSNR against the renderer's face for the same parameters, and the evaluation classifier's
agreement with those parameters where the face shows them (``--mixed``: three codes in the coarse, middle and fine
entries, the target mixing their parameters by group). ``--sheet``: a contact sheet of the first 8 faces, the
renderer's above the generator's, to judge sharpness by eye (PSNR flatters flat regions). A generator not trained
on this map (the old GAN) reads its codes differently, so its figures here are the floor, not a comparison of
quality.
"""

from __future__ import annotations

import argparse
import json

import numpy as np
import torch

from tedigan_demo.loading import load_generator, load_module
from tedigan_demo.models.base import GROUP_NAMES
from tedigan_demo.synthfaces import ATTRIBUTES
from tedigan_demo.synthfaces.latent import mix_params, params, render_params
from tedigan_demo.train.classifier import agreement_per_attribute


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--generator", default="checkpoints/synthfaces64/generator")
    ap.add_argument("--classifier", default="checkpoints/synthfaces64/classifier")
    ap.add_argument("--n", type=int, default=512)
    ap.add_argument("--mixed", action="store_true")
    ap.add_argument("--seed", type=int, default=123)
    ap.add_argument("--sheet", default=None, help="write a contact sheet (renderer above generator) to this PNG")
    args = ap.parse_args()
    torch.set_num_threads(2)
    G = load_generator(args.generator).float().eval()
    C = load_module(args.classifier).float().eval()
    g = torch.Generator().manual_seed(args.seed)
    z = {k: torch.randn(args.n, G.w_dim, generator=g) for k in GROUP_NAMES}
    if not args.mixed:
        z = {k: z["coarse"] for k in GROUP_NAMES}
    faces = render_params(*mix_params({k: params(z[k]) for k in GROUP_NAMES}), G.resolution)
    with torch.no_grad():
        wp = torch.empty(args.n, G.num_layers, G.w_dim)
        for k in GROUP_NAMES:
            wp[:, G.layer_groups[k]] = G.mapping(z[k]).unsqueeze(1)
        fake = torch.cat([G.synthesize(wp[i:i + 128], "const") for i in range(0, args.n, 128)])
        mse = (fake - faces.image).pow(2).flatten(1).mean(1).clamp(min=1e-10)
        read = torch.cat([C.predict(fake[i:i + 128])[0] for i in range(0, args.n, 128)])
    per = agreement_per_attribute(read, faces.attributes, faces.observed)
    if args.sheet:
        from PIL import Image

        from tedigan_demo.imaging import to_uint8

        rows = [to_uint8(x[:8]) for x in (faces.image, fake)]  # [8, H, W, 3] each
        sheet = [row.transpose(1, 0, 2, 3).reshape(row.shape[1], -1, 3) for row in rows]
        Image.fromarray(np.concatenate(sheet, 0)).resize(
            (8 * 128, 2 * 128), Image.Resampling.NEAREST).save(args.sheet)
    print(json.dumps({"generator": args.generator, "mixed": args.mixed, "n": args.n,
                      "psnr_db": round(float((10 * torch.log10(4 / mse)).mean()), 2),
                      "attribute_agreement": round(float(per.mean()), 4),
                      "per_attribute": {a.name: round(float(p), 3) for a, p in zip(ATTRIBUTES, per)}}))


if __name__ == "__main__":
    main()
