"""The text side on people's own wordings: how the reader reads them, and what the faces then show.

    HF_HUB_OFFLINE=1 python -m bench.eval_reader --set dev --json /tmp/reader_dev.json
    HF_HUB_OFFLINE=1 python -m bench.eval_reader --set test --images --json checkpoints/synthfaces64/eval_reader.json

Sets: ``dev`` (``bench.heldout_words``), ``test`` (``bench.heldout_words_test``), ``fresh``
(``bench.heldout_words_fresh``), ``fourth``, ``fifth`` and ``sixth`` (``bench.heldout_words_<set>``), each written
by a writer who saw neither the training corpus nor the reader, and none trained on. The model card says which were
looked at.

* reading: per named value, read as asked; per ruled-out value, ruled out; "backwards": a ruled-out value the face
  would show ("from pink to green" read as pink included), or a value asked for that the reading rules out ("no
  beard and short brown hair" ruling out the hair). Beside it the regular-expression table (``--no-table`` leaves it
  out), the signal the reader is tested against.
* ``--images``: text -> image with the app's defaults, the shipped classifier reading each sample (values asked
  shown where the face shows the attribute; values ruled out absent); edits of random faces of the generator (their
  exact W+ codes, no inversion), success where the face did not already show what is asked, and the share of the
  other attributes kept.
* ``--speed``: milliseconds to read one text (median and p95 of new texts, MiniLM and tagger) on this CPU, beside,
  text by text in the same run, MiniLM's forward pass alone and the heads read together (as the reader does) and one
  by one.
"""

from __future__ import annotations

import argparse
import importlib
import json
import time

import numpy as np
import torch

from tedigan_demo.demo import REFINE_STEPS
from tedigan_demo.loading.own import load_module
from tedigan_demo.models.text_reader import token_features
from tedigan_demo.pipeline import TediGANPipeline
from tedigan_demo.synthfaces import ATTRIBUTES, attribute, observable_mask
from tedigan_demo.synthfaces.captions import parse as table_parse
from tedigan_demo.vocabulary.reader import TextReader, clean_text, standing

NAMES = [a.name for a in ATTRIBUTES]
SETS = {"dev": "bench.heldout_words", "test": "bench.heldout_words_test", "fresh": "bench.heldout_words_fresh",
        "fourth": "bench.heldout_words_fourth", "fifth": "bench.heldout_words_fifth",
        "sixth": "bench.heldout_words_sixth"}


def load_set(name: str):
    mod = importlib.import_module(SETS[name])
    return mod.DESCRIPTIONS, mod.EDITS


def score_reading(named: dict, avoid: dict, asks: dict, forbids: dict, ruled=frozenset()) -> dict:
    """Counts for one text: asked values read, ruled-out values honoured, backwards readings. A reading is
    backwards where the face would show a value the text rules out (``shows_ruled_out``: "not bearded" read as a
    beard, "from pink to green" read as pink) or rules out a value the text asks for (``rules_out_asked``: "no beard
    and short brown hair" ruling out the short brown hair; ``ruled``: the ``(attribute, value)`` pairs the reading
    rules out). ``backwards`` is both together."""
    out = {"asked": 0, "asked_read": 0, "ruled_out": 0, "ruled_out_read": 0, "shows_ruled_out": 0,
           "rules_out_asked": 0}
    for attr, value in asks.items():
        out["asked"] += 1
        out["asked_read"] += named.get(attr) == value
        out["rules_out_asked"] += value in avoid.get(attr, ()) or (attr, value) in ruled
    for attr, values in forbids.items():
        got = named.get(attr)
        out["shows_ruled_out"] += got in values
        if attr in asks:
            continue  # "swap X for Y": the asked value says it all
        out["ruled_out"] += 1
        out["ruled_out_read"] += (got is not None and got not in values) or (
            got is None and set(values) <= set(avoid.get(attr, ())))
    out["backwards"] = out["shows_ruled_out"] + out["rules_out_asked"]
    return out


