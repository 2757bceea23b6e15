"""Markdown tables for a family's model card, from the JSON that ``bench/eval_family.py --json`` wrote (and, where
present, the guidance's reading from ``bench/eval_tedigan.py --json``).

    python -m bench.card_tables --family checkpoints/synthfaces64
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def layer_group_table(res: dict) -> str:
    rows = ["| attribute | intended | coarse | middle | fine | all | dominant (share) | carried by |",
            "|---|---|---|---|---|---|---|---|"]
    for name, r in res["layer_group_change_rates"].items():
        rows.append(f"| {name} | {r['intended']} | {r['coarse']} | {r['middle']} | {r['fine']} | {r['all']} | "
                    f"{r['dominant']} ({r['dominant_share']}) | {' + '.join(r.get('governing', [r['dominant']]))} |")
    return "\n".join(rows)


def layer_table(res: dict) -> str:
    """Change rate per attribute when a single W+ entry is swapped (absent from JSON written before it existed)."""
    if "layer_change_rates" not in res:
        return ""
    res_px = res["layer_resolutions"]
    rows = ["| attribute | " + " | ".join(f"{i} ({r} px)" for i, r in enumerate(res_px)) + " |",
            "|---|" + "---|" * len(res_px)]
    for name, rates in res["layer_change_rates"].items():
        top = max(rates)
        rows.append(f"| {name} | " + " | ".join(f"**{r}**" if r == top else f"{r}" for r in rates) + " |")
    return "\n".join(rows)


def confidence_table(res: dict) -> str:
    """Per attribute: share of generated faces read with p >= 0.9 where the attribute can be seen, the same on
    rendered faces (this classifier's ceiling), over every sample, and the worst coverage ratio of its values
    (absent from older JSON)."""
    if "confident_share_rendered" not in res:
        return ""
    rows = ["| attribute | generated | rendered (ceiling) | generated, every sample | worst coverage ratio |",
            "|---|---|---|---|---|"]
    for name, share in res["confident_share"].items():
        values = res["coverage_generated_vs_data_share"][name]
        worst = min((min(g / d, d / g) if g and d else 0.0, v) for v, (g, d) in values.items())
        rows.append(f"| {name} | {share} | {res['confident_share_rendered'][name]} | "
                    f"{res['confident_share_all_samples'][name]} | {worst[0]:.2f} ({worst[1]}) |")
    return "\n".join(rows)


def reading_table(res: dict) -> str:
    """How well the text-image similarity reads each attribute (``eval_tedigan.py``'s ``guidance_reading``)."""
    reading = res.get("guidance_reading")
    if not reading:
        return ""
    sets = ["rendered", "reconstructed", "generated"]
    rows = ["| attribute | " + " | ".join(sets) + " |", "|---|" + "---|" * len(sets)]
    for name in reading["rendered"]:
        rows.append(f"| {name} | " + " | ".join(str(reading[s][name]) for s in sets) + " |")
    rows.append("| **mean** | " + " | ".join(f"**{reading[s + '_mean']}**" for s in sets) + " |")
    return "\n".join(rows)


def intended_group_shares(res: dict) -> dict[str, float]:
    """Per attribute: the intended group's share of the changes that swapping one group at a time makes (the aim:
    at least 0.7, each attribute changed mostly by its own group)."""
    shares = {}
    for name, r in res["layer_group_change_rates"].items():
        total = r["coarse"] + r["middle"] + r["fine"]
        shares[name] = round(r[r["intended"]] / total, 3) if total else 0.0
    return shares


def summary(res: dict) -> str:
    conf = res["confident_share"]
    lo, hi = min(conf, key=conf.get), max(conf, key=conf.get)
    acc = res["classifier_accuracy"]
    worst_acc = min(acc, key=acc.get)
    cov = res["coverage_worst_ratio"]
    within = [g and d and min(g / d, d / g) >= 0.5 for values in res["coverage_generated_vs_data_share"].values()
              for g, d in values.values()]
    own = intended_group_shares(res)
    lines = [
        f"classifier accuracy mean / lowest: {res['classifier_accuracy_mean']} / {acc[worst_acc]} ({worst_acc})",
        f"Frechet distance generated vs rendered: {res['frechet_generated_vs_rendered']} "
        f"(floor {res['frechet_rendered_vs_rendered']})",
        f"confident share lowest / highest: {conf[lo]} ({lo}) / {conf[hi]} ({hi}); at least 0.9 on "
        f"{sum(v >= 0.9 for v in conf.values())} of {len(conf)}",
        f"worst coverage ratio: {cov['ratio_min(g/d, d/g)']} ({cov['value']}); values within x2 of their data "
        f"share: {sum(map(bool, within))} of {len(within)}",
        f"changed mostly (share >= 0.7) by its intended group: {sum(v >= 0.7 for v in own.values())} of {len(own)} ("
        + ", ".join(f"{n} {v}" for n, v in own.items()) + ")",
    ]
    if "encoder_psnr_db" not in res:  # a family without an image encoder (a generator under trial)
        return "\n".join(lines)
    return "\n".join(lines + [
        f"encoder PSNR / agreement: {res['encoder_psnr_db']} dB / {res['encoder_attribute_agreement']}"
        + (f" (read by the loss classifier: {res['encoder_attribute_agreement_by_loss_classifier']})"
           if "encoder_attribute_agreement_by_loss_classifier" in res else ""),
        f"after optimisation: {res['optimized_100_steps_psnr_db']} dB / "
        f"{res['optimized_100_steps_attribute_agreement']} (encoder on the same faces: "
        f"{res['optimized_100_steps_encoder_psnr_same_subset_db']} dB)",
        "encoder agreement per attribute: " + ", ".join(
            f"{n} {a}" for n, a in res.get("encoder_attribute_agreement_per_attribute", {}).items()),
    ])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--family", default="checkpoints/synthfaces64")
    args = ap.parse_args()
    res = json.loads((Path(args.family) / "eval_family.json").read_text())
    print(summary(res), "", confidence_table(res), "", layer_group_table(res), "", layer_table(res), sep="\n")
    tedigan = Path(args.family) / "eval_tedigan.json"
    if tedigan.exists():
        print("", reading_table(json.loads(tedigan.read_text())), sep="\n")


if __name__ == "__main__":
    main()
