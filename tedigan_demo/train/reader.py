"""Train the text reader of one vocabulary: a tagger over frozen MiniLM token features (``models.text_reader``) on
the generated corpus (``train.reader_corpus``).

    python -m tedigan_demo.train.reader --vocabulary synthfaces --out checkpoints/text_readers/synthfaces

MiniLM stays frozen, so its token features are computed once per text; the head then trains in minutes on a CPU.
Prints the word-label accuracy on a validation corpus of another seed; the held-out figures of people's wordings
come from ``python -m bench.eval_reader``.

``--teachers DIR ...`` distils heads of other seeds into one: the head learns each word-piece's label and the
teachers' averaged probabilities together (``DISTIL`` of the loss), so that one head reads as the ensemble does at
the cost of one.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from ..loading.own import load_sentence_encoder
from ..models.text_reader import HeadStack, TextReaderConfig, TextReaderHead, token_features
from ..vocabulary import for_vocabulary
from .reader_corpus import make_corpus

IGNORE = -100
DISTIL = 0.5  # the share of the loss that follows the teachers' probabilities, where there are teachers


def label_names(vocabulary: str) -> list[str]:
    """"O", "UNK", then "attr=value" and "attr=value!" for every value of the vocabulary, in its order."""
    terms = for_vocabulary(vocabulary).terms
    return ["O", "UNK"] + [f"{t.name}={v}{neg}" for t in terms for v in t.values for neg in ("", "!")]


def encode(corpus, tokenizer, model, labels: list[str], layers: list[int], batch: int = 256):
    """Per text: ``(features [T, F] float16, labels [T] int64)``, word-pieces labelled by the span they start in."""
    index = {name: i for i, name in enumerate(labels)}
    out = []
    order = np.argsort([len(t) for t in corpus.texts])  # similar lengths together: less padding
    for s in range(0, len(order), batch):
        ids = order[s:s + batch]
        texts = [corpus.texts[i] for i in ids]
        enc = tokenizer(texts, padding=True, truncation=True, max_length=128, return_offsets_mapping=True,
                        return_tensors="pt")
        offsets = enc.pop("offset_mapping")
        feats = token_features(model, enc, layers)
        for row, i in enumerate(ids):
            n = int(enc["attention_mask"][row].sum())
            tags = []
            for a, b in offsets[row, :n].tolist():
                if a == b:
                    tags.append(IGNORE)
                    continue
                tag = next((t for s0, e0, t in corpus.tagged[i].spans if s0 <= a < e0), ("O",))
                tags.append(index[_label(tag)])
            out.append((int(i), feats[row, :n].to(torch.float16), torch.tensor(tags)))
    out.sort(key=lambda x: x[0])
    return [(f, t) for _, f, t in out]


def _label(tag) -> str:
    if tag[0] in ("O", "UNK"):
        return tag[0]
    _, attr, value, negated = tag
    return f"{attr}={value}{'!' if negated else ''}"


def _batches(data, size: int, rng: np.random.Generator, soft=None):
    """Padded batches ``(features, tags, mask, teachers' probabilities or None)`` of ``size`` texts, in random
    order; texts of similar length batched together (little padding: the tagger's GRU reads it)."""
    order = rng.permutation(len(data))
    pools = [sorted(order[s:s + size * 32], key=lambda i: len(data[i][1])) for s in range(0, len(order), size * 32)]
    chunks = [pool[s:s + size] for pool in pools for s in range(0, len(pool), size)]
    for c in rng.permutation(len(chunks)):
        feats, tags, mask = _padded(data, chunks[c])
        probs = None
        if soft is not None:
            probs = torch.zeros(*tags.shape, soft[0].shape[1])
            for k, i in enumerate(chunks[c]):
                probs[k, :len(soft[i])] = soft[i].float()
        yield feats, tags, mask, probs


def _padded(data, ids) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The texts ``ids`` of ``data`` zero-padded at the end: ``(features [N, T, F], tags [N, T], mask [N, T])``."""
    T = max(len(data[i][1]) for i in ids)
    feats = torch.zeros(len(ids), T, data[ids[0]][0].shape[1])
    tags = torch.full((len(ids), T), IGNORE)
    mask = torch.zeros(len(ids), T, dtype=torch.long)
    for k, i in enumerate(ids):
        f, t = data[i]
        feats[k, :len(t)], tags[k, :len(t)], mask[k, :len(t)] = f.float(), t, 1
    return feats, tags, mask


@torch.no_grad()
def teacher_probs(teachers, data, batch: int = 256) -> list[torch.Tensor]:
    """Per text of ``data``: the teacher heads' label probabilities, averaged, ``[T, labels]`` float16 (texts of
    similar length read together)."""
    out: list = [None] * len(data)
    stack = HeadStack(teachers)
    order = sorted(range(len(data)), key=lambda i: len(data[i][1]))
    for s in range(0, len(order), batch):
        ids = order[s:s + batch]
        feats, _, mask = _padded(data, ids)
        probs = stack.probs(feats, mask)
        for k, i in enumerate(ids):
            out[i] = probs[k, :len(data[i][1])].half()
    return out


def _loss(head, feats, tags, mask, probs) -> torch.Tensor:
    """Cross-entropy on the labels; where there are teachers' ``probs``, mixed with the cross-entropy on them."""
    logits = head(feats, mask).flatten(0, 1)
    loss = F.cross_entropy(logits, tags.flatten(), ignore_index=IGNORE)
    if probs is None:
        return loss
    keep = tags.flatten() != IGNORE
    soft = -(probs.flatten(0, 1)[keep] * logits[keep].log_softmax(-1)).sum(-1).mean()
    return (1 - DISTIL) * loss + DISTIL * soft


def accuracy(head, data) -> float:
    """Word-piece label accuracy of ``head`` over ``data`` (ignored pieces left out)."""
    head.eval()
    out = ensemble_accuracy([head], data)
    head.train()
    return out


def ensemble_accuracy(heads, data) -> float:
    """Word-piece label accuracy of ``heads`` reading together (their probabilities averaged)."""
    right = total = 0
    stack = HeadStack(heads)
    with torch.no_grad():
        for feats, tags, mask, _ in _batches(data, 256, np.random.default_rng(0)):
            pred = stack.probs(feats, mask).argmax(-1)
            keep = tags != IGNORE
            right += int((pred[keep] == tags[keep]).sum())
            total += int(keep.sum())
    return right / max(total, 1)


def train(vocabulary: str, out: Path, n: int, epochs: int, seed: int, lr: float = 2e-3, teachers=()) -> dict:
    torch.manual_seed(seed)
    sentence = load_sentence_encoder()
    labels = label_names(vocabulary)
    cfg = TextReaderConfig(vocabulary=vocabulary, labels=labels)
    t0 = time.time()
    data = encode(make_corpus(vocabulary, n, seed), sentence.tokenizer, sentence.model, labels, cfg.layers)
    val = encode(make_corpus(vocabulary, max(n // 10, 200), seed + 1), sentence.tokenizer, sentence.model, labels,
                 cfg.layers)
    print(f"corpus: {n} texts encoded in {time.time() - t0:.0f} s", flush=True)
    soft = None
    if teachers:
        heads = [TextReaderHead.from_pretrained(d).eval() for d in teachers]
        if any(h.config.labels != labels or h.config.layers != cfg.layers for h in heads):
            raise SystemExit("the teachers read other labels or MiniLM layers than this vocabulary's reader")
        soft = teacher_probs(heads, data)
        print(f"teachers: {len(heads)} heads, validation accuracy {ensemble_accuracy(heads, val):.4f}", flush=True)
    head = TextReaderHead(cfg)
    opt = torch.optim.AdamW(head.parameters(), lr=lr, weight_decay=1e-2)
    steps = epochs * ((len(data) + 63) // 64)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps, pct_start=0.1)
    rng = np.random.default_rng(seed)
    for epoch in range(epochs):
        losses = []
        for feats, tags, mask, probs in _batches(data, 64, rng, soft):
            feats = feats + 0.05 * torch.randn_like(feats) * feats.std()  # features of slightly other wordings
            loss = _loss(head, feats, tags, mask, probs)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            losses.append(loss.item())
        print(f"epoch {epoch + 1}/{epochs}: loss {np.mean(losses):.4f}, validation accuracy "
              f"{accuracy(head, val):.4f} ({time.time() - t0:.0f} s)", flush=True)
    head.save_pretrained(out, dtype=torch.float32)
    stats = {"vocabulary": vocabulary, "texts": n, "epochs": epochs, "seed": seed,
             "teachers": [Path(d).name for d in teachers],
             "validation_word_piece_accuracy": round(accuracy(head, val), 4), "seconds": round(time.time() - t0)}
    (Path(out) / "training.json").write_text(json.dumps(stats, indent=2) + "\n")
    return stats


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--vocabulary", default="synthfaces", choices=["synthfaces", "realface"])
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--texts", type=int, default=40000)
    ap.add_argument("--epochs", type=int, default=6)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--teachers", type=Path, nargs="*", default=(), help="heads to distil into this one")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    print(json.dumps(train(args.vocabulary, args.out, args.texts, args.epochs, args.seed, teachers=args.teachers)))


if __name__ == "__main__":
    main()