def _sum(rows: list[dict]) -> dict:
    total = {k: sum(r[k] for r in rows) for k in rows[0]}
    return {"asked_read": round(total["asked_read"] / max(total["asked"], 1), 3),
            "ruled_out_read": round(total["ruled_out_read"] / max(total["ruled_out"], 1), 3),
            "backwards": total["backwards"], "shows_ruled_out": total["shows_ruled_out"],
            "rules_out_asked": total["rules_out_asked"], "asked": total["asked"], "ruled_out": total["ruled_out"]}


def eval_reading(vocab, descriptions, edits, table: bool) -> dict:
    """Reading scores of the reader (and of the table), overall, per style and for edits; misreadings listed."""
    res, misread = {}, []
    items = [(t, s, a, f) for t, s, a, f in descriptions] + [(t, "edit", a, f) for t, a, f in edits]
    for who in (["reader", "table"] if table else ["reader"]):
        rows: dict[str, list] = {}
        for text, style, asks, forbids in items:
            if who == "reader":
                r = vocab.read(text)
                named, avoid = r.named, r.avoid
                ruled = {(v.attribute, v.value) for v in standing(r.values) if v.negated}
            else:
                named, avoid, ruled = table_parse(text), {}, set()
            sc = score_reading(named, avoid, asks, forbids, ruled)
            rows.setdefault(style, []).append(sc)
            rows.setdefault("all", []).append(sc)
            if who == "reader" and (sc["asked_read"] < sc["asked"] or sc["ruled_out_read"] < sc["ruled_out"]
                                    or sc["backwards"]):
                misread.append({"text": text, "backwards": sc["backwards"], "asks": asks, "forbids": forbids,
                                "named": named,
                                "avoid": {k: sorted(v) for k, v in avoid.items()}})
        res[who] = {style: _sum(r) for style, r in rows.items()}
    res["misread"] = misread
    return res


@torch.no_grad()
def _shows(C, images) -> tuple[torch.Tensor, torch.Tensor]:
    read = C.predict(images)[0]
    return read, observable_mask(read)


def eval_text_to_image(pipe, descriptions, n: int, seed: int) -> dict:
    """Per style: values asked shown (where observable), values ruled out absent, and both together."""
    rows: dict[str, list] = {}
    for text, style, asks, forbids in descriptions:
        read, seen = _shows(pipe.classifier, pipe.generate(text, n=n, seed=seed).images)
        hits = [float(read[i, NAMES.index(a)] == attribute(a).index(v)) for a, v in asks.items()
                for i in range(n) if seen[i, NAMES.index(a)]]
        hits += [float(attribute(a).values[int(read[i, NAMES.index(a)])] not in vs) for a, vs in forbids.items()
                 if a not in asks for i in range(n)]
        if hits:
            rows.setdefault(style, []).extend(hits)
            rows.setdefault("all", []).extend(hits)
    return {style: round(float(np.mean(h)), 3) for style, h in rows.items()}


def _satisfied(read, seen, asks: dict, forbids: dict) -> bool:
    """Whether one face (classifier indices ``read``, ``seen`` per attribute) shows what is asked (where it shows
    the attribute) and none of the values ruled out."""
    good = [bool(read[NAMES.index(a)] == attribute(a).index(v)) or not bool(seen[NAMES.index(a)])
            for a, v in asks.items()]
    good += [attribute(a).values[int(read[NAMES.index(a)])] not in vs for a, vs in forbids.items() if a not in asks]
    return all(good)


def eval_edits(pipe, edits, faces: int, seed: int) -> dict:
    """Edits of ``faces`` random faces each: success where the face did not already show the request, others
    kept (attributes neither asked nor ruled out, seen before and after)."""
    content = pipe.random_codes(faces, seed)
    before, seen_before = _shows(pipe.classifier, pipe.render(content))
    success, kept, per = [], [], {}
    for text, asks, forbids in edits:
        out = pipe.edit(content, text, steps=REFINE_STEPS, per_group=False)  # the app's refinement default
        after, seen_after = _shows(pipe.classifier, out.image)
        mine = []
        for i in range(faces):
            if _satisfied(before[i], seen_before[i], asks, forbids):
                continue  # nothing to do for this face
            mine.append(float(_satisfied(after[i], seen_after[i], asks, forbids)))
            touched = set(asks) | set(forbids) | set(out.named)
            others = [k for k, name in enumerate(NAMES) if name not in touched and seen_before[i, k] and
                      seen_after[i, k]]
            if others:
                kept.append(float((before[i, others] == after[i, others]).float().mean()))
        success += mine
        per[text] = round(float(np.mean(mine)), 3) if mine else None
    return {"success": round(float(np.mean(success)), 3), "others_kept": round(float(np.mean(kept)), 3),
            "cases": len(success), "failed": [t for t, v in per.items() if v is not None and v < 0.5]}


