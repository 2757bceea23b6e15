"""Photos of people drawn as faces of the embedded family ("your cartoon", ``pipeline.photo_values``): how clean
the cartoon is and how far it shows what the photo shows.

    python -m bench.your_cartoon [--json out.json]

Per photo: the least confidence of the shipped classifier over the attributes the cartoon shows (clean: at least
0.9), the share of those it reads as the values read from the photo (the cartoon shows what was read), and the
share of the values a person names in the photo (labelled by eye below, where the photo shows them) that the
cartoon shows. Where a label admits two values (a dark blond or light brown), either counts.

The labelled photos are those this machine may use: NASA's public-domain portrait of Eileen Collins
(``skimage.data.astronaut()``). A photo of a person is added as ``(loader, {attribute: value or (values)})``.
"""

from __future__ import annotations

import argparse
import json

import torch
from PIL import Image
from skimage import data

from tedigan_demo.pipeline import TediGANPipeline
from tedigan_demo.synthfaces import ATTRIBUTES, observable_mask

PHOTOS = {  # name -> (loader, labels by eye: what a person names in the photo)
    "astronaut (NASA, public domain)": (
        lambda: Image.fromarray(data.astronaut()),
        {"pose": "frontal", "face_shape": "oval", "eyes": "open", "smile": "smiling", "mouth": "open",
         "hair_style": ("short", "bob"), "hair_color": ("brown", "blond"), "skin_tone": "light", "eye_color": "brown",
         "background": "gray", "glasses": "none", "beard": "none", "earrings": "none"}),
}


def score(pipe: TediGANPipeline, photo: Image.Image, labels: dict) -> dict:
    inv = pipe.invert(photo)
    if inv.photo_values is None:
        return {"cartoon": False}
    values, confidence = pipe.classifier.predict(inv.image)
    seen = observable_mask(values)[0]
    shown = {a.name: a.values[int(v)] for a, v, s in zip(ATTRIBUTES, values[0], seen) if s}
    agree = [shown[k] in (v if isinstance(v, tuple) else (v,)) for k, v in labels.items() if k in shown]
    return {"cartoon": True, "least_confidence": round(float(confidence[0][seen].min()), 4),
            "shows_what_was_read": round(sum(inv.photo_values[k] == v for k, v in shown.items()) / len(shown), 3),
            "agrees_with_the_photo": round(sum(agree) / max(len(agree), 1), 3), "labelled": len(agree),
            "read": inv.photo_values, "caption": pipe.vocab.describe(inv.photo_values)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--json", default=None)
    args = ap.parse_args()
    torch.set_num_threads(2)
    pipe = TediGANPipeline.from_family("synthfaces64")
    res = {name: score(pipe, load(), labels) for name, (load, labels) in PHOTOS.items()}
    res["no face (skimage's chelsea, a cat)"] = _no_face(pipe)
    text = json.dumps(res, indent=1)
    if args.json:
        with open(args.json, "w") as f:
            f.write(text + "\n")
    print(text)


def _no_face(pipe) -> str:
    from tedigan_demo.imaging import ImageError

    try:
        pipe.invert(Image.fromarray(data.chelsea()))
    except ImageError as e:
        return f"refused: {e}"
    return "inverted (not a photo of a person: no cartoon was read)"


if __name__ == "__main__":
    main()
