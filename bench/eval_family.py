"""Evaluate the embedded model family: classifier accuracy, Fréchet distance, mode coverage, confidence,
inversion quality, and what each W+ layer group (and each single W+ entry) controls.

    python -m bench.eval_family --family checkpoints/synthfaces64 [--n 2000] [--json out.json]

All figures come from the code below; held-out faces use odd seeds, which training never renders. Confidence, coverage
and the layer groups count an attribute only where the face shows it (``observable_mask``: no eye colour behind
sunglasses or closed eyes), read from the classifier's own reading of generated faces.
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import replace
from pathlib import Path

import torch

from tedigan_demo.loading import load_generator, load_module
from tedigan_demo.method.control import layer_mask, mix
from tedigan_demo.method.inversion import optimize_wp
from tedigan_demo.models.base import GROUP_NAMES
from tedigan_demo.models.stylegan2 import layer_resolution
from tedigan_demo.pipeline import EMBEDDED_INVERSION
from tedigan_demo.synthfaces import ATTRIBUTES, observable_mask
from tedigan_demo.train.classifier import agreement_per_attribute
from tedigan_demo.train.common import held_out

NAMES = [a.name for a in ATTRIBUTES]
# A group that changes an attribute at least this share as often as the dominant group carries it too (hair colour:
# coarse 0.59, middle 0.52). Edits confined to the dominant group turned hair blond 0 times in 12; with both, 7.
GOVERNING_SHARE = 0.7


def batched(fn, x: torch.Tensor, size: int = 200) -> torch.Tensor:
    return torch.cat([fn(x[i : i + size]) for i in range(0, len(x), size)])


def frechet(a: torch.Tensor, b: torch.Tensor) -> float:
    """Fréchet distance between Gaussians fitted to two feature sets ``[N, D]``."""
    a, b = a.double(), b.double()
    mu1, mu2 = a.mean(0), b.mean(0)
    s1, s2 = torch.cov(a.T), torch.cov(b.T)
    evals, evecs = torch.linalg.eigh(s1)
    sqrt_s1 = evecs @ torch.diag(evals.clamp(min=0).sqrt()) @ evecs.T
    cross = torch.linalg.eigvalsh(sqrt_s1 @ s2 @ sqrt_s1).clamp(min=0).sqrt().sum()
    return float((mu1 - mu2).pow(2).sum() + torch.trace(s1) + torch.trace(s2) - 2 * cross)


def psnr(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Per-image PSNR in dB for images in [-1, 1] (peak-to-peak 2)."""
    mse = (x - y).pow(2).flatten(1).mean(1).clamp(min=1e-10)
    return 10 * torch.log10(4 / mse)


def value_share(values: torch.Tensor, seen: torch.Tensor, num_values: int) -> torch.Tensor:
    """Share of each value among the faces that show the attribute (``values`` ``[N]`` indices, ``seen`` ``[N]``
    bool): ``[num_values]``."""
    return torch.bincount(values[seen], minlength=num_values).float() / seen.sum().clamp(min=1)


def agreement(pred: torch.Tensor, attrs: torch.Tensor, observed: torch.Tensor) -> float:
    return float(((pred == attrs) & observed).sum() / observed.sum())


