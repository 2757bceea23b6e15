"""Command line: ``python -m tedigan_demo <command> ...``; each command prints a one-line JSON summary.

Errors (bad input, missing weights, ...) exit with status 2 and a single line on stderr.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch

from .codes import CodesError, read_codes
from .errors import InputError, user_message
from .imaging import save_images
from .loading import load_generator
from .models.stylegan2 import NOISE_MODES
from .pipeline.results import MAX_TEXT_CHARS, check_text
from .zoo import DEFAULT_FAMILY

__all__ = ["main", "CLIError"]


class CLIError(InputError):
    """Bad input given on the command line."""


def pick_device(name: str | None) -> torch.device:
    """``cuda`` when asked for (or by default when present), else ``cpu``."""
    if name == "cuda" and not torch.cuda.is_available():
        raise CLIError("--device cuda was asked for but CUDA is not available on this machine")
    return torch.device(name or ("cuda" if torch.cuda.is_available() else "cpu"))


def read_latent(path: str, num_layers: int, w_dim: int) -> torch.Tensor:
    """Read W+ codes from ``.npy`` (``[N, L, D]`` or ``[L, D]``) and check them against the generator."""
    if not Path(path).is_file():
        raise CLIError(f"latent file not found: {path}")
    try:
        return torch.from_numpy(read_codes(path, num_layers, w_dim))
    except CodesError as e:
        raise CLIError(str(e)) from None


def cmd_synthesize(args) -> dict:
    device = pick_device(args.device)
    G = load_generator(args.generator, device)
    wp = read_latent(args.latent, G.num_layers, G.w_dim).to(device)
    with torch.inference_mode():
        images = G.synthesize(wp, args.noise, torch.Generator().manual_seed(args.seed))
    out = Path(args.out)
    if out.suffix == ".npy":
        out.parent.mkdir(parents=True, exist_ok=True)
        np.save(out, images.float().cpu().numpy())
        files = [str(out)]
    else:
        files = save_images(images, out)
    return {"command": "synthesize", "n": wp.shape[0], "shape": list(images.shape), "noise": args.noise,
            "device": str(device), "files": files}


def cmd_sample(args) -> dict:
    device = pick_device(args.device)
    G = load_generator(args.generator, device)
    with torch.inference_mode():
        z = G.sample_z(args.n, torch.Generator().manual_seed(args.seed))
        wp = G.map_to_wp(z)
        if args.truncation != 1.0:
            wp = G.truncate(wp, args.truncation)
        images = G.synthesize(wp, args.noise, torch.Generator().manual_seed(args.seed))
    files = save_images(images, args.out)
    if args.save_latent:
        np.save(args.save_latent, wp.cpu().numpy())
        files.append(args.save_latent)
    return {"command": "sample", "seed": args.seed, "truncation": args.truncation, "n": args.n,
            "resolution": G.resolution, "device": str(device), "files": files}


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, exit 2 (argparse prints the whole usage by default)
        self.exit(2, f"error: {message} (see {self.prog} --help)\n")


# ---- the TediGAN tasks (a model family: generator, encoder, text mapper, guidance, classifier) ----------------


def _pipeline(args):
    from .pipeline import TediGANPipeline

    return TediGANPipeline.from_family(args.family, pick_device(args.device))


def _save_all(images: torch.Tensor, out_dir: str, stem: str) -> list[str]:
    return save_images(images, Path(out_dir) / f"{stem}.png")


def cmd_generate(args) -> dict:
    check_text(args.text)  # before loading any model
    pipe = _pipeline(args)
    out = pipe.generate(args.text, n=args.n, seed=args.seed, truncation=args.truncation, steps=args.steps)
    files = _save_all(out.images, args.out, "generated")
    np.save(Path(args.out) / "generated_wp.npy", out.wp.cpu().numpy())
    return {"command": "generate", "text": args.text, "n": args.n, "seed": args.seed, "named": out.named,
            "governed_layers": out.governed, "files": files + [str(Path(args.out) / "generated_wp.npy")]}


def cmd_invert(args) -> dict:
    pipe = _pipeline(args)
    inv = pipe.invert(args.image, steps=args.steps, align=False if args.no_align else "auto")
    files = _save_all(torch.cat([inv.target, inv.image]), args.out, "inversion")
    np.save(Path(args.out) / "wp.npy", inv.wp.cpu().numpy())
    cartoon = {"your_cartoon": pipe.vocab.describe(inv.photo_values), "read_from_photo": inv.photo_values} \
        if inv.photo_values else {}  # a photo of a person drawn as a face of the domain
    return {"command": "invert", "psnr_db": round(inv.psnr, 2), "steps": inv.steps, "losses": inv.losses,
            **cartoon, "files": files + [str(Path(args.out) / "wp.npy")]}


def cmd_edit(args) -> dict:
    pipe = _pipeline(args)
    if args.latent:
        content = read_latent(args.latent, pipe.G.num_layers, pipe.G.w_dim).to(pipe.device)
    elif args.image:
        content = pipe.invert(args.image, steps=args.invert_steps,
                              align=False if args.no_align else "auto").wp
    else:
        raise CLIError("edit needs --image PATH or --latent codes.npy")
    strengths = {g: v for g, v in (("coarse", args.coarse), ("middle", args.middle), ("fine", args.fine))
                 if v is not None}
    out = pipe.edit(content, args.text, strengths or None, steps=args.steps)
    files = _save_all(torch.cat([pipe.render(content), out.image]), args.out, "edit")
    files += [p for g, img in out.per_group.items() for p in _save_all(img, args.out, f"edit_{g}_only")]
    np.save(Path(args.out) / "edited_wp.npy", out.wp.cpu().numpy())
    return {"command": "edit", "text": args.text, "strengths": out.strengths,
            "files": files + [str(Path(args.out) / "edited_wp.npy")]}


def cmd_interpolate(args) -> dict:
    pipe = _pipeline(args)
    _, frames = pipe.interpolate(args.text_a, args.text_b, steps=args.steps, seed=args.seed)
    return {"command": "interpolate", "steps": args.steps, "files": _save_all(frames, args.out, "interpolation")}


def cmd_describe(args) -> dict:
    pipe = _pipeline(args)
    d = pipe.describe(args.image, text=args.text, align=False if args.no_align else "auto")
    return {"command": "describe", "caption": d.caption, "attributes": d.attributes, "score": d.score,
            "rank": d.rank, "num_candidates": d.num_candidates}


def cmd_read(args) -> dict:
    """What a vocabulary's reader reads in a text (no family loaded, no image made)."""
    from .loading import load_text_reader
    from .vocabulary import for_vocabulary

    vocab = for_vocabulary(args.vocabulary)
    vocab.attach(load_text_reader(vocab))
    reading = vocab.read(check_text(args.text))
    return {"command": "read", "vocabulary": vocab.name, **reading.to_dict()}


