"""Train the embedded StyleGAN2 generator on procedural faces (non-saturating loss, lazy R1, style mixing, EMA).

    nice -n 10 python -m tedigan_demo.train.generator --run runs/generator --minutes 90
    python -m tedigan_demo.train.generator --run runs/generator --export checkpoints/synthfaces64

Resumes from ``<run>/state.pt``; with no state there, from ``--init`` (a shipped family's ``generator`` and
``discriminator`` folders) if given. Every loss term is logged to ``<run>/log.jsonl``; a NaN stops the run.
"""

from __future__ import annotations

import argparse
import copy
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from ..loading import load_module
from ..models.base import GROUP_NAMES, load_state_strict, read_pretrained
from ..models.stylegan2 import Discriminator, Generator, StyleGAN2Config
from ..synthfaces import ATTRIBUTES
from ..synthfaces.render import sample_attributes
from .common import RunState, image_stream, on_terminate, training_device

EMBEDDED_CONFIG = dict(resolution=64, w_dim=128, n_mlp=4, channel_base=2048, channel_max=128, lr_mlp=0.01)


def mixed_wp(G: Generator, n: int, prob: float) -> torch.Tensor:
    """W+ codes from one z, or (with probability ``prob``) two z's crossing over at a random layer."""
    w1 = G.mapping(torch.randn(n, G.w_dim, device=G.device))
    wp = G.broadcast(w1)
    if torch.rand(()) < prob:
        w2 = G.mapping(torch.randn(n, G.w_dim, device=G.device))
        cut = int(torch.randint(1, G.num_layers, ()))
        wp = torch.cat([wp[:, :cut], G.broadcast(w2)[:, cut:]], 1)
    return wp


def attribute_prior(n: int = 20000, seed: int = 0) -> list[torch.Tensor]:
    """Each attribute's value shares in the domain (``sample_attributes``), one ``[num_values]`` tensor each."""
    rng = np.random.default_rng(seed)
    counts = [np.zeros(len(a.values)) for a in ATTRIBUTES]
    for _ in range(n):
        drawn = sample_attributes(rng)
        for c, a in zip(counts, ATTRIBUTES):
            c[drawn[a.name]] += 1
    return [torch.tensor(c / n, dtype=torch.float32) for c in counts]


def group_consistency(G: Generator, C: torch.nn.Module, n: int, prior: list[torch.Tensor]
                      ) -> tuple[torch.Tensor, torch.Tensor, str]:
    """Layer-group consistency: swap one random group (coarse / middle / fine) of codes A for those of codes B; a
    frozen attribute classifier ``C`` should then read B's values of the attributes meant for that group
    (``ATTRIBUTES[k].group``) and A's values of the others. Returns the cross-entropy against those readings, a
    marginal term ``sum_a KL(prior_a || mean_batch p_a)`` over the same mixed images, and the group.

    The first term asks each group to carry the attributes the domain meant it to; alone it is also met by a
    generator that makes an attribute constant, which the marginal term prevents (``docs/decisions.md``)."""
    group = GROUP_NAMES[int(torch.randint(len(GROUP_NAMES), ()))]
    wp_a = G.broadcast(G.mapping(torch.randn(n, G.w_dim, device=G.device)))
    wp_b = G.broadcast(G.mapping(torch.randn(n, G.w_dim, device=G.device)))
    with torch.no_grad():
        read_a = [head.argmax(1) for head in C(G.synthesize(wp_a, "random"))]
        read_b = [head.argmax(1) for head in C(G.synthesize(wp_b, "random"))]
    layers = torch.zeros(G.num_layers, dtype=torch.bool, device=G.device)
    layers[G.layer_groups[group]] = True
    mixed = torch.where(layers.view(1, -1, 1), wp_b, wp_a)
    logits = C(G.synthesize(mixed, "random"))
    consistency = sum(F.cross_entropy(out, (b if a.group == group else r))
                      for out, a, r, b in zip(logits, ATTRIBUTES, read_a, read_b)) / len(ATTRIBUTES)
    return consistency, marginal_kl(logits, prior), group


