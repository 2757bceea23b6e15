"""Train the text side of the embedded family (TediGAN §3.2, visual-linguistic similarity):

* the image-text encoder: a CNN trained with a symmetric contrastive (InfoNCE) loss against frozen MiniLM
  sentence embeddings of the faces' captions -- the embedded family's text-image similarity. It scores generated
  faces in the app (guided editing, redescription), so part of each batch is shown as the generator's
  reconstruction ``G(E(x))`` of the face its caption describes; trained on rendered faces alone it ranked captions
  on rendered faces (rank 1 of 100: 0.57) but hardly on generated ones (0.21 on reconstructions);
* the text mapper: MiniLM embedding -> W+, regressed onto the codes of the generator's own faces: random
  ``w``, its face ``G(w)``, the attributes the classifier reads in it confidently (max probability >= 0.9), a
  caption of those; the mapper learns ``E[w | caption]``, a mean of codes the generator draws faces from. No
  gradient goes through the generator or the classifier: sessions 1-3 trained the mapper on ``|M(t) - E(x)|^2``
  plus the classifier's reading of ``G(M(t))``, and it learnt codes that fool the classifier and draw no face
  (every caption gave the same pink blob; a z-space mapper through the mapping network with a discriminator
  term found such codes too).

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
from ..models.base import save_pretrained
from ..models.text import ImageTextConfig, ImageTextEncoder, TextMapper, TextMapperConfig
from ..synthfaces.captions import caption, values_of
from .augment import degrade
from .common import RunState, face_stream, frozen_parts, on_terminate, setup, training_device, warm_start


def caption_batch(attributes: torch.Tensor, observed: torch.Tensor, rng: np.random.Generator,
                  split: str = "train", short_share: float = 0.0) -> list[str]:
    """One caption per face ``[N, num_attributes]`` (value indices), naming only its ``observed`` attributes; a
    ``short_share`` of them name one or two attributes only (edit prompts and statements are that short)."""
    texts = []
    for values, seen_row in zip(attributes, observed):
        shown = {name: value for (name, value), seen in zip(values_of(values.tolist()).items(), seen_row) if seen}
        k = int(rng.integers(1, 3)) if short_share and rng.random() < short_share else None
        texts.append(caption(shown, rng, split, k=k)[0])
    return texts


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
                         "attribute], from which an edit's offset is measured (TediGANPipeline.edit_reference_code)")
    ap.add_argument("--save-minutes", type=float, default=4.0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--device", default=None, help="cuda or cpu (default: cuda when present)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--warm-start", action="store_true",
                    help="with no run state, start from the family's current weights of this part")
    args = ap.parse_args(argv)
    setup(args)
    family = Path(args.family)
    device = training_device(args.device)
    G, E, C = (m.to(device) for m in frozen_parts(family, "generator", "encoder", "classifier"))
    text_encoder = load_sentence_encoder().to(device)
    mapper = TextMapper(TextMapperConfig(text_dim=text_encoder.dim, num_layers=G.num_layers, w_dim=G.w_dim))
    image_text = ImageTextEncoder(ImageTextConfig(embed_dim=text_encoder.dim))
    mapper, image_text = mapper.to(device), image_text.to(device)
    params = list(mapper.parameters()) + list(image_text.parameters())
    opt = torch.optim.Adam(params, lr=args.lr)
    run = RunState(args.run, args.minutes, args.save_minutes)
    parts = {"mapper": mapper, "image_text": image_text, "opt": opt}
    step = run.resume(**parts)
    if step is None:
        step = 0
        # with --warm-start, each part that fits the shipped one's shape starts from it
        if args.warm_start:
            warm_start(image_text, family / "image_text")
        if not (args.warm_start and warm_start(mapper, family / "text_mapper")):
            with torch.no_grad():
                mapper.w_avg.copy_(G.mean_w().view(1, 1, -1))

    def snapshot(next_step: int):
        run.save_parts(next_step, **parts)
        save_pretrained(mapper, mapper.config.to_dict(), family / "text_mapper", kind="TextMapper")
        save_pretrained(image_text, image_text.config.to_dict(), family / "image_text", kind="ImageTextEncoder")

    on_terminate(lambda: snapshot(step))  # a kill saves the last steps
    gen = torch.Generator().manual_seed(args.seed)
    start = step
    for step, faces in face_stream(args.batch, args.seed + 2, G.resolution, start=start):  # noqa: B020
        rng = np.random.default_rng([args.seed, step])
        texts = caption_batch(faces.attributes, faces.observed, rng)
        t = text_encoder(texts)
        with torch.no_grad():  # random draws on the CPU, whose generator seeds them
            shown = degrade(faces.image, gen, p=0.5).to(device)
            if args.generated_share > 0:  # the similarity scores generated faces in the app: learn their look too
                as_generated = (torch.rand(len(texts), generator=gen) < args.generated_share).to(device)
                shown[as_generated] = G.synthesize(E(faces.image.to(device)[as_generated]), "const")
        # contrastive image-text
        img_emb = image_text(shown)
        logits = image_text.logit_scale.exp().clamp(max=100) * img_emb @ t.t()
        labels = torch.arange(len(texts), device=device)
        loss_clip = (F.cross_entropy(logits, labels) + F.cross_entropy(logits.t(), labels)) / 2
        # text -> W+: captions of the generator's own faces, as the classifier reads them
        with torch.no_grad():
            wp = G.map_to_wp(torch.randn(args.batch, G.w_dim, generator=gen).to(device))
            read, conf = (x.cpu() for x in C.predict(G.synthesize(wp, "const")))
        gen_texts = caption_batch(read, conf >= args.confident, rng, short_share=args.short_share)
        loss_map = F.mse_loss(mapper(text_encoder(gen_texts)), wp)
        loss = loss_clip + loss_map
        logs = {"clip": loss_clip.item(), "map": loss_map.item()}
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        acc = (logits.argmax(1) == labels).float().mean().item()
        if run.end_step(step, logs, snapshot, batch_retrieval_acc=round(acc, 3)):
            break


if __name__ == "__main__":
    main()