def cmd_sketch(args) -> dict:
    pipe = _pipeline(args)
    out = pipe.from_sketch(args.sketch, text=args.text, n=args.n, seed=args.seed)
    return {"command": "sketch", "n": args.n, "named": out.named, "files": _save_all(out.images, args.out, "sketch")}


def cmd_label(args) -> dict:
    pipe = _pipeline(args)
    out = pipe.from_label(args.label, text=args.text, n=args.n, seed=args.seed, index_space=args.index_space)
    return {"command": "label", "n": args.n, "named": out.named, "files": _save_all(out.images, args.out, "label")}


def cmd_encode(args) -> dict:
    from .encoding import encode

    out = Path(args.out)
    if out.suffix != ".npy":
        raise CLIError(f"--out must end in .npy, not {out.name!r}")
    codes = encode(args.encoder, args.input, args.kind, align=not args.no_align, device=pick_device(args.device))
    out.parent.mkdir(parents=True, exist_ok=True)
    np.save(out, codes)
    return {"command": "encode", "encoder": args.encoder, "kind": args.kind, "shape": list(codes.shape),
            "out": str(out)}


def cmd_convert(args) -> dict:
    from .loading import convert_official

    parts = convert_official(args.src, args.out, torch.float16 if args.fp16 else torch.float32, args.clip)
    return {"command": "convert", "out": args.out, "parts": parts,
            "next": f"python -m tedigan_demo generate --family {args.out} ... (or upload the folder to the Hub)"}


def cmd_export_onnx(args) -> dict:
    from .export.onnx import INPUTS, OUTPUT, write_slider

    G = load_generator(args.family)
    out = write_slider(G, args.out)
    return {"command": "export-onnx", "out": str(out), "bytes": out.stat().st_size, "inputs": list(INPUTS),
            "output": OUTPUT, "shape": [1, G.num_layers, G.w_dim], "resolution": G.resolution}