def marginal_kl(logits: list[torch.Tensor], prior: list[torch.Tensor]) -> torch.Tensor:
    """Mean over attributes of ``KL(prior_a || p_a)``, ``p_a`` the batch's mean predicted distribution of attribute
    a: zero when the batch draws each value as often as the domain does, large when it always draws one value (the
    predictions are clamped at 1e-8, which bounds it)."""
    return sum(F.kl_div(out.softmax(1).mean(0).clamp(min=1e-8).log(), p.to(out), reduction="sum")
               for out, p in zip(logits, prior)) / len(prior)


def save_grid(G: Generator, path: Path, seed: int = 0) -> None:
    from PIL import Image

    with torch.no_grad():
        z = G.sample_z(32, torch.Generator().manual_seed(seed))
        img = G.synthesize(G.broadcast(G.mapping(z)), "const")
    img = ((img.clamp(-1, 1) + 1) * 127.5).round().byte().cpu()
    n, c, h, w = img.shape
    grid = img.view(4, 8, c, h, w).permute(0, 3, 1, 4, 2).reshape(4 * h, 8 * w, c)
    Image.fromarray(grid.numpy()).save(path)


def embedded_networks(device_name: str | None = None, mapping: str = "mlp"):
    """The embedded family's generator (with the given ``StyleGAN2Config.mapping``), discriminator and an EMA copy
    of the generator (frozen), on the training device: ``(config, device, G, D, G_ema)``."""
    cfg = StyleGAN2Config(**EMBEDDED_CONFIG, mapping=mapping)
    device = training_device(device_name)
    G, D = Generator(cfg).to(device), Discriminator(cfg).to(device)
    return cfg, device, G, D, copy.deepcopy(G).eval().requires_grad_(False)


@torch.no_grad()
def ema_update(G_ema: Generator, G: Generator, beta: float) -> None:
    """``G_ema``'s parameters move ``1 - beta`` of the way to ``G``'s; its buffers copy ``G``'s."""
    for pe, p in zip(G_ema.parameters(), G.parameters()):
        pe.lerp_(p, 1 - beta)
    for be, b in zip(G_ema.buffers(), G.buffers()):
        be.copy_(b)


