"""Shared plumbing of the training scripts: resumable state, JSON-lines logs, NaN guard, data."""

from __future__ import annotations

import itertools
import json
import math
import time
from pathlib import Path

import numpy as np
import torch

from ..models.parameter_mapping import maps_through_parameters
from ..synthfaces import FaceBatch, render_seeds

__all__ = ["exact_wp", "RunState", "face_stream", "render_step", "image_stream", "check_finite", "held_out",
           "on_terminate", "setup", "frozen_parts", "training_device"]


class NonFiniteLoss(RuntimeError):
    pass


def check_finite(losses: dict[str, float], step: int) -> None:
    """Stop training the moment any logged term is NaN or inf (a silent NaN R1 once let D win)."""
    bad = [k for k, v in losses.items() if not math.isfinite(v)]
    if bad:
        raise NonFiniteLoss(f"step {step}: non-finite loss terms {bad}: {losses}")


def render_step(batch: int, seed: int, resolution: int, step: int, train: bool = True) -> FaceBatch:
    """The faces of one training step: a function of (seed, step) alone. Training seeds are even, evaluation seeds
    odd (disjoint sets)."""
    seeds = np.random.default_rng([seed, step]).integers(0, 2**40, batch) * 2 + (0 if train else 1)
    return render_seeds(seeds.tolist(), resolution)


def face_stream(batch: int, seed: int, resolution: int = 64, start: int = 0, train: bool = True):
    """Endless ``(step, faces)`` of freshly rendered faces (``render_step``)."""
    for step in itertools.count(start):
        yield step, render_step(batch, seed, resolution, step, train)


class _ImageStream(torch.utils.data.IterableDataset):
    """The images of ``face_stream``, rendered by DataLoader workers: worker ``k`` of ``n`` renders the steps
    ``start + k, start + k + n, ...`` and the loader takes them round-robin, so batches come in step order and
    are the same faces as with no workers."""

    def __init__(self, batch: int, seed: int, resolution: int, start: int):
        super().__init__()
        self.batch, self.seed, self.resolution, self.start = batch, seed, resolution, start

    def __iter__(self):
        info = torch.utils.data.get_worker_info()
        k, n = (info.id, info.num_workers) if info is not None else (0, 1)
        torch.set_num_threads(1)
        for step in itertools.count(self.start + k, n):
            yield step, render_step(self.batch, self.seed, self.resolution, step).image


def image_stream(batch: int, seed: int, resolution: int = 64, start: int = 0, workers: int = 0,
                 device: str | torch.device = "cpu"):
    """Endless ``(step, images)`` of ``face_stream``, rendered by ``workers`` processes (0: in this one) and
    moved to ``device``."""
    if workers == 0:
        for step, faces in face_stream(batch, seed, resolution, start=start):
            yield step, faces.image.to(device)
        return
    loader = torch.utils.data.DataLoader(_ImageStream(batch, seed, resolution, start), batch_size=None,
                                         num_workers=workers, prefetch_factor=4,
                                         pin_memory=torch.device(device).type == "cuda")
    for step, images in loader:
        yield step, images.to(device, non_blocking=True)


def exact_wp(G, faces: FaceBatch) -> torch.Tensor | None:
    """The W+ code ``[N, num_layers, w_dim]`` that a generator with the parameter mapping
    (``models.parameter_mapping``) gives the rendered faces' own parameters, on ``G``'s device; None for a
    generator with another mapping or faces rendered without their nuisance vectors."""
    if not maps_through_parameters(G) or faces.nuisance is None:
        return None
    with torch.no_grad():
        return G.broadcast(G.style.forward_params(faces.attributes, faces.nuisance).float())


def training_device(name: str | None = None) -> torch.device:
    """``name`` if given, else CUDA when present, else the CPU; on CUDA, TF32 matmuls and cuDNN autotuning."""
    device = torch.device(name or ("cuda" if torch.cuda.is_available() else "cpu"))
    if device.type == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = True
        torch.backends.cudnn.benchmark = True
    return device


def held_out(n: int, resolution: int = 64, seed: int = 12345) -> FaceBatch:
    """A fixed set of evaluation faces (odd seeds: never seen in training)."""
    seeds = (np.random.default_rng(seed).integers(0, 2**40, n) * 2 + 1).tolist()
    return render_seeds(seeds, resolution)