def _generator_options(p: argparse.ArgumentParser) -> None:
    """The options of the commands that run a generator alone: which, where, and its noise."""
    p.add_argument("--generator", default=DEFAULT_FAMILY,
                   help="zoo name, local file/folder, or hf://owner/repo/file[@revision]")
    p.add_argument("--device", choices=["cpu", "cuda"], default=None)
    p.add_argument("--noise", choices=NOISE_MODES, default="const", help="per-layer noise")


def _family_options(p: argparse.ArgumentParser) -> None:
    """The options of the commands that run a model family: which, where, and the seed."""
    p.add_argument("--family", default=DEFAULT_FAMILY, help="zoo name or family folder")
    p.add_argument("--device", choices=["cpu", "cuda"], default=None)
    p.add_argument("--seed", type=int, default=0)


def _add_generator_commands(sub) -> None:
    """``synthesize`` and ``sample`` on ``sub`` (a generator alone, no family)."""
    p = sub.add_parser("synthesize", help="render W+ codes from a .npy file")
    _generator_options(p)
    p.add_argument("--latent", required=True, help=".npy of [N, L, D] or [L, D]")
    p.add_argument("--out", required=True, help="out.png (images) or out.npy (raw [N, 3, H, W] in [-1, 1])")
    p.add_argument("--seed", type=int, default=0, help="seed of the random noise mode")
    p.set_defaults(func=cmd_synthesize)

    p = sub.add_parser("sample", help="sample random faces")
    _generator_options(p)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--n", type=int, default=1)
    p.add_argument("--truncation", type=float, default=1.0, help="psi: 1 = none, 0 = the mean face")
    p.add_argument("--out", required=True)
    p.add_argument("--save-latent", default=None, help="also write the W+ codes to this .npy")
    p.set_defaults(func=cmd_sample)


def _add_text_commands(sub) -> None:
    """``generate`` on ``sub``: a family's faces from a description."""
    p = sub.add_parser("generate", help="text -> diverse faces")
    _family_options(p)
    p.add_argument("--text", required=True)
    p.add_argument("--n", type=int, default=4)
    p.add_argument("--truncation", type=float, default=0.8)
    p.add_argument("--steps", type=int, default=None, help="guided optimisation steps toward the text (default: "
                   "the family's, 50 on families without a text encoder into W+ such as ffhq-256; 0: none)")
    p.add_argument("--out", required=True, help="output folder")
    p.set_defaults(func=cmd_generate)


def _add_image_commands(sub) -> None:
    """``invert`` and ``edit`` on ``sub``: a photo or W+ codes, edited by a description."""
    p = sub.add_parser("invert", help="image -> W+ codes (encoder + optimisation)")
    _family_options(p)
    p.add_argument("--image", required=True)
    p.add_argument("--no-align", action="store_true", help="the image is already an aligned face crop")
    p.add_argument("--steps", type=int, default=100)
    p.add_argument("--out", required=True, help="output folder")
    p.set_defaults(func=cmd_invert)

    p = sub.add_parser("edit", help="edit an image or W+ codes with a description")
    _family_options(p)
    p.add_argument("--text", required=True)
    p.add_argument("--image", default=None)
    p.add_argument("--no-align", action="store_true", help="the image is already an aligned face crop")
    p.add_argument("--latent", default=None, help="W+ codes from invert (.npy)")
    p.add_argument("--coarse", type=float, default=None, help="strength of the edit in the coarse layers (0 to 2; "
                   "above 1 exaggerates it)")
    p.add_argument("--middle", type=float, default=None)
    p.add_argument("--fine", type=float, default=None)
    p.add_argument("--steps", type=int, default=None, help="optimisation steps toward the text (default: the "
                   "family's, 50 on families without a text encoder into W+; 0: none)")
    p.add_argument("--invert-steps", type=int, default=100)
    p.add_argument("--out", required=True, help="output folder")
    p.set_defaults(func=cmd_edit)