def _timed(fn, *args) -> tuple[float, object]:
    """``(milliseconds, result)`` of ``fn(*args)``."""
    s = time.perf_counter()
    out = fn(*args)
    return (time.perf_counter() - s) * 1000, out


def _ms(fn, *args) -> float:
    return _timed(fn, *args)[0]


def _one_by_one(heads, features, mask) -> torch.Tensor:
    return torch.stack([h(features, mask).softmax(-1) for h in heads]).mean(0)


def eval_speed(vocab, texts: list[str]) -> dict:
    """Milliseconds to read each of ``texts`` (not memoised) and, text by text in the same run: MiniLM's forward
    pass alone (the floor any reader over its features pays), the heads read together (``HeadStack``, as the reader
    does) and the heads one by one."""
    reader = vocab.reader
    vocab.read("warm up the reader")
    layers = reader.head.config.layers
    times: dict[str, list[float]] = {"read": [], "minilm": [], "heads_stacked": [], "heads_one_by_one": []}
    for t in texts:
        reader._memo.clear()  # a new text: not memoised
        times["read"].append(_ms(vocab.read, t))
        batch = reader.tokenizer([clean_text(t)], truncation=True, max_length=256, return_tensors="pt")
        mask = batch["attention_mask"]
        with torch.inference_mode():
            ms, feats = _timed(token_features, reader.model, batch, layers)
            times["minilm"].append(ms)
            times["heads_stacked"].append(_ms(reader._stack.probs, feats, mask))
            times["heads_one_by_one"].append(_ms(_one_by_one, reader.heads, feats, mask))
    out = {f"{k}_ms_{q}": round(float(np.median(v) if q == "median" else np.percentile(v, 95)), 2)
           for k, v in times.items() for q in ("median", "p95")}
    return {**out, "heads": len(reader.heads), "texts": len(texts), "threads": torch.get_num_threads()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--family", default="synthfaces64")
    ap.add_argument("--set", choices=list(SETS), default="dev")
    ap.add_argument("--images", action="store_true", help="also text -> image and edits, read by the classifier")
    ap.add_argument("--speed", action="store_true")
    ap.add_argument("--n", type=int, default=4, help="samples per description")
    ap.add_argument("--faces", type=int, default=8, help="random faces each edit is applied to")
    ap.add_argument("--no-table", action="store_true")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--heads", nargs="*", default=None, help="read with these head folders instead of the shipped")
    ap.add_argument("--json", default=None)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    descriptions, edits = load_set(args.set)
    pipe = TediGANPipeline.from_family(args.family)
    if args.heads:
        reader = pipe.vocab.reader
        heads = [load_module(d, expect="TextReaderHead") for d in args.heads]
        pipe.vocab.attach(TextReader(reader.model, reader.tokenizer, heads, pipe.vocab.terms))
    res = {"set": args.set, "descriptions": len(descriptions), "edits": len(edits),
           "reading": eval_reading(pipe.vocab, descriptions, edits, not args.no_table)}
    if args.images:
        res["text_to_image"] = eval_text_to_image(pipe, descriptions, args.n, seed=0)
        res["edits_on_faces"] = eval_edits(pipe, edits, args.faces, seed=7)
    if args.speed:
        res["speed"] = eval_speed(pipe.vocab, [t for t, *_ in descriptions])
    text = json.dumps(res, indent=1)
    if args.json:
        with open(args.json, "w") as f:
            f.write(text + "\n")
    summary = {k: v for k, v in res.items() if k != "reading"}
    summary["reading"] = {k: v for k, v in res["reading"].items() if k != "misread"}
    print(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
