"""Train the attribute classifier on rendered faces (masked cross-entropy: unseen attributes are not scored).

    nice -n 10 python -m tedigan_demo.train.classifier --run runs/classifier --out checkpoints/synthfaces64/classifier
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch
import torch.nn.functional as F

from ..models.classifier import AttributeClassifier, ClassifierConfig
from ..synthfaces import render_seeds
from .augment import degrade
from .common import RunState, check_finite, held_out, warm_start


def render_set(n: int, seed: int, chunk: int = 64):
    """``n`` training faces (even seeds) rendered in chunks: images, attributes, observed masks."""
    seeds = (np.random.default_rng(seed).integers(0, 2**40, n) * 2).tolist()
    parts = [render_seeds(seeds[i : i + chunk]) for i in range(0, n, chunk)]
    return (torch.cat([p.image for p in parts]), torch.cat([p.attributes for p in parts]),
            torch.cat([p.observed for p in parts]))


def masked_loss(logits: list[torch.Tensor], attrs: torch.Tensor, observed: torch.Tensor) -> torch.Tensor:
    losses = [(F.cross_entropy(lg, attrs[:, k], reduction="none") * observed[:, k]).sum() / observed[:, k].sum()
              .clamp(min=1) for k, lg in enumerate(logits)]
    return torch.stack(losses).mean()


def share_where_seen(hit: torch.Tensor, seen: torch.Tensor) -> torch.Tensor:
    """Per attribute, the share of ``hit`` among the faces that show it: ``[A]`` (both ``[N, A]`` bool)."""
    return (hit & seen).sum(0).float() / seen.sum(0).clamp(min=1)


def agreement_per_attribute(pred: torch.Tensor, attrs: torch.Tensor, observed: torch.Tensor) -> torch.Tensor:
    """Per attribute, the share of its observed values read right: ``[A]`` (value indices ``[N, A]`` each)."""
    return share_where_seen(pred == attrs, observed)


@torch.no_grad()
def accuracy(model: AttributeClassifier, images, attrs, observed) -> torch.Tensor:
    """Per-attribute accuracy over the observed entries."""
    model.eval()
    pred = torch.cat([model.predict(images[i : i + 256])[0] for i in range(0, len(images), 256)])
    return agreement_per_attribute(pred, attrs, observed)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--run", default="runs/classifier")
    ap.add_argument("--out", default="checkpoints/synthfaces64/classifier")
    ap.add_argument("--train-size", type=int, default=40000)
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--init", default=None, help="a saved classifier to start from (fine-tuning on other faces)")
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    model = AttributeClassifier(ClassifierConfig())
    if args.init and not warm_start(model, args.init):
        raise SystemExit(f"{args.init} holds no classifier of this architecture")
    run = RunState(args.run)

    t0 = time.time()
    images, attrs, observed = render_set(args.train_size, args.seed)
    test = held_out(2000)
    run.log({"event": "data", "seconds": round(time.time() - t0, 1)})

    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-4)
    steps = args.epochs * (args.train_size // args.batch)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, args.lr, total_steps=steps)
    gen = torch.Generator().manual_seed(args.seed)
    step = 0
    for epoch in range(args.epochs):
        model.train()
        perm = torch.randperm(args.train_size, generator=gen)
        for i in range(0, args.train_size - args.batch + 1, args.batch):
            idx = perm[i : i + args.batch]
            x = degrade(images[idx], gen)
            loss = masked_loss(model(x), attrs[idx], observed[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            check_finite({"loss": loss.item()}, step)
            if step % 50 == 0:
                run.log({"step": step, "epoch": epoch, "loss": round(loss.item(), 4)})
            step += 1
        acc = accuracy(model, test.image, test.attributes, test.observed)
        run.log({"epoch": epoch, "test_acc_mean": round(acc.mean().item(), 4),
                 "test_acc_min": round(acc.min().item(), 4)})
    model.eval()
    model.save_pretrained(args.out)
    print(f"saved to {args.out}; held-out accuracy per attribute: {[round(a, 3) for a in acc.tolist()]}")


if __name__ == "__main__":
    main()
