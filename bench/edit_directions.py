"""Is a failing edit the text mapper's fault or the generator's? For each edit prompt of ``eval_tedigan.py``:

* the data's own direction: the mean W+ code of generated faces the attribute classifier reads (p >= 0.9, where
  the face shows it) as the target value, minus the mean code of those it reads as the face's current value;
* the mapper's direction: the offset the pipeline adds in an edit before any push along it
  (``MapperTextCodes.for_edit``: the text's code minus the code of a statement of what the face
  shows now);

their cosine (mean over W+ entries), and the share of held-out faces (inverted, then moved along each direction
at several gains, every layer) that the classifier then reads as the target value. A direction of the data that
edits where the mapper's does not points at the mapper; where neither edits, no straight line in W+ carries the
attribute on this generator.

    python -m bench.edit_directions [--family checkpoints/synthfaces64] [--samples 3000] [--edits 16] [--json F]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import torch
import torch.nn.functional as F

from bench.compare_classifiers import read
from bench.eval_family import batched
from bench.eval_tedigan import EDITS
from tedigan_demo.pipeline import TediGANPipeline
from tedigan_demo.synthfaces import ATTRIBUTES, attribute, sure_and_shown
from tedigan_demo.train.common import held_out

NAMES = [a.name for a in ATTRIBUTES]


@torch.inference_mode()
def read_codes(pipe, wp: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Classifier values ``[N, A]`` of the faces of ``wp`` and whether each is sure and shown ``[N, A]``."""
    pred, conf = read(pipe.classifier, batched(pipe.render, wp))
    return pred, sure_and_shown(pred, conf)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--family", default="checkpoints/synthfaces64")
    ap.add_argument("--samples", type=int, default=3000, help="generated faces (psi 1) the data's directions use")
    ap.add_argument("--edits", type=int, default=16, help="held-out faces per prompt (those not showing the target)")
    ap.add_argument("--steps", type=int, default=20, help="inversion steps")
    ap.add_argument("--gains", default="1,2,3")
    ap.add_argument("--json", default=None)
    args = ap.parse_args()
    gains = [float(g) for g in args.gains.split(",")]
    pipe = TediGANPipeline.from_family(args.family)
    wp = pipe.random_codes(args.samples, seed=5, truncation=1.0)
    pred, sure = read_codes(pipe, wp)
    src = held_out(args.edits, seed=4242)
    inverted = torch.cat([pipe.invert(src.image[i : i + 1], steps=args.steps).wp for i in range(args.edits)])
    now, _ = read_codes(pipe, inverted)

    res: dict = {"family": args.family, "samples": args.samples, "gains": gains, "prompts": {}}
    for prompt, name, value, _ in EDITS:
        k, target = NAMES.index(name), attribute(name).index(value)
        faces = [i for i in range(args.edits) if int(src.attributes[i, k]) != target and bool(src.observed[i, k])]
        if not faces:
            continue
        start = inverted[faces]
        mean_of = {v: wp[sure[:, k] & (pred[:, k] == v)].mean(0) for v in range(len(attribute(name).values))}
        data = torch.stack([mean_of[target] - mean_of[int(now[i, k])] for i in faces])
        everywhere = torch.ones(pipe.G.num_layers)
        raw = pipe.with_settings(edit_push=1.0).text_codes  # the mapper's offset itself, not pushed
        mapper = raw.for_edit(prompt, pipe.vocab.parse(prompt), start, everywhere).style - start
        row = {"faces": len(faces), "cosine": round(float(F.cosine_similarity(data, mapper, dim=-1).mean()), 3),
               "norm_data": round(float(data.norm(dim=-1).mean()), 3),
               "norm_mapper": round(float(mapper.norm(dim=-1).mean()), 3)}
        for label, direction in (("data", data), ("mapper", mapper)):
            row[f"success_{label}"] = [round(float((read_codes(pipe, start + g * direction)[0][:, k] == target)
                                                   .float().mean()), 3) for g in gains]
        res["prompts"][prompt] = row
        print(f"{prompt!r}: {row}", flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(res, indent=1))


if __name__ == "__main__":
    main()
