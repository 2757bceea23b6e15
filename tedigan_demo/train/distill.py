"""Train the embedded StyleGAN2 generator as a distilled renderer with supervised style mixing.

    python -m tedigan_demo.train.distill --run ~/tedigan-runs/distill --minutes 90 --init checkpoints/synthfaces64 \
        --mapping parameters --bf16
    python -m tedigan_demo.train.distill --run ~/tedigan-runs/distill --export <family folder>

Each step draws codes ``z``; with probability ``--mixing`` three codes fill the coarse, middle and fine W+ entries.
The target is the renderer's face for ``synthfaces.latent.mix_params`` of those codes (the coarse parameters of
the first, the middle of the second, the fine of the third), so every group is taught what it carries. Losses:
pixel L1, a perceptual term and the attributes' cross-entropy through the frozen loss classifier, and optionally
the non-saturating adversarial term with the family's discriminator (``--adv``), and an edge term (L1 between the
images' finite differences, ``--edge``) that weighs the outlines a plain L1 averages away.

``--mapping parameters`` gives the generator the exact map ``z -> parameters -> w`` (``models.parameter_mapping``):
only the parameters' embeddings are learned, and each group's layers read a block of ``w`` that holds that group's
parameters alone. With ``--init`` the generator (and discriminator) start from a family's; a mapping of another
kind than the family's starts fresh. ``--bf16`` runs the forward pass and the losses under CPU bfloat16 autocast
(weights and optimiser stay float32). Resumes from ``<run>/state.pt``; the run remembers its mapping kind
(``<run>/mapping.txt``).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import torch
import torch.nn.functional as F

from ..loading import load_module
from ..models.base import GROUP_NAMES, load_state_strict, read_pretrained
from ..models.stylegan2 import Generator
from ..synthfaces.latent import mix_params, params, render_params
from .common import RunState, on_terminate
from .generator import ema_update, embedded_networks, export, save_grid


def group_codes(G: Generator, n: int, mixing: float, generator: torch.Generator | None = None
                ) -> tuple[dict[str, torch.Tensor], torch.Tensor]:
    """Codes per group (``[n, w_dim]`` each; one code everywhere unless mixed) and the W+ codes they make."""
    z = {g: torch.randn(n, G.w_dim, generator=generator) for g in GROUP_NAMES}
    if float(torch.rand((), generator=generator)) >= mixing:
        z = {g: z["coarse"] for g in GROUP_NAMES}
    wp = torch.empty(n, G.num_layers, G.w_dim, device=G.device)
    for g in GROUP_NAMES:
        wp[:, G.layer_groups[g]] = G.mapping(z[g].to(G.device)).unsqueeze(1)
    return z, wp


def target_faces(z: dict[str, torch.Tensor], resolution: int):
    """The renderer's faces (a ``FaceBatch``) for the parameters each group's code owns."""
    return render_params(*mix_params({g: params(z[g]) for g in GROUP_NAMES}), resolution)


def edge_l1(fake: torch.Tensor, real: torch.Tensor) -> torch.Tensor:
    """Mean L1 between the horizontal and vertical finite differences of two image batches ``[N, C, H, W]``."""
    dx = (fake.diff(dim=3) - real.diff(dim=3)).abs().mean()
    dy = (fake.diff(dim=2) - real.diff(dim=2)).abs().mean()
    return (dx + dy) / 2


def distill_losses(fake: torch.Tensor, faces, C: torch.nn.Module) -> dict[str, torch.Tensor]:
    """Pixel L1, edge L1, perceptual and attribute cross-entropy (only where the target shows the attribute)."""
    real = faces.image.to(fake)
    seen = faces.observed.to(fake.device)
    values = faces.attributes.to(fake.device)
    logits = C(fake)
    ce = sum((F.cross_entropy(out, values[:, k], reduction="none") * seen[:, k]).sum() / seen[:, k].sum().clamp(min=1)
             for k, out in enumerate(logits)) / len(logits)
    return {"l1": (fake - real).abs().mean(), "edge": edge_l1(fake, real),
            "perceptual": (C.perceptual(fake) - C.perceptual(real)).pow(2).mean(),
            "attributes": ce}


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--run", default="runs/distill")
    ap.add_argument("--minutes", type=float, default=60.0, help="wall-clock budget of this invocation")
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=0.002)
    ap.add_argument("--mixing", type=float, default=0.6, help="probability of three codes (coarse / middle / fine)")
    ap.add_argument("--mapping-lr-mult", type=float, default=10.0)
    ap.add_argument("--perceptual", type=float, default=1.0)
    ap.add_argument("--attributes", type=float, default=0.1)
    ap.add_argument("--adv", type=float, default=0.0, help="weight of the adversarial term (0: no discriminator)")
    ap.add_argument("--edge", type=float, default=0.0, help="weight of the edge term (edge_l1)")
    ap.add_argument("--mapping", choices=("mlp", "parameters"), default="mlp",
                    help="the generator's mapping for a new run (a resumed run keeps its own)")
    ap.add_argument("--bf16", action="store_true", help="bfloat16 autocast on the CPU for the forward and losses")
    ap.add_argument("--classifier", default="checkpoints/synthfaces64/loss_classifier",
                    help="frozen classifier of the perceptual and attribute terms (not the evaluation's one)")
    ap.add_argument("--ema-kimg", type=float, default=5.0)
    ap.add_argument("--save-minutes", type=float, default=4.0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--device", default=None)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--init", default=None, help="family folder whose generator (and discriminator) to start from")
    ap.add_argument("--export", default=None, help="only export the EMA generator (fp16) to this family folder")
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)

    run = RunState(args.run, args.minutes, args.save_minutes)
    kind_file = run.folder / "mapping.txt"
    mapping_kind = kind_file.read_text().strip() if kind_file.exists() else args.mapping
    cfg, device, G, D, G_ema = embedded_networks(args.device, mapping_kind)
    # the mapping must learn a given function of z (``synthfaces.latent``), not any: it gets --mapping-lr-mult
    # times the rate its equalised learning rate (lr_mlp 0.01) would give it
    mapping = [p for n, p in G.named_parameters() if n.startswith("style.")]
    synthesis = [p for n, p in G.named_parameters() if not n.startswith("style.")]
    opt_g = torch.optim.Adam([{"params": synthesis}, {"params": mapping, "lr": args.lr * args.mapping_lr_mult}],
                             lr=args.lr, betas=(0.0, 0.99))
    opt_d = torch.optim.Adam(D.parameters(), lr=args.lr, betas=(0.0, 0.99))
    parts = {"G": G, "D": D, "G_ema": G_ema, "opt_g": opt_g, "opt_d": opt_d}
    # an export needs the networks only (a run's optimisers may have other parameter groups than this version's)
    step = run.resume(**({"G": G, "D": D, "G_ema": G_ema} if args.export else parts))
    # the rates are this invocation's (a resumed run may go on at a lower one)
    opt_g.param_groups[0]["lr"], opt_g.param_groups[1]["lr"] = args.lr, args.lr * args.mapping_lr_mult
    for group in opt_d.param_groups:
        group["lr"] = args.lr
    nimg = run.counters.get("nimg", 0)
    if step is None and args.init:
        g_config, g_state = read_pretrained(Path(args.init) / "generator")
        if mapping_kind != g_config.get("mapping", "mlp"):  # the synthesis from the family, a fresh mapping
            g_state = {**{k: v for k, v in g_state.items() if not k.startswith("style.")},
                       **{k: v for k, v in G.state_dict().items() if k.startswith("style.")}}
        load_state_strict(G, g_state), load_state_strict(G_ema, g_state)
        d_folder = Path(args.init) / "train_state" / "discriminator"
        if d_folder.exists():
            load_state_strict(D, read_pretrained(d_folder)[1])
    step = step or 0
    kind_file.write_text(mapping_kind + "\n")

    def snapshot(next_step: int):
        run.save_parts(next_step, counters={"nimg": nimg}, **parts)
        save_grid(G_ema, run.folder / "samples.png")

    if args.export:
        export(G_ema, D, Path(args.export), step, nimg)
        return

    C = load_module(args.classifier, device, expect="AttributeClassifier").eval().requires_grad_(False)
    on_terminate(lambda: snapshot(step))
    start = step
    rng = torch.Generator().manual_seed(args.seed * 1_000_003 + start)
    autocast = torch.autocast("cpu", dtype=torch.bfloat16, enabled=args.bf16 and device.type == "cpu")
    while True:
        with autocast:
            z, wp = group_codes(G, args.batch, args.mixing, rng)
        faces = target_faces(z, cfg.resolution)
        logs = {}
        if args.adv > 0:
            real = faces.image.to(device)
            with autocast:
                d_real, d_fake = D(real), D(G.synthesize(wp.detach(), "const").detach())
                loss_d = F.softplus(d_fake).mean() + F.softplus(-d_real).mean()
            opt_d.zero_grad(set_to_none=True)
            loss_d.backward()
            opt_d.step()
            logs["loss_d"] = loss_d.item()
        with autocast:
            fake = G.synthesize(wp, "const")
            terms = distill_losses(fake.float(), faces, C)
            loss = (terms["l1"] + args.edge * terms["edge"] + args.perceptual * terms["perceptual"]
                    + args.attributes * terms["attributes"])
            if args.adv > 0:
                terms["adv"] = F.softplus(-D(fake)).mean()
                loss = loss + args.adv * terms["adv"]
        logs.update({k: v.item() for k, v in terms.items()})
        opt_g.zero_grad(set_to_none=True)
        loss.backward()
        opt_g.step()
        nimg += args.batch
        ema_update(G_ema, G, 0.5 ** (args.batch / max(args.ema_kimg * 1000, 1)))
        rate = (time.time() - run.started) / (step - start + 1)
        if run.end_step(step, logs, snapshot, kimg=nimg / 1000, sec_per_step=round(rate, 3)):
            break
        step += 1


if __name__ == "__main__":
    main()
