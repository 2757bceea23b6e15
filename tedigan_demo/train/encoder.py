"""Train the in-domain image encoder into W+ (TediGAN / IDInvert style) against a frozen generator.

Two kinds of batches each step:
  * domain images x (rendered faces): reconstruction ``|x - G(E(x))|^2`` + perceptual (attribute-classifier
    features) -- the encoder learns to invert real images of the domain, through the generator -- + the same
    squared error balanced over the face's parts (``part_balanced_mse``, from the rendered label map): the eyes,
    mouth and lips are a few dozen of the 4096 pixels, so the plain error lets the encoder ignore them;
  * an in-domain term (``WPrior``): a domain image's code entries that lie farther from the generator's w
    (Mahalanobis distance under a Gaussian fit of ``mapping(z)``) than most of its own w are pulled back, with a
    hinge: the part-balanced term alone bought detail with codes far outside W (distance ~100 against ~12 for
    the generator's w), and edits moved them less (e4e's reconstruction / editability trade-off);
  * an attribute term: cross-entropy of a second attribute classifier (``loss_classifier/``: the classifier's
    recipe on other faces with another seed) on the reconstruction against the rendered face's attributes -- the
    role of pSp's identity loss, here the domain's identity being its attributes. The pixel terms left smiles
    and freckles at chance and eye colour and earrings near it (0.51 / 0.50 / 0.58 / 0.65); the evaluation
    reads them with the family's own classifier, which this training never sees;
  * with a generator whose mapping is the renderer's parameters (``models.parameter_mapping``), the domain image's
    own code is known exactly (``common.exact_wp``): a latent loss toward it (``--w-exact``);
  * synthesised images G(wp) with known codes: latent loss ``|E(G(wp)) - wp|^2`` keeps E's output inside the
    generator's W+ distribution, plus their reconstruction.

    nice -n 10 python -m tedigan_demo.train.encoder --family checkpoints/synthfaces64 --minutes 30
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch
import torch.nn.functional as F

from ..models.encoders import EncoderConfig, WPlusEncoder
from ..synthfaces.labels import label_planes
from .augment import degrade
from .classifier import masked_loss
from .common import RunState, exact_wp, face_stream, frozen_parts, on_terminate, setup, training_device, warm_start
from .generator import mixed_wp


def part_balanced_mse(rec: torch.Tensor, real: torch.Tensor, label: torch.Tensor) -> torch.Tensor:
    """Squared error averaged within each label class present in each image, then over those classes: every
    part (background, skin, eyes, mouth, ...) weighs the same whatever its area. ``label``: ``[N, R, R]``."""
    err = (rec - real).pow(2).mean(1)  # [N, R, R]
    parts = label_planes(label).to(err.dtype)  # [N, K, R, R]
    area = parts.sum((2, 3))
    per_part = (parts * err[:, None]).sum((2, 3)) / area.clamp(min=1)
    present = area > 0
    return per_part[present].mean()


class WPrior:
    """A Gaussian fit of the generator's w (``n`` samples of ``mapping(z)``) and the distance under it that holds
    a share ``quantile`` of them. ``excess(wp)``: mean hinge of the W+ entries' Mahalanobis distances beyond it."""

    def __init__(self, G, n: int = 10000, quantile: float = 0.99, seed: int = 0):
        with torch.no_grad():
            w = G.mapping(G.sample_z(n, torch.Generator().manual_seed(seed))).float()
            self.mean = w.mean(0)
            cov = torch.cov((w - self.mean).T) + 1e-4 * torch.eye(w.shape[1], device=w.device)
            self.chol = torch.linalg.cholesky(cov)
            self.radius = float(self.distance(w).quantile(quantile))

    def distance(self, w: torch.Tensor) -> torch.Tensor:
        """Mahalanobis distance of each ``[..., w_dim]`` vector: ``[...]``."""
        flat = (w - self.mean).reshape(-1, w.shape[-1]).T
        return torch.linalg.solve_triangular(self.chol, flat, upper=False).norm(dim=0).reshape(w.shape[:-1])

    def excess(self, wp: torch.Tensor) -> torch.Tensor:
        return F.relu(self.distance(wp) - self.radius).mean()


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--family", default="checkpoints/synthfaces64", help="folder with generator/ and classifier/")
    ap.add_argument("--run", default="runs/encoder")
    ap.add_argument("--minutes", type=float, default=30.0)
    ap.add_argument("--batch", type=int, default=24)
    ap.add_argument("--lr", type=float, default=5e-4)
    ap.add_argument("--w-perceptual", type=float, default=0.5)
    ap.add_argument("--w-latent", type=float, default=1.0)
    ap.add_argument("--w-parts", type=float, default=1.0, help="weight of the part-balanced reconstruction "
                    "(0: the plain one only)")
    ap.add_argument("--w-prior", type=float, default=1e-3, help="weight of the in-domain hinge (WPrior)")
    ap.add_argument("--w-attributes", type=float, default=0.05, help="weight of the attribute term (0: none); "
                    "needs <family>/loss_classifier (train/classifier.py --seed 1)")
    ap.add_argument("--w-exact", type=float, default=1.0,
                    help="weight of the latent loss toward a domain image's exact code (parameter mapping only)")
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
    G, classifier = (m.to(device) for m in frozen_parts(family, "generator", "classifier"))
    perceptual = classifier.perceptual
    critic = None
    if args.w_attributes > 0:
        if not (family / "loss_classifier" / "config.json").exists():
            raise SystemExit(f"{family / 'loss_classifier'} is missing: train it first with python -m "
                             f"tedigan_demo.train.classifier --seed 1 --out {family / 'loss_classifier'}, "
                             "or pass --w-attributes 0")
        critic = frozen_parts(family, "loss_classifier")[0].to(device)
    E = WPlusEncoder(EncoderConfig(num_layers=G.num_layers, w_dim=G.w_dim)).to(device)
    run = RunState(args.run, args.minutes, args.save_minutes)
    opt = torch.optim.Adam(E.parameters(), lr=args.lr)
    parts = {"E": E, "opt": opt}
    step = run.resume(**parts)
    if step is None:
        step = 0
        if not (args.warm_start and warm_start(E, family / "encoder")) or args.recentre:
            with torch.no_grad():
                E.w_avg.copy_(G.mean_w().view(1, 1, -1))

    def snapshot(next_step: int):
        run.save_parts(next_step, **parts)
        E.save_pretrained(family / "encoder")  # weights only: mode-free

    on_terminate(lambda: snapshot(step))  # a kill saves the last steps
    prior = WPrior(G)
    gen = torch.Generator().manual_seed(args.seed)
    start = step
    for step, faces in face_stream(args.batch, args.seed + 1, G.resolution, start=start):  # noqa: B020
        real = faces.image.to(device)
        x = degrade(faces.image, gen, p=0.3).to(device)  # augmented on the CPU: its generator is the CPU's
        wp = E(x)
        rec = G.synthesize(wp, "const")
        loss_rec = F.mse_loss(rec, real)
        loss_feat = F.mse_loss(perceptual(rec), perceptual(real))
        loss_parts = part_balanced_mse(rec, real, faces.label.to(device))
        loss_prior = prior.excess(wp)
        loss_attr = (masked_loss(critic(rec), faces.attributes.to(device), faces.observed.to(device))
                     if critic is not None else rec.new_zeros(()))
        exact = exact_wp(G, faces)
        loss_exact = F.mse_loss(wp, exact) if exact is not None else rec.new_zeros(())
        with torch.no_grad():
            wp_syn = mixed_wp(G, args.batch, 0.5)
            x_syn = G.synthesize(wp_syn, "const")
        wp_hat = E(x_syn)
        loss_lat = F.mse_loss(wp_hat, wp_syn)
        loss_syn_rec = F.mse_loss(G.synthesize(wp_hat, "const"), x_syn)
        loss = (loss_rec + args.w_parts * loss_parts + args.w_prior * loss_prior + args.w_perceptual * loss_feat
                + args.w_attributes * loss_attr + args.w_latent * loss_lat + loss_syn_rec + args.w_exact * loss_exact)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        logs = {"rec": loss_rec.item(), "parts": loss_parts.item(), "prior_excess": loss_prior.item(),
                "perceptual": loss_feat.item(), "attributes": loss_attr.item(), "latent": loss_lat.item(),
                "syn_rec": loss_syn_rec.item(), "exact": loss_exact.item()}
        psnr = 10 * torch.log10(4 / loss_rec.detach()).item()
        if run.end_step(step, logs, snapshot, psnr_domain=round(psnr, 2)):
            break


if __name__ == "__main__":
    main()