@torch.no_grad()
def generate(G, n: int, seed: int, truncation: float = 1.0) -> tuple[torch.Tensor, torch.Tensor]:
    z = G.sample_z(n, torch.Generator().manual_seed(seed))
    wp = G.broadcast(G.mapping(z))
    if truncation != 1.0:
        wp = G.truncate(wp, truncation)
    return wp, batched(lambda w: G.synthesize(w, "const"), wp)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--family", default="checkpoints/synthfaces64")
    ap.add_argument("--n", type=int, default=2000, help="samples for FD, coverage and confidence")
    ap.add_argument("--classifier", default=None, help="the classifier that reads (default: <family>/classifier)")
    ap.add_argument("--n-invert", type=int, default=200)
    ap.add_argument("--n-optimize", type=int, default=32)
    ap.add_argument("--steps", type=int, default=100)
    ap.add_argument("--n-pairs", type=int, default=400)
    ap.add_argument("--truncation", type=float, default=1.0,
                    help="psi of the generated samples (1: the generator's full distribution; the app samples at 0.8)")
    ap.add_argument("--json", default=None)
    ap.add_argument("--write-groups", action="store_true",
                    help="write <family>/attribute_groups.json: the layer groups that carry each attribute (measured)")
    args = ap.parse_args()
    if args.write_groups and args.truncation != 1.0:
        ap.error("--write-groups measures the layer groups on the full distribution: leave --truncation at 1")
    torch.set_grad_enabled(False)
    fam = Path(args.family)
    G = load_generator(fam / "generator").float()
    C = load_module(args.classifier or fam / "classifier").float()
    res: dict = {"family": str(fam), "truncation": args.truncation}
    t0 = time.time()

    # ---- classifier on rendered held-out faces
    test = held_out(args.n, seed=777)
    pred = batched(lambda x: C.predict(x)[0], test.image)
    acc = agreement_per_attribute(pred, test.attributes, test.observed)
    res["classifier_accuracy"] = {n: round(float(a), 4) for n, a in zip(NAMES, acc)}
    res["classifier_accuracy_mean"] = round(float(acc.mean()), 4)

    # ---- Fréchet distance in classifier feature space, and its floor (two rendered sets)
    wp_gen, gen = generate(G, args.n, seed=1, truncation=args.truncation)
    other = held_out(args.n, seed=778)
    f_gen, f_test, f_other = (batched(C.features, x) for x in (gen, test.image, other.image))
    res["frechet_generated_vs_rendered"] = round(frechet(f_gen, f_test), 3)
    res["frechet_rendered_vs_rendered"] = round(frechet(f_other, f_test), 3)

    # ---- confidence and mode coverage of generated samples, each attribute where it can be seen
    # (observable_mask on the classifier's reading: no eye colour behind sunglasses, whose head never learned it;
    # every sample: confident_share_all_samples). The same confidence on rendered faces is the ceiling this
    # classifier allows.
    def read(images: torch.Tensor) -> list[torch.Tensor]:
        return [torch.cat([C(images[i : i + 200])[k].softmax(-1) for i in range(0, len(images), 200)])
                for k in range(len(NAMES))]

    def confident(probs: list[torch.Tensor], seen: torch.Tensor) -> dict[str, float]:
        return {n: round(float((p.max(-1).values[seen[:, k]] >= 0.9).float().mean()), 4)
                for k, (n, p) in enumerate(zip(NAMES, probs))}

    probs = read(gen)
    seen_gen = observable_mask(torch.stack([p.argmax(-1) for p in probs], 1))
    res["confident_share"] = confident(probs, seen_gen)
    res["confident_share_rendered"] = confident(read(test.image), test.observed)
    res["confident_share_all_samples"] = confident(probs, torch.ones_like(seen_gen))
    coverage, worst = {}, (None, 1.0)
    for k, a in enumerate(ATTRIBUTES):
        seen, seen_data = seen_gen[:, k], test.observed[:, k]
        gen_share = value_share(probs[k].argmax(-1), seen, len(a.values))
        data_share = value_share(test.attributes[:, k], seen_data, len(a.values))
        ratio = gen_share / data_share.clamp(min=1e-6)
        coverage[a.name] = {v: [round(float(g), 3), round(float(d), 3)] for v, g, d in
                            zip(a.values, gen_share, data_share)}
        for v, r in zip(a.values, ratio):
            off = min(float(r), 1 / max(float(r), 1e-6))
            if off < worst[1]:
                worst = (f"{a.name}={v}", off)
    res["coverage_generated_vs_data_share"] = coverage
    res["coverage_worst_ratio"] = {"value": worst[0], "ratio_min(g/d, d/g)": round(worst[1], 3)}

    # ---- inversion of held-out rendered faces
    enc_path = fam / "encoder"
    if (enc_path / "config.json").exists():
        E = load_module(enc_path).float()
        inv = held_out(args.n_invert, seed=779)
        wp_enc = batched(E, inv.image)
        rec = batched(lambda w: G.synthesize(w, "const"), wp_enc)
        res["encoder_psnr_db"] = round(float(psnr(rec, inv.image).mean()), 2)
        pred_rec = batched(lambda x: C.predict(x)[0], rec)
        res["encoder_attribute_agreement"] = round(agreement(pred_rec, inv.attributes, inv.observed), 4)
        per_attribute = agreement_per_attribute(pred_rec, inv.attributes, inv.observed)
        res["encoder_attribute_agreement_per_attribute"] = {n: round(float(a), 3)
                                                            for n, a in zip(NAMES, per_attribute)}
        if (fam / "loss_classifier" / "config.json").exists():
            # the classifier the encoder's attribute term trains against reads the same reconstructions: far above
            # the family classifier's reading would mean the encoder learned to please its critic, not the faces
            critic = load_module(fam / "loss_classifier").float()
            pred_critic = batched(lambda x: critic.predict(x)[0], rec)
            res["encoder_attribute_agreement_by_loss_classifier"] = round(
                agreement(pred_critic, inv.attributes, inv.observed), 4)
            res["encoder_attribute_agreement_per_attribute_by_loss_classifier"] = {
                n: round(float(a), 3)
                for n, a in zip(NAMES, agreement_per_attribute(pred_critic, inv.attributes, inv.observed))}
        # how often each attribute's values are read in the reconstructions against the truth: an agreement at
        # chance with a value drawn too often (freckles) is a generator that draws it, not an encoder that misses it
        res["encoder_reconstruction_value_share"] = {
            a.name: {v: [round(float(r), 3), round(float(t), 3)] for v, r, t in
                     zip(a.values, value_share(pred_rec[:, k], inv.observed[:, k], len(a.values)),
                         value_share(inv.attributes[:, k], inv.observed[:, k], len(a.values)))}
            for k, a in enumerate(ATTRIBUTES)}
        m = args.n_optimize
        weights = replace(EMBEDDED_INVERSION, steps=args.steps)  # the app's inversion on this family
        perceptual = C.perceptual
        with torch.enable_grad():
            wp_opt, _ = optimize_wp(lambda w: G.synthesize(w, "const"), inv.image[:m], wp_enc[:m], weights,
                                    perceptual=perceptual, encoder=E)
        rec_opt = G.synthesize(wp_opt, "const")
        res[f"optimized_{args.steps}_steps_psnr_db"] = round(float(psnr(rec_opt, inv.image[:m]).mean()), 2)
        res[f"optimized_{args.steps}_steps_encoder_psnr_same_subset_db"] = round(
            float(psnr(rec[:m], inv.image[:m]).mean()), 2)
        res[f"optimized_{args.steps}_steps_attribute_agreement"] = round(
            agreement(C.predict(rec_opt)[0], inv.attributes[:m], inv.observed[:m]), 4)

    # ---- layer groups: swap one group's codes between random pairs; which attributes change?
    n = args.n_pairs
    wp_a, img_a = wp_gen[:n], gen[:n]
    wp_b = wp_gen[n : 2 * n] if len(wp_gen) >= 2 * n else generate(G, n, seed=2, truncation=args.truncation)[0]
    pred_a = C.predict(img_a)[0]
    seen_a = observable_mask(pred_a)

    def change_rates(layers: str) -> torch.Tensor:
        """Per attribute, the share of pairs whose reading changes when ``layers`` (a group or "a-b") are swapped,
        among the pairs where the attribute can be seen before and after (eye colour that sunglasses hide neither
        changes nor stays)."""
        mask = layer_mask(G.num_layers, G.layer_groups, {layers: 1})
        mixed = batched(lambda w: G.synthesize(w, "const"), mix(wp_a, wp_b, mask))
        pred = C.predict(mixed)[0]
        both = seen_a & observable_mask(pred)
        return ((pred != pred_a) & both).sum(0) / both.sum(0).clamp(min=1)

    rates = {group: change_rates(f"0-{G.num_layers - 1}" if group == "all" else group)
             for group in ("coarse", "middle", "fine", "all")}
    table = {}
    for k, name in enumerate(NAMES):
        per_group = {g: round(float(rates[g][k]), 3) for g in ("coarse", "middle", "fine", "all")}
        total = sum(per_group[g] for g in GROUP_NAMES) or 1e-9
        dominant = max(GROUP_NAMES, key=lambda g: per_group[g])
        governing = [dominant] + [g for g in GROUP_NAMES if g != dominant
                                  and per_group[g] >= GOVERNING_SHARE * per_group[dominant]]
        table[name] = {**per_group, "dominant": dominant, "dominant_share": round(per_group[dominant] / total, 3),
                       "governing": governing, "intended": ATTRIBUTES[k].group}
    res["layer_group_change_rates"] = table
    # ---- single W+ entries: where inside the groups each attribute lives (one index swapped at a time)
    per_layer = [change_rates(str(i)) for i in range(G.num_layers)]
    res["layer_change_rates"] = {name: [round(float(per_layer[i][k]), 2) for i in range(G.num_layers)]
                                 for k, name in enumerate(NAMES)}
    res["layer_resolutions"] = [layer_resolution(i, G.resolution) for i in range(G.num_layers)]
    res["seconds"] = round(time.time() - t0, 1)

    print(json.dumps(res, indent=1))
    if args.write_groups:
        groups = {name: row["governing"] for name, row in table.items()}
        (fam / "attribute_groups.json").write_text(json.dumps(groups, indent=1) + "\n")
    if args.json:
        Path(args.json).write_text(json.dumps(res, indent=1) + "\n")


if __name__ == "__main__":
    main()