def setup(args) -> None:
    """Threads and seed of a training run (``args.threads``, ``args.seed``)."""
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)


def frozen_parts(family: str | Path, *parts: str) -> list[torch.nn.Module]:
    """Load parts of a family folder (``generator``, ``encoder``, ``classifier``...) in fp32, frozen."""
    from ..loading import load_generator, load_module

    family = Path(family)
    return [(load_generator(family / p) if p == "generator" else load_module(family / p)).float()
            .requires_grad_(False) for p in parts]


def on_terminate(callback) -> None:
    """Run ``callback`` (save a snapshot) when the process gets SIGTERM or SIGINT, then exit."""
    import signal
    import sys

    def handler(signum, frame):
        callback()
        sys.exit(0)

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)


def warm_start(module: torch.nn.Module, folder: str | Path) -> bool:
    """Start ``module`` from a shipped part's weights (``folder`` with config.json + model.safetensors) when they
    fit it: a generator trained further keeps its latent space, so its encoders fine-tune faster than they learn
    anew. Returns whether it did."""
    from ..models.base import load_state_strict, read_pretrained

    try:
        _, state = read_pretrained(folder)
        load_state_strict(module, state)
    except (OSError, ValueError):  # missing, or another architecture (StateDictMismatch is a ValueError)
        return False
    return True


class RunState:
    """A run folder: ``state.pt`` (resumable, tensors only: loaded with weights_only=True) and ``log.jsonl``;
    the run's time budget and snapshot interval."""

    def __init__(self, folder: str | Path, minutes: float = float("inf"), save_minutes: float = 4.0,
                 log_every: int = 20):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.path = self.folder / "state.pt"
        self.log_path = self.folder / "log.jsonl"
        self.last_save = self.started = time.time()
        self.t_end = self.started + minutes * 60
        self.save_minutes, self.log_every = save_minutes, log_every
        self.counters: dict[str, int] = {}
        self.logged = False  # this invocation has written a log line

    def end_step(self, step: int, losses: dict[str, float], snapshot, **extra) -> bool:
        """After a training step: stop on NaN, log every ``log_every`` steps and the first of each invocation,
        snapshot when due (``snapshot`` gets the step to resume from). Returns True when the time budget is spent
        (the snapshot is then taken)."""
        check_finite(losses, step)
        if step % self.log_every == 0 or not self.logged:
            self.logged = True
            self.log({"step": step, **{k: round(v, 5) for k, v in losses.items()}, **extra})
        out_of_time = time.time() > self.t_end
        if out_of_time or self.due(self.save_minutes):
            snapshot(step + 1)
        return out_of_time

    def resume(self, **parts) -> int | None:
        """Load each part (module or optimizer) from ``state.pt`` under its name; the step to continue from, or
        None when the run has no state yet. Optimizers keep the learning rate they were built with: a resumed run
        may lower it (``--lr``) and keep its moment estimates."""
        state = self.load()
        if state is None:
            return None
        for name, part in parts.items():
            lrs = [g["lr"] for g in getattr(part, "param_groups", [])]  # optimizers only
            part.load_state_dict(state[name])
            for group, lr in zip(getattr(part, "param_groups", []), lrs):
                group["lr"] = lr
        self.counters = {k: int(v) for k, v in state.items()
                         if k not in parts and k != "step" and isinstance(v, torch.Tensor) and v.numel() == 1}
        return int(state["step"])

    def save_parts(self, next_step: int, counters: dict[str, int] | None = None, **parts) -> None:
        """Save each part's state dict under its name, with the step to resume from and integer ``counters``
        (``self.counters`` after ``resume``)."""
        self.save({**{name: part.state_dict() for name, part in parts.items()}, "step": torch.tensor(next_step),
                   **{k: torch.tensor(v) for k, v in (counters or {}).items()}})

    def load(self) -> dict | None:
        return torch.load(self.path, map_location="cpu", weights_only=True) if self.path.exists() else None

    def save(self, state: dict) -> None:
        tmp = self.path.with_suffix(".tmp")
        torch.save(state, tmp)
        tmp.replace(self.path)
        self.last_save = time.time()

    def due(self, minutes: float) -> bool:
        return time.time() - self.last_save > minutes * 60

    def log(self, record: dict) -> None:
        with self.log_path.open("a") as f:
            f.write(json.dumps(record) + "\n")
