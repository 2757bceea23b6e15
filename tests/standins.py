"""Official checkpoint containers with random weights, for tests and benchmarks that cannot download the real ones
(``bench.ffhq1024`` imports them from here: ``tests.standins``).

The key names and shapes come from the format descriptions (``../shared/compat``, or its copy ``tests/compat``).
"""

from __future__ import annotations

import json
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
# The team's format descriptions live in ../shared/compat; tests/compat is a copy so that a lone clone can test.
COMPAT = ROOT.parent / "shared" / "compat"
if not COMPAT.exists():
    COMPAT = ROOT / "tests" / "compat"

__all__ = ["COMPAT", "GENERATOR_FILE", "StandInFiles", "compat_state_dict", "official_encoder_state",
           "official_generator_state"]


def compat_state_dict(name: str, seed: int = 0) -> dict[str, torch.Tensor]:
    """Random tensors with exactly the key names and shapes listed in the compat folder's ``name``
    (../shared/compat, or its copy tests/compat)."""
    spec = json.loads((COMPAT / name).read_text())
    g = torch.Generator().manual_seed(seed)
    shapes = {**spec["params"], **spec.get("buffers", {})}
    sd = {}
    for k, shape in shapes.items():
        if k.endswith("blur.kernel"):  # FIR kernels are constants of the architecture, stored as buffers
            key = "blur_kernel_4x4_values" if "blur_kernel_4x4_values" in spec["derived"] else "blur_kernel_3x3"
            sd[k] = torch.tensor(spec["derived"][key]).expand(shape).clone()
        elif k == "synthesis.lod":
            sd[k] = torch.zeros(())
        elif k.endswith("upsample.kernel"):
            sd[k] = torch.tensor(spec["derived"]["torgb_upsample_kernel_values"])
        elif k.endswith("modulation.bias"):
            sd[k] = 1 + 0.1 * torch.randn(shape, generator=g)
        else:
            sd[k] = torch.randn(shape, generator=g) * (0.1 if len(shape) <= 1 else 1.0)
    return sd


def official_encoder_state(name: str, seed: int = 0, decoder: dict | None = None) -> dict[str, torch.Tensor]:
    """A pSp / e4e file's whole ``state_dict`` (``encoder.*`` from ``name``, ``decoder.*`` of the 1024 px generator,
    ``decoder`` if given) with random weights that give finite codes: positive running variances, convolutions at
    unit gain."""
    enc = compat_state_dict(name, seed=seed)
    enc = {k: (v.abs() + 0.5 if "running_var" in k else v / v[0].numel() ** 0.5 if v.ndim == 4 else v)
           for k, v in enc.items()}
    dec = decoder if decoder is not None else compat_state_dict("psp_stylegan2_1024_generator.json", seed=seed + 1)
    return {**{"encoder." + k: v for k, v in enc.items()}, **{"decoder." + k: v for k, v in dec.items()}}


def official_generator_state(seed: int = 0) -> dict[str, torch.Tensor]:
    """rosinality's FFHQ-1024 ``g_ema`` with random weights; the mapping weights are scaled as rosinality
    initialises them (randn / lr_mul), without which z barely reaches w."""
    g = compat_state_dict("psp_stylegan2_1024_generator.json", seed)
    return {k: v * 100 if k.startswith("style.") and k.endswith(".weight") else v for k, v in g.items()}


# The official files at full size, as released: what each holds beside its weights.
_PSP_SPECS = {  # file name -> (compat description of the encoder, opts)
    "e4e_ffhq_encode.pt": ("e4e_ffhq_encode.json",
                           {"encoder_type": "Encoder4Editing", "stylegan_size": 1024, "start_from_latent_avg": True,
                            "dataset_type": "ffhq_encode", "device": "cuda:0", "progressive_steps": [0] + [20000] * 17,
                            "w_discriminator_lambda": 0.1, "checkpoint_path": None}),
    "psp_celebs_sketch_to_face.pt": ("psp_encoder_sketch.json", {"encoder_type": "GradualStyleEncoder", "input_nc": 1,
                                                                 "start_from_latent_avg": True}),
    "psp_ffhq_encode.pt": ("psp_encoder_sketch.json",  # the same encoder reading RGB
                           {"encoder_type": "GradualStyleEncoder", "input_nc": 3, "start_from_latent_avg": True}),
    "psp_celebs_seg_to_face.pt": ("psp_encoder_label.json",
                                  {"encoder_type": "GradualStyleEncoder", "input_nc": 19, "label_nc": 19,
                                   "start_from_latent_avg": True}),
}
GENERATOR_FILE = "stylegan2-ffhq-config-f.pt"
GENERATOR_SEED = 4


class StandInFiles:
    """The full-size official files (rosinality's FFHQ-1024 generator, e4e, pSp encode / sketch / label) with random
    weights, each written once into ``root`` when first asked for; ``close`` deletes them. The slow tier shares one
    instance per test run (``conftest.standins``), so each ~1.2 GB file exists once, and only for the run.

    Every pSp / e4e file carries the same decoder as the generator file, as the released files do."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self._decoder: dict[str, torch.Tensor] | None = None

    def decoder_state(self) -> dict[str, torch.Tensor]:
        """rosinality's ``g_ema`` of every file here (``official_generator_state(GENERATOR_SEED)``), made once."""
        if self._decoder is None:
            self._decoder = official_generator_state(GENERATOR_SEED)
        return self._decoder

    def path(self, name: str) -> Path:
        """The file ``name`` (``GENERATOR_FILE`` or a key of ``_PSP_SPECS``), written on first use."""
        out = self.root / name
        if out.exists():
            return out
        g = torch.Generator().manual_seed(sum(map(ord, name)))
        if name == GENERATOR_FILE:
            payload = {"g_ema": self.decoder_state(), "latent_avg": torch.randn(512, generator=g) * 0.1}
        elif name in _PSP_SPECS:
            spec, opts = _PSP_SPECS[name]
            encoder = official_encoder_state(spec, seed=len(name), decoder=self.decoder_state())
            if opts.get("input_nc") == 3:
                encoder["encoder.input_layer.0.weight"] = torch.randn(64, 3, 3, 3, generator=g) / 27 ** 0.5
            payload = {"state_dict": encoder, "opts": dict(opts),
                       "latent_avg": (torch.randn(1, 512, generator=g) * 0.1).repeat(18, 1)}
            if name.startswith("e4e"):  # the extra top-level entries e4e's training files carry
                payload.update(global_step=300000, best_val_loss=0.1,
                               optimizer={"state": {}, "param_groups": [{"lr": 1e-4}]})
        else:
            raise KeyError(f"no stand-in for {name}")
        partial = out.with_suffix(".partial")
        torch.save(payload, partial)
        partial.rename(out)
        return out

    def load(self, name: str) -> dict:
        """The container of ``name`` as saved (tensors only: read with ``weights_only=True``)."""
        return torch.load(self.path(name), map_location="cpu", weights_only=True)

    def close(self) -> None:
        import shutil

        shutil.rmtree(self.root, ignore_errors=True)
        self._decoder = None
