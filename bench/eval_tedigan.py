"""Evaluate the TediGAN method on the embedded family with faces, captions and wordings training never saw.

    python -m bench.eval_tedigan [--family synthfaces64] [--faces 100] [--edits 40] [--json out.json]

* text -> image: attribute accuracy of generated faces on the attributes each caption names (the attribute
  classifier reads them), for captions in training wordings and in held-out wordings; diversity among the n
  samples of one caption; R-precision (rank 1 of the caption among 99 captions of other faces, by the family's
  text-image similarity). The pipeline keeps the candidates that same similarity ranks highest, so R-precision
  is measured on samples drawn without ranking, and the accuracy both ways (``..._unranked``);
* descriptions as people write them (``bench.people_prompts``): named values present, negated values absent;
* the text-image similarity's reading of each attribute (the value whose statement matches best) on held-out
  rendered faces, their reconstructions and random generated faces (against the classifier's confident reading):
  edits and text -> image climb or rank by that similarity, so an attribute it cannot read they cannot reach;
* editing: invert held-out rendered faces, apply prompts ("make her smile", "give him glasses", ...): success on
  the target attribute, preservation of the others, PSNR outside the regions the edit concerns (label maps);
* sketch / label map -> faces (held-out faces' sketches and label maps): agreement of the results' structural
  attributes with the source face's; with a description of appearance, the share of its named attributes present;
  label-map fidelity as the IoU of the result's head silhouette (pixels unlike the background colour) with the
  label map's non-background region, next to the same IoU of the source image itself (the measure's ceiling);
  diversity among the n results;
* speed: ms per generate (n=4), per edit at the pipeline's default steps and at the app's (inversion included;
  median of three each), per re-render from codes.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from bench.people_prompts import eval_people
from tedigan_demo.demo import REFINE_STEPS
from tedigan_demo.pipeline import TediGANPipeline
from tedigan_demo.synthfaces import ATTRIBUTES, LABEL_CLASSES, attribute, observable_mask, sure_and_shown
from tedigan_demo.synthfaces.captions import caption, values_of
from tedigan_demo.train.common import held_out

NAMES = [a.name for a in ATTRIBUTES]
CLS = {n: i for i, n in enumerate(LABEL_CLASSES)}
EDITS = [  # prompt, attribute, value, label classes the edit may touch
    ("make her smile", "smile", "smiling", ["mouth", "lips", "skin"]),
    ("give him glasses", "glasses", "glasses", ["glasses", "eyes", "skin", "brows", "nose"]),
    ("blond hair", "hair_color", "blond", ["hair", "brows", "beard"]),
    ("close her eyes", "eyes", "closed", ["eyes"]),
    ("give him a beard", "beard", "beard", ["beard", "skin", "lips", "mouth"]),
    ("she wears red lipstick", "lipstick", "red", ["lips"]),
    ("open the mouth", "mouth", "open", ["mouth", "lips"]),
    ("in front of a pink background", "background", "pink", ["background"]),
]


# attributes a sketch or label map shows (the layout of the face), and the appearance a text can add to them
STRUCTURAL = ["pose", "face_shape", "glasses", "hair_style", "eyes", "smile", "mouth", "beard", "earrings"]
APPEARANCE = ["hair_color", "skin_tone", "eye_color", "lipstick", "background", "freckles"]


def silhouette(images: torch.Tensor, threshold: float = 0.35) -> torch.Tensor:
    """[N, 3, R, R] -> [N, R, R] bool: pixels whose colour is far from the background colour (the median of the
    top row and the upper halves of the side columns, where the domain's faces never reach)."""
    r = images.shape[-1]
    border = torch.cat([images[:, :, 0, :], images[:, :, : r // 2, 0], images[:, :, : r // 2, -1]], 2)
    bg = border.median(2).values[:, :, None, None]
    return (images - bg).norm(dim=1) > threshold


def iou(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    return (a & b).flatten(1).sum(1) / (a | b).flatten(1).sum(1).clamp(min=1)


def eval_multimodal(pipe, C, faces: int, n: int) -> dict:
    """Sketch and label map of held-out faces -> n results each; see the module docstring."""
    src = held_out(faces, seed=777)
    rng = np.random.default_rng(5)
    struct = [NAMES.index(a) for a in STRUCTURAL]
    rand = C.features(pipe.render(pipe.random_codes(200, seed=98)))
    between = float(torch.cdist(rand, rand).sum() / (200 * 199))
    out = {"faces": faces, "samples_per_input": n, "structural_attributes": STRUCTURAL}
    ceiling = iou(silhouette(src.image), src.label != CLS["background"])
    out["silhouette_iou_of_the_source_images"] = round(float(ceiling.mean()), 3)  # the measure's ceiling
    random_faces = pipe.render(pipe.random_codes(faces, seed=97))  # chance: unrelated faces vs the same maps
    out["silhouette_iou_of_random_generated_faces"] = round(float(iou(silhouette(random_faces),
                                                                      src.label != CLS["background"]).mean()), 3)
    for modality in ("sketch", "label"):
        agree, agree_t, named_ok, ious, diversity = [], [], [], [], []
        for i in range(faces):
            inp = src.sketch[i, 0].numpy() * 255 if modality == "sketch" else src.label[i].numpy()
            run = pipe.from_sketch if modality == "sketch" else pipe.from_label
            res = run(inp.astype(np.uint8) if modality == "sketch" else inp, n=n, seed=i)
            pred = C.predict(res.images)[0]
            seen = [k for k in struct if bool(src.observed[i, k])]
            agree.append(float((pred[:, seen] == src.attributes[i, seen]).float().mean()))
            ious.append(float(iou(silhouette(res.images), (src.label[i] != CLS["background"]).expand(n, -1, -1))
                              .mean()))
            feats = C.features(res.images)
            diversity.append(float(torch.cdist(feats, feats).sum() / (n * (n - 1))) / between)
            # with text: two appearance attributes with random values
            names = rng.choice(APPEARANCE, 2, replace=False)
            values = {a: attribute(a).values[int(rng.integers(len(attribute(a).values)))] for a in names}
            text, mentioned = caption(values, rng, "heldout")
            res_t = run(inp.astype(np.uint8) if modality == "sketch" else inp, text=text, n=n, seed=i)
            pred_t = C.predict(res_t.images)[0]
            agree_t.append(float((pred_t[:, seen] == src.attributes[i, seen]).float().mean()))
            for a, v in mentioned.items():
                named_ok.append(float((pred_t[:, NAMES.index(a)] == attribute(a).index(v)).float().mean()))
        out[modality] = {"structural_agreement": round(float(np.mean(agree)), 3),
                         "with_text_named_attributes_present": round(float(np.mean(named_ok)), 3),
                         "with_text_structural_agreement": round(float(np.mean(agree_t)), 3),
                         "silhouette_iou": round(float(np.mean(ious)), 3),
                         "diversity_within_vs_random_pairs": round(float(np.mean(diversity)), 3)}
    return out


@torch.no_grad()
def eval_reading(pipe, C, faces: int) -> dict:
    """How well the text-image similarity reads each attribute: the value whose statement matches an image best
    (``FaceReader.shown_values``, which edits and text -> image use), against the truth of held-out rendered
    faces and of their reconstructions G(E(x)), and against the classifier's confident reading (p >= 0.9) of random
    generated faces."""
    src = held_out(faces, seed=777)
    generated = pipe.render(pipe.random_codes(faces, seed=5, truncation=1.0))
    read, conf = C.predict(generated)
    sets = {"rendered": (src.image, src.attributes, src.observed.bool()),
            "reconstructed": (pipe.render(pipe.E(src.image.to(pipe.device))), src.attributes, src.observed.bool()),
            "generated": (generated, read, sure_and_shown(read, conf))}
    out = {"faces": faces}
    for key, (images, truth, valid) in sets.items():
        shown = pipe.reader.shown_values(images, NAMES)
        per = {}
        for k, name in enumerate(NAMES):
            pred = torch.tensor([attribute(name).index(s[name]) for s in shown])
            m = valid[:, k].cpu()
            per[name] = round(float((pred[m] == truth[m, k].cpu()).float().mean()), 3) if m.any() else None
        out[f"{key}_mean"] = round(float(np.mean([v for v in per.values() if v is not None])), 3)
        out[key] = per
    return out


def accuracy_on_named(pred: torch.Tensor, named: list[dict[str, str]], n: int) -> float:
    ok = tot = 0
    for i, mentioned in enumerate(named):
        for name, value in mentioned.items():
            k = NAMES.index(name)
            col = pred[i * n : (i + 1) * n, k]
            ok += int((col == attribute(name).index(value)).sum())
            tot += n
    return ok / max(tot, 1)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--family", default="synthfaces64")
    ap.add_argument("--faces", type=int, default=100, help="held-out faces whose captions are generated")
    ap.add_argument("--n", type=int, default=4, help="samples per caption")
    ap.add_argument("--edits", type=int, default=40, help="held-out faces edited by each prompt")
    ap.add_argument("--steps", type=int, default=30, help="inversion steps before editing")
    ap.add_argument("--modal-faces", type=int, default=60, help="held-out faces whose sketch / label map is used")
    ap.add_argument("--edit-steps", type=int, default=0, help="refinement steps toward the text per edit (the app's "
                    "'Refine toward the text')")
    ap.add_argument("--edit-reference", choices=["source", "mean"], default="source",
                    help="what an edit's text code is measured from (MapperTextCodes.reference_code)")
    ap.add_argument("--edit-target", choices=["text", "statement"], default=None,
                    help="what an edit aims at (MapperTextCodes.target_text; default: the pipeline's)")
    ap.add_argument("--edit-gain", type=float, default=None,
                    help="scale of an edit's offset (PipelineSettings.edit_gain; default: the pipeline's)")
    ap.add_argument("--edit-push", type=float, default=None,
                    help="an edit goes up to this many times its offset until the face reads the text "
                         "(PipelineSettings.edit_push; default: the pipeline's)")
    ap.add_argument("--open-attributes", choices=["shown", "layers"], default="shown",
                    help="text -> image: how the attributes a text leaves open vary (TediGANPipeline.generate)")
    ap.add_argument("--state-quiet", action="store_true", help="'shown' also states quiet values (no glasses...)")
    ap.add_argument("--mapper-reads", choices=["text", "statement", "auto"], default=None,
                    help="what the text mapper reads of a description (PipelineSettings.mapper_reads)")
    ap.add_argument("--rank-by", choices=["similarity", "named"], default=None,
                    help="how text -> image ranks its candidates (PipelineSettings.rank_by)")
    ap.add_argument("--candidates", type=int, default=None,
                    help="codes drawn per text -> image sample (PipelineSettings.candidates)")
    ap.add_argument("--reading-faces", type=int, default=200, help="faces per set of the guidance's reading")
    ap.add_argument("--skip", default="",
                    help="comma-separated sections to skip: text,people,reading,edit,modal,speed")
    ap.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's)")
    ap.add_argument("--json", default=None)
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    pipe = TediGANPipeline.from_family(args.family)
    changes = {"edit_target": args.edit_target, "edit_gain": args.edit_gain,  # a gain of 0 leaves the offset out
               "edit_push": args.edit_push, "mapper_reads": args.mapper_reads, "rank_by": args.rank_by,
               "candidates": args.candidates}
    pipe = pipe.with_settings(edit_reference=args.edit_reference, open_attributes=args.open_attributes,
                              open_quiet=not args.state_quiet, **{k: v for k, v in changes.items() if v is not None})
    C = pipe.classifier
    s = pipe.settings
    res: dict = {"family": args.family, "edit_reference": args.edit_reference, "edit_target": s.edit_target,
                 "edit_gain": s.edit_gain, "edit_push": s.edit_push,
                 "edit_steps": args.edit_steps, "open_attributes": args.open_attributes,
                 "mapper_reads": s.mapper_reads, "rank_by": s.rank_by, "candidates": s.candidates}
    skip = set(filter(None, args.skip.split(",")))

    # ---- text -> image
    if "text" not in skip:
        faces = held_out(args.faces, seed=31337)
        rng = np.random.default_rng(0)
        for split in ("train", "heldout"):
            texts, named = [], []
            for i in range(args.faces):
                values = {k: v for (k, v), seen in zip(values_of(faces.attributes[i].tolist()).items(),
                                                        faces.observed[i]) if seen}
                text, mentioned = caption(values, rng, split)
                texts.append(text)
                named.append(mentioned)
            images = torch.cat([pipe.generate(t, n=args.n, seed=i).images for i, t in enumerate(texts)])
            unranked = torch.cat([pipe.generate(t, n=args.n, seed=i, candidates=1).images
                                  for i, t in enumerate(texts)])
            pred = C.predict(images)[0]
            res[f"text_to_image_accuracy_{split}_wordings"] = round(accuracy_on_named(pred, named, args.n), 4)
            res[f"text_to_image_accuracy_{split}_wordings_unranked"] = round(
                accuracy_on_named(C.predict(unranked)[0], named, args.n), 4)
            if split == "train":
                feats = C.features(images).view(args.faces, args.n, -1)
                within = torch.cdist(feats, feats).sum((1, 2)) / (args.n * (args.n - 1))
                rand = C.features(pipe.render(pipe.random_codes(200, seed=99)))
                between = torch.cdist(rand, rand).sum() / (200 * 199)
                res["diversity_within_caption_vs_random_pairs"] = round(float(within.mean() / between), 3)
                unnamed_varies = []
                for i, mentioned in enumerate(named):
                    p = pred[i * args.n : (i + 1) * args.n]
                    for k, name in enumerate(NAMES):
                        if name not in mentioned:
                            unnamed_varies.append(float(len(torch.unique(p[:, k])) > 1))
                res["share_of_unnamed_attributes_that_vary_among_samples"] = round(float(np.mean(unnamed_varies)), 3)
                # R-precision: rank of each caption among 99 captions of other faces
                t_emb = pipe.guidance.embed_text(texts)
                hits = []
                for i in range(args.faces):
                    others = [j for j in rng.choice(args.faces, size=min(99, args.faces - 1) + 1, replace=False)
                              if j != i][: min(99, args.faces - 1)]
                    cand = torch.cat([t_emb[i : i + 1], t_emb[others]])
                    sims = pipe.guidance.similarity(unranked[i * args.n : i * args.n + 1], cand)[0]
                    hits.append(float(sims[0] >= sims.max()))
                res["r_precision_top1"] = round(float(np.mean(hits)), 3)
                res["r_precision_candidates"] = min(100, args.faces)

    # ---- descriptions as people write them, negations included
    if "people" not in skip:
        res["people"] = eval_people(pipe, C, n=args.n)

    # ---- the text-image similarity's reading of each attribute
    if "reading" not in skip:
        res["guidance_reading"] = eval_reading(pipe, C, args.reading_faces)

    # ---- editing
    if "edit" not in skip:
        src = held_out(args.edits, seed=4242)
        edit_rows = {}
        for prompt, name, value, classes in EDITS:
            k, target = NAMES.index(name), attribute(name).index(value)
            success, kept, psnrs = [], [], []
            for i in range(args.edits):
                if int(src.attributes[i, k]) == target or not bool(src.observed[i, k]):
                    continue
                inv = pipe.invert(src.image[i : i + 1], steps=args.steps)
                out = pipe.edit(inv.wp, prompt, steps=args.edit_steps, per_group=False)
                before, after = C.predict(inv.image)[0][0], C.predict(out.image)[0][0]
                success.append(float(after[k] == target))
                # the others seen in the source and, as read, before and after (closed eyes hide their colour)
                seen = src.observed[i] & observable_mask(before[None])[0] & observable_mask(after[None])[0]
                others = [j for j in range(len(NAMES)) if j != k and bool(seen[j])]
                kept.append(float((before[others] == after[others]).float().mean()))
                touched = torch.zeros(src.label.shape[1:], dtype=torch.bool)
                for c in classes:
                    touched |= src.label[i] == CLS[c]
                touched = F.max_pool2d(touched[None, None].float(), 5, 1, 2)[0, 0] > 0  # a margin around them
                keep = ~touched
                if keep.sum() > 0:
                    mse = (out.image[0][:, keep] - inv.image[0][:, keep]).pow(2).mean().clamp(min=1e-10)
                    psnrs.append(float(10 * torch.log10(4 / mse)))
            edit_rows[prompt] = {"faces": len(success),
                                 "success": round(float(np.mean(success)), 3) if success else None,
                                 "others_kept": round(float(np.mean(kept)), 3) if kept else None,
                                 "psnr_untouched_db": round(float(np.mean(psnrs)), 2) if psnrs else None}
        res["edits"] = edit_rows
        valid = [r for r in edit_rows.values() if r["success"] is not None]
        res["edit_success_mean"] = round(float(np.mean([r["success"] for r in valid])), 3)
        res["edit_others_kept_mean"] = round(float(np.mean([r["others_kept"] for r in valid])), 3)

    # ---- speed (this CPU)
    if "speed" not in skip:
        src = held_out(1, seed=4242)
        torch.set_num_threads(torch.get_num_threads())
        t = time.perf_counter()
        for s in range(5):
            pipe.generate("She has long red hair and is smiling.", n=4, seed=s)
        res["ms_per_generate_n4"] = round((time.perf_counter() - t) / 5 * 1000, 1)

        def edit_ms(steps: int) -> list[float]:
            """Three timings (this 2-core machine is noisy) of an inversion plus an edit with ``steps``."""
            runs = []
            for _ in range(3):
                t = time.perf_counter()
                pipe.edit(pipe.invert(src.image[:1]).wp, "make her smile", steps=steps)
                runs.append(round((time.perf_counter() - t) * 1000, 1))
            return runs

        runs = edit_ms(0)
        res["ms_per_edit_default_steps_with_inversion"] = float(np.median(runs))
        res["ms_per_edit_runs"] = runs
        # the app's edit tab: the same, then REFINE_STEPS of refinement toward the text
        res["ms_per_edit_app_defaults_with_inversion"] = float(np.median(edit_ms(REFINE_STEPS)))
        res["app_refine_steps"] = REFINE_STEPS
        res["default_inversion_steps"] = pipe.settings.inversion.steps
        wp = pipe.random_codes(1, seed=0)
        t = time.perf_counter()
        for _ in range(20):
            pipe.render(wp)
        res["ms_per_rerender_from_codes"] = round((time.perf_counter() - t) / 20 * 1000, 2)
    if "modal" not in skip:
        res["sketch_label"] = eval_multimodal(pipe, C, args.modal_faces, args.n)
    print(json.dumps(res, indent=1))
    if args.json:
        Path(args.json).write_text(json.dumps(res, indent=1) + "\n")


if __name__ == "__main__":
    main()
