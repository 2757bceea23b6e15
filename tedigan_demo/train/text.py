"""Train the text side of the embedded family (TediGAN §3.2, visual-linguistic similarity):

* the image-text encoder: a CNN trained with a symmetric contrastive (InfoNCE) loss against frozen MiniLM
  sentence embeddings of the faces' captions (the family's text-image similarity). Part of each batch is shown as
  the generator's reconstruction ``G(E(x))``, since it scores generated faces in the app;
* the text mapper: MiniLM embedding -> W+, regressed onto the codes of the generator's own faces (random ``w``, its
  face ``G(w)``, a caption of what the classifier reads confidently where the face shows it): it learns
  ``E[w | caption]``. With the parameter mapping (``models.parameter_mapping``) a code's parameters are known, and
  its caption names them exactly (where the face shows them). No gradient goes through the generator or the
  classifier, which would let it find codes that fool the classifier;
* a statement term (``--w-statements``): for every attribute of every face in the contrastive batch, a softmax
  over the statements of its values ("This person is smiling." / "This person is not smiling.") against the value
  the face shows, so that small attributes are read too;
* hard negatives (``--hard-negatives``): each face's caption with one named value changed joins the contrastive
  batch as a false caption.

Why each term is there, with the figures: ``docs/decisions.md``, "The text side's training terms".
Captions use the training wordings only; the held-out wordings are for evaluation.

    nice -n 10 python -m tedigan_demo.train.text --family checkpoints/synthfaces64 --minutes 20
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from ..loading import load_sentence_encoder
from ..models.text import ImageTextConfig, ImageTextEncoder, TextMapper, TextMapperConfig
from ..synthfaces import ATTRIBUTES, attribute, observable_mask, sure_and_shown
from ..synthfaces.captions import caption, statements, values_of
from ..synthfaces.latent import params as code_params
from .augment import degrade
from .common import RunState, face_stream, frozen_parts, on_terminate, setup, training_device, warm_start


def caption_batch(attributes: torch.Tensor, observed: torch.Tensor, rng: np.random.Generator,
                  split: str = "train", short_share: float = 0.0, hard_negatives: list | None = None) -> list[str]:
    """One caption per face ``[N, num_attributes]`` (value indices), naming only its ``observed`` attributes; a
    ``short_share`` of them name one or two attributes only (edit prompts and statements are that short).

    With a list as ``hard_negatives``, one false caption per face is appended to it: the attributes its caption
    names, one of them with another value ("... and is smiling." -> "... and is not smiling.")."""
    texts = []
    for values, seen_row in zip(attributes, observed):
        shown = {name: value for (name, value), seen in zip(values_of(values.tolist()).items(), seen_row) if seen}
        k = int(rng.integers(1, 3)) if short_share and rng.random() < short_share else None
        text, named = caption(shown, rng, split, k=k)
        texts.append(text)
        if hard_negatives is not None:
            hard_negatives.append(false_caption(named, rng, split))
    return texts


def false_caption(named: dict[str, str], rng: np.random.Generator, split: str = "train") -> str:
    """A caption naming the attributes of ``named`` with exactly one of them given another value."""
    name = list(named)[int(rng.integers(len(named)))]
    values = [v for v in attribute(name).values if v != named[name]]
    wrong = {**named, name: values[int(rng.integers(len(values)))]}
    if wrong.get("hair_style") == "bald":
        wrong.pop("hair_color", None)  # said with the hair style, which a bald head lacks
    return caption(wrong, rng, split, k=len(wrong), include=tuple(wrong))[0]


class StatementBank:
    """The sentence embeddings of every training-wording statement of every attribute value, computed once."""

    def __init__(self, text_encoder, device):
        self.banks = []  # per attribute: [values, wordings, D] and the number of wordings of each value
        for a in ATTRIBUTES:
            texts = [statements(a.name, v) for v in a.values]
            width = max(map(len, texts))
            padded = [t + t[:1] * (width - len(t)) for t in texts]
            emb = text_encoder([x for t in padded for x in t]).view(len(texts), width, -1).to(device)
            self.banks.append((emb, torch.tensor([len(t) for t in texts], device=device)))

    def loss(self, img_emb: torch.Tensor, scale: torch.Tensor, labels: torch.Tensor, valid: torch.Tensor,
             gen: torch.Generator) -> torch.Tensor:
        """Mean cross-entropy over the valid (face, attribute) pairs of ``labels`` ``[N, A]`` (value indices), each
        value stated in one random wording."""
        terms = []
        for k, (emb, counts) in enumerate(self.banks):
            pick = (torch.rand(len(counts), generator=gen).to(counts.device) * counts).long()
            options = emb[torch.arange(len(counts), device=emb.device), pick]  # [V, D]
            ce = F.cross_entropy(scale * img_emb @ options.t(), labels[:, k], reduction="none")
            terms.append(ce[valid[:, k]])
        return torch.cat(terms).mean()


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--family", default="checkpoints/synthfaces64")
    ap.add_argument("--run", default="runs/text")
    ap.add_argument("--minutes", type=float, default=20.0)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--confident", type=float, default=0.9,
                    help="a generated face's attribute is captioned when the classifier reads it this surely")
    ap.add_argument("--generated-share", type=float, default=0.5,
                    help="share of the contrastive batch shown as the generator's reconstruction G(E(x)) of the face")
    ap.add_argument("--short-share", type=float, default=0.3,
                    help="share of the mapper's captions that name one or two attributes: it then learns E[w | one "
                         "attribute], from which an edit's offset is measured (MapperTextCodes.reference_code)")
    ap.add_argument("--w-statements", type=float, default=3.0,
                    help="weight of the statement term: every attribute of every face against its values' statements "
                         "(0: off; needs <family>/loss_classifier)")
    ap.add_argument("--hard-negatives", action=argparse.BooleanOptionalAction, default=True,
                    help="each face's caption with one named value changed joins the contrastive batch as a false "
                         "caption that every image is scored against")
    ap.add_argument("--parts", default="mapper,image_text",
                    help="comma-separated parts that train (the others stay as they are and their terms are skipped)")
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
    G, E, C = (m.to(device) for m in frozen_parts(family, "generator", "encoder", "classifier"))
    parts_trained = set(args.parts.split(","))
    if not parts_trained or not parts_trained <= {"mapper", "image_text"}:
        ap.error(f"--parts: a comma-separated subset of mapper,image_text, not {args.parts!r}")
    if args.w_statements > 0 and "image_text" in parts_trained:
        critic = frozen_parts(family, "loss_classifier")[0].to(device)  # labels the reconstructions
    text_encoder = load_sentence_encoder().to(device)
    mapper = TextMapper(TextMapperConfig(text_dim=text_encoder.dim, num_layers=G.num_layers, w_dim=G.w_dim))
    image_text = ImageTextEncoder(ImageTextConfig(embed_dim=text_encoder.dim))
    mapper, image_text = mapper.to(device), image_text.to(device)
    params = [p for name, m in (("mapper", mapper), ("image_text", image_text)) if name in parts_trained
              for p in m.parameters()]
    opt = torch.optim.Adam(params, lr=args.lr)
    run = RunState(args.run, args.minutes, args.save_minutes)
    parts = {"mapper": mapper, "image_text": image_text, "opt": opt}
    step = run.resume(**parts)
    if step is None:
        step = 0
        # with --warm-start, each part that fits the shipped one's shape starts from it; a part that does not
        # train is the shipped one
        if args.warm_start or "image_text" not in parts_trained:
            warm_start(image_text, family / "image_text")
        warm = args.warm_start or "mapper" not in parts_trained
        if not (warm and warm_start(mapper, family / "text_mapper")) or args.recentre:
            with torch.no_grad():
                mapper.w_avg.copy_(G.mean_w().view(1, 1, -1))

    def snapshot(next_step: int):
        run.save_parts(next_step, **parts)
        if "mapper" in parts_trained:
            mapper.save_pretrained(family / "text_mapper")
        if "image_text" in parts_trained:
            image_text.save_pretrained(family / "image_text")

    on_terminate(lambda: snapshot(step))  # a kill saves the last steps
    bank = StatementBank(text_encoder, device) if args.w_statements > 0 and "image_text" in parts_trained else None
    gen = torch.Generator().manual_seed(args.seed)
    start = step
    for step, faces in face_stream(args.batch, args.seed + 2, G.resolution, start=start):  # noqa: B020
        rng = np.random.default_rng([args.seed, step])
        logs, loss = {}, 0.0
        if "image_text" in parts_trained:
            negatives = [] if args.hard_negatives else None
            texts = caption_batch(faces.attributes, faces.observed, rng, hard_negatives=negatives)
            t = text_encoder(texts + (negatives or []))
            labels, valid = faces.attributes.clone().to(device), faces.observed.to(device).bool()
            with torch.no_grad():  # random draws on the CPU, whose generator seeds them
                shown = degrade(faces.image, gen, p=0.5).to(device)
                if args.generated_share > 0:  # the similarity scores generated faces in the app: learn their look too
                    as_generated = (torch.rand(len(texts), generator=gen) < args.generated_share).to(device)
                    shown[as_generated] = G.synthesize(E(faces.image.to(device)[as_generated]), "const")
                    if bank is not None:  # a reconstruction shows what the loss classifier reads in it surely
                        read, conf = critic.predict(shown[as_generated])
                        labels[as_generated], valid[as_generated] = read, sure_and_shown(read, conf, args.confident)
            # contrastive image-text
            img_emb = image_text(shown)
            scale = image_text.logit_scale.exp().clamp(max=100)
            logits = scale * img_emb @ t.t()  # [N, N + hard negatives]
            targets = torch.arange(len(texts), device=device)
            loss_clip = (F.cross_entropy(logits, targets) + F.cross_entropy(logits[:, : len(texts)].t(), targets)) / 2
            loss = loss + loss_clip
            logs["clip"] = loss_clip.item()
            logs["batch_retrieval_acc"] = round((logits.argmax(1) == targets).float().mean().item(), 3)
            if bank is not None:
                loss_statements = bank.loss(img_emb, scale, labels, valid, gen)
                loss = loss + args.w_statements * loss_statements
                logs["statements"] = loss_statements.item()
        if "mapper" in parts_trained:
            # text -> W+: captions of the generator's own faces, as the classifier reads them
            z = torch.randn(args.batch, G.w_dim, generator=gen)
            with torch.no_grad():
                wp = G.map_to_wp(z.to(device))
                if G.config.mapping == "parameters":
                    read = code_params(z)[0]
                    shown = observable_mask(read)
                else:
                    read, conf = (x.cpu() for x in C.predict(G.synthesize(wp, "const")))
                    shown = sure_and_shown(read, conf, args.confident)
            gen_texts = caption_batch(read, shown, rng, short_share=args.short_share)
            loss_map = F.mse_loss(mapper(text_encoder(gen_texts)), wp)
            loss = loss + loss_map
            logs["map"] = loss_map.item()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if run.end_step(step, logs, snapshot):
            break


if __name__ == "__main__":
    main()
