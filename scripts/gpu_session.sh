#!/usr/bin/env bash
# One call of a lent GPU machine (10 minutes at most a call): train the generator further from the family's shipped
# train_state, export it, fine-tune the parts that depend on its W+ space and run on the GPU (image, sketch and
# label encoders), and pack what changed into $OUT. The text part needs MiniLM, whose wheel is too large to travel
# with the working tree: train it here afterwards (step 4 of the model card), then evaluate.
#
#   device run, timeout_s 590:   GEN_MINUTES=5 ENCODER_MINUTES=2 DOWN_MINUTES=0.4 scripts/gpu_session.sh
#   back here:                   scripts/gpu_session.sh --unpack <files_at folder>
#
# Device time left after the first call (the machine stays warm ~30 s): a second call on the same machine resumes
# runs/generator/state.pt there, Adam moments included; guard it so a fresh machine does not start over from the
# checkout's train_state:  test -f runs/generator/state.pt || exit 3; GEN_MINUTES=3.9 ... scripts/gpu_session.sh
#
# GEN_ARGS adds options to the generator's training, e.g. GEN_ARGS="--group-loss 1" (the layer-group terms, too slow
# to judge on a CPU: see docs/decisions.md, "Training terms of the encoders and the generator").
#
# Budget: GEN_MINUTES + ENCODER_MINUTES + 2 x DOWN_MINUTES + about 1 minute (loading, export, packing). Give the
# image encoder the larger share: it is the part the CPU trains slowest (1.0 s a step on 2 cores against 0.13 s on an
# H200; v9 of the family gave it 0.55 minutes there and needed 40 CPU minutes after). The pack is split into
# pieces of 15 MiB (the machine returns at most 8 files of 16 MiB, 64 MiB in all): the parts trained there, the
# family's train_state (the generator resumes from it with --init) and the logs.
set -euo pipefail
cd "$(dirname "$0")/.."
FAMILY=${FAMILY:-checkpoints/synthfaces64}
RUNS=${RUNS:-runs}
PY=${PYTHON:-python3}
step() { echo "[$(date +%H:%M:%S)] $*"; }

if [[ "${1:-}" == "--unpack" ]]; then
    cat "$2"/pack.tar.part-* | tar -x -v
    exit 0
fi
: "${OUT:?OUT must name the folder whose files come back}"
TAG=gpu$(date +%Y%m%d%H%M)
export PYTHONUNBUFFERED=1
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader 2>/dev/null || echo "no GPU: running on the CPU"

step "generator ${GEN_MINUTES:-5} min (resumes $RUNS/generator, else starts from $FAMILY/train_state)"
$PY -m tedigan_demo.train.generator --run "$RUNS/generator" --init "$FAMILY" --minutes "${GEN_MINUTES:-5}" \
    --batch "${BATCH:-64}" --workers "${WORKERS:-12}" --threads 4 --r1 0.5 ${GEN_ARGS:-}
$PY -m tedigan_demo.train.generator --run "$RUNS/generator" --export "$FAMILY"
step "encoder ${ENCODER_MINUTES:-2} min (warm-started from the shipped one)"
$PY -m tedigan_demo.train.encoder --family "$FAMILY" --run "$RUNS/${TAG}_encoder" \
    --minutes "${ENCODER_MINUTES:-2}" --threads 4 --warm-start --batch "${DOWN_BATCH:-24}"
for part in sketch label; do
    step "$part ${DOWN_MINUTES:-0.4} min (warm-started from the shipped one)"
    $PY -m tedigan_demo.train.modality --modality $part --family "$FAMILY" --run "$RUNS/${TAG}_$part" \
        --minutes "${DOWN_MINUTES:-0.4}" --threads 4 --warm-start
done
step "packing into $OUT"
files=()  # the parts trained here (~46 MB); the generator resumes from train_state (no Adam moments: 32 MB more)
for f in "$FAMILY"/{generator,train_state,encoder,sketch_encoder,label_encoder,samples.png} "$RUNS/generator/log.jsonl" \
         "$RUNS/${TAG}"_*/log.jsonl; do
    if [[ -e $f ]]; then files+=("$f"); fi
done
tar -c "${files[@]}" | split -b 15M - "$OUT/pack.tar.part-"
ls -l "$OUT"
step "done"