def export(G_ema: Generator, D: Discriminator, out: Path, step: int, nimg: int) -> None:
    """Write a run's EMA generator (fp16) and discriminator into the family folder ``out``, with its counters and
    a grid of samples."""
    G_ema.save_pretrained(out / "generator")
    D.save_pretrained(out / "train_state" / "discriminator")
    (out / "train_state" / "step.txt").write_text(f"{step}\n")
    (out / "train_state" / "nimg.txt").write_text(f"{nimg}\n")
    save_grid(G_ema, out / "samples.png")
    print(f"exported step {step} ({nimg / 1000:.0f} kimg) to {out}")


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--run", default="runs/generator")
    ap.add_argument("--minutes", type=float, default=60.0, help="wall-clock budget of this invocation")
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=0.0025)
    ap.add_argument("--r1", type=float, default=0.05, help="R1 gamma")
    ap.add_argument("--r1-every", type=int, default=16)
    ap.add_argument("--mixing", type=float, default=0.9)
    ap.add_argument("--ema-kimg", type=float, default=10.0, help="EMA half-life in thousands of images")
    ap.add_argument("--ema-rampup", type=float, default=0.05,
                    help="early in training the half-life is at most this fraction of the images seen")
    ap.add_argument("--group-loss", type=float, default=0.0,
                    help="weight of the layer-group consistency term (group_consistency); 0: off")
    ap.add_argument("--group-classifier", default="checkpoints/synthfaces64/loss_classifier",
                    help="frozen attribute classifier that reads the mixed images (not the evaluation's one)")
    ap.add_argument("--marginal-loss", type=float, default=1.0,
                    help="with --group-loss: weight of the attribute-marginal term that keeps every value drawn")
    ap.add_argument("--group-every", type=int, default=2,
                    help="apply the group terms every this many G steps (weighted by as much)")
    ap.add_argument("--save-minutes", type=float, default=4.0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--device", default=None, help="cuda or cpu (default: cuda when present)")
    ap.add_argument("--workers", type=int, default=0, help="rendering processes (0: render in this one)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--init", default=None, help="family folder to start from when the run has no state")
    ap.add_argument("--export", default=None, help="only export the EMA generator (fp16) to this family folder")
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)

    run = RunState(args.run, args.minutes, args.save_minutes)
    # a family's generator keeps its mapping (StyleGAN2's MLP, or the distilled family's parameter mapping); the
    # run remembers it (<run>/mapping.txt) for the invocations that resume it
    kind_file = run.folder / "mapping.txt"
    if kind_file.exists():
        mapping = kind_file.read_text().strip()
    else:
        mapping = read_pretrained(Path(args.init) / "generator")[0].get("mapping", "mlp") if args.init else "mlp"
        kind_file.write_text(mapping + "\n")
    cfg, device, G, D, G_ema = embedded_networks(args.device, mapping)
    opt_g = torch.optim.Adam(G.parameters(), lr=args.lr, betas=(0.0, 0.99))
    r1_ratio = args.r1_every / (args.r1_every + 1)
    opt_d = torch.optim.Adam(D.parameters(), lr=args.lr * r1_ratio, betas=(0.0, 0.99**r1_ratio))
    parts = {"G": G, "D": D, "G_ema": G_ema, "opt_g": opt_g, "opt_d": opt_d}
    step = run.resume(**parts)
    # Images seen (the batch size may change between invocations); runs from before it was counted assume --batch.
    nimg = run.counters.get("nimg", (step or 0) * args.batch)
    if step is None and args.init:
        _, g_state = read_pretrained(Path(args.init) / "generator")
        _, d_state = read_pretrained(Path(args.init) / "train_state" / "discriminator")
        load_state_strict(G, g_state), load_state_strict(G_ema, g_state), load_state_strict(D, d_state)
        step = int((Path(args.init) / "train_state" / "step.txt").read_text())
        nimg_file = Path(args.init) / "train_state" / "nimg.txt"
        nimg = int(nimg_file.read_text()) if nimg_file.exists() else step * args.batch
    step = step or 0

    def snapshot(next_step: int):
        run.save_parts(next_step, counters={"nimg": nimg}, **parts)
        save_grid(G_ema, run.folder / "samples.png")

    if args.export:
        export(G_ema, D, Path(args.export), step, nimg)
        return

    C = None
    if args.group_loss > 0:
        C = load_module(args.group_classifier, device, expect="AttributeClassifier").eval().requires_grad_(False)
        prior = attribute_prior()
    on_terminate(lambda: snapshot(step))  # a kill saves the last steps
    start = step
    for step, real in image_stream(args.batch, args.seed, cfg.resolution, start, args.workers, device):  # noqa: B020
        # --- D step
        with torch.no_grad():
            fake = G.synthesize(mixed_wp(G, args.batch, args.mixing), "random")
        d_real, d_fake = D(real), D(fake)
        loss_d = F.softplus(d_fake).mean() + F.softplus(-d_real).mean()
        logs = {"loss_d": loss_d.item(), "d_real": d_real.mean().item(), "d_fake": d_fake.mean().item()}
        opt_d.zero_grad(set_to_none=True)
        loss_d.backward()
        if step % args.r1_every == 0:
            real_r = real[: args.batch // 2].detach().requires_grad_(True)
            (grad,) = torch.autograd.grad(D(real_r).sum(), real_r, create_graph=True)
            r1 = grad.pow(2).flatten(1).sum(1).mean()
            (args.r1 / 2 * r1 * args.r1_every).backward()
            logs["r1"] = r1.item()
        opt_d.step()
        # --- G step
        fake = G.synthesize(mixed_wp(G, args.batch, args.mixing), "random")
        loss_g = F.softplus(-D(fake)).mean()
        logs["loss_g"] = loss_g.item()
        if C is not None and step % args.group_every == 0:
            loss_group, loss_marginal, group = group_consistency(G, C, max(2, args.batch // 2), prior)
            loss_g = loss_g + args.group_every * (args.group_loss * loss_group + args.marginal_loss * loss_marginal)
            logs[f"group_{group}"], logs["marginal"] = loss_group.item(), loss_marginal.item()
        opt_g.zero_grad(set_to_none=True)
        loss_g.backward()
        opt_g.step()
        nimg += args.batch
        ema_nimg = min(args.ema_kimg * 1000, max(nimg * args.ema_rampup, args.batch))
        ema_beta = 0.5 ** (args.batch / ema_nimg)
        ema_update(G_ema, G, ema_beta)
        rate = (time.time() - run.started) / (step - start + 1)
        if run.end_step(step, logs, snapshot, kimg=nimg / 1000, sec_per_step=round(rate, 3)):
            break


if __name__ == "__main__":
    main()