def _add_other_family_commands(sub) -> None:
    """``interpolate``, ``sketch``, ``label`` and ``describe`` on ``sub``: the family's other tasks."""
    p = sub.add_parser("interpolate", help="faces along the way between two descriptions")
    _family_options(p)
    p.add_argument("--text-a", required=True)
    p.add_argument("--text-b", required=True)
    p.add_argument("--steps", type=int, default=8)
    p.add_argument("--out", required=True, help="output folder")
    p.set_defaults(func=cmd_interpolate)

    p = sub.add_parser("sketch", help="sketch (+ optional text) -> diverse faces")
    _family_options(p)
    p.add_argument("--sketch", required=True, help="dark strokes on a light background, any size")
    p.add_argument("--text", default=None)
    p.add_argument("--n", type=int, default=4)
    p.add_argument("--out", required=True, help="output folder")
    p.set_defaults(func=cmd_sketch)

    p = sub.add_parser("label", help="label map (+ optional text) -> diverse faces")
    _family_options(p)
    p.add_argument("--label", required=True, help="colour label map (domain or CelebAMask-HQ palette) or indices")
    p.add_argument("--index-space", choices=["domain", "celebamask"], default="domain",
                   help="meaning of the values of a single-channel index image")
    p.add_argument("--text", default=None)
    p.add_argument("--n", type=int, default=4)
    p.add_argument("--out", required=True, help="output folder")
    p.set_defaults(func=cmd_label)

    p = sub.add_parser("describe", help="describe a face in words; score a text against it")
    _family_options(p)
    p.add_argument("--image", required=True)
    p.add_argument("--no-align", action="store_true", help="the image is already an aligned face crop")
    p.add_argument("--text", default=None)
    p.set_defaults(func=cmd_describe)


def _add_file_commands(sub) -> None:
    """``read``, ``encode``, ``convert`` and ``export-onnx`` on ``sub``: what needs no loaded family (a reader, an
    encoder, checkpoint files)."""
    p = sub.add_parser("read", help="what a description says: the values it asks for and rules out, and the words "
                       "not understood (one JSON line)")
    p.add_argument("--text", required=True, help=f"the description (at most {MAX_TEXT_CHARS} characters)")
    p.add_argument("--vocabulary", choices=["synthfaces", "realface"], default="synthfaces",
                   help="synthfaces: the embedded family's; realface: the FFHQ families'")
    p.set_defaults(func=cmd_read)

    p = sub.add_parser("encode", help="an encoder's W+ codes for one image, sketch or label map, as its official "
                       "forward computes them")
    p.add_argument("--encoder", required=True, help="official pSp / e4e / IDInvert file, project folder, "
                   "hf://owner/repo/file[@revision], or a zoo part such as ffhq-1024:encoder")
    p.add_argument("--input", required=True, help="image file (the encoder's official transform is applied) or .npy "
                   "float32 [1, C, H, W] already in the encoder's input form")
    p.add_argument("--kind", choices=["image", "sketch", "label"], default="image")
    p.add_argument("--no-align", action="store_true", help="the photo is already an aligned face crop")
    p.add_argument("--device", choices=["cpu", "cuda"], default=None)
    p.add_argument("--out", required=True, help="codes.npy: float32 [1, L, D]")
    p.set_defaults(func=cmd_encode)

    p = sub.add_parser("convert", help="official checkpoint files -> a safetensors family folder")
    p.add_argument("src", help="folder holding official files under their published names "
                               "(styleganinv_ffhq256_*.pth, vgg16.pth, stylegan2-ffhq-config-f.pt, psp_*.pt)")
    p.add_argument("out", help="output family folder")
    p.add_argument("--fp16", action="store_true", help="store half-precision weights (half the size)")
    p.add_argument("--clip", default="openai/clip-vit-base-patch32", help="CLIP for text guidance (Hub id or folder)")
    p.set_defaults(func=cmd_convert)

    p = sub.add_parser("export-onnx", help="a StyleGAN2 family's slider render (mix + synthesis) as one ONNX graph")
    p.add_argument("--family", default=DEFAULT_FAMILY, help="zoo name or family folder")
    p.add_argument("--out", required=True, help="FILE.onnx")
    p.set_defaults(func=cmd_export_onnx)


def build_parser() -> argparse.ArgumentParser:
    """The command line's parser: one subcommand per task, each with its ``func`` (``cmd_*``) as a default."""
    ap = _Parser(prog="python -m tedigan_demo", description="TediGAN Demo command line")
    sub = ap.add_subparsers(dest="command", required=True)
    _add_generator_commands(sub)
    _add_text_commands(sub)
    _add_image_commands(sub)
    _add_other_family_commands(sub)
    _add_file_commands(sub)
    return ap


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        t0 = time.perf_counter()
        summary = args.func(args)
    except Exception as e:
        message = user_message(e)
        if message is None:
            raise
        print(f"error: {message}", file=sys.stderr)
        return 2
    summary["seconds"] = round(time.perf_counter() - t0, 3)
    print(json.dumps(summary))
    return 0


def run() -> None:
    """The ``tedigan`` console script."""
    sys.exit(main())
