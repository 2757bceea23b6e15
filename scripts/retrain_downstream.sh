#!/usr/bin/env bash
# After the generator of a family has trained further: export it, then bring every part that depends on its W+
# space up to date (warm-started from the shipped weights), measure the layer groups (the app labels its sliders
# and mixes a description's code into its attributes' groups with them), and evaluate. CPU budget on 2 cores:
# about 45 minutes; logs in runs/<tag>_*/.
#
#   scripts/retrain_downstream.sh [TAG] [FAMILY]      e.g. scripts/retrain_downstream.sh s2 checkpoints/synthfaces64
#
# GEN_RUN names the generator's run folder (default runs/generator); DISTILL=1 exports it with train.distill (the
# distilled generator with the parameter mapping, whose parts then regress onto each face's exact code).
set -euo pipefail
cd "$(dirname "$0")/.."
TAG=${1:-s$(date +%Y%m%d%H%M)}
FAMILY=${2:-checkpoints/synthfaces64}
PY=${PYTHON:-python}
export HF_HUB_OFFLINE=1
step() { echo "[$(date +%H:%M:%S)] $*"; }

RECENTRE=""
step "export the EMA generator"
if [[ "${DISTILL:-0}" == 1 ]]; then
    RECENTRE="--recentre"  # a new W space: the parts start from its mean w
    $PY -m tedigan_demo.train.distill --run "${GEN_RUN:-runs/distill}" --export "$FAMILY"
else
    $PY -m tedigan_demo.train.generator --run "${GEN_RUN:-runs/generator}" --export "$FAMILY"
fi
step "image encoder (fine-tuned to the new generator)"
nice -n 5 $PY -m tedigan_demo.train.encoder --family "$FAMILY" --run "runs/${TAG}_encoder" --minutes "${ENCODER_MINUTES:-12}" \
    --threads 2 --warm-start $RECENTRE
step "layer groups + family evaluation"
$PY -m bench.eval_family --family "$FAMILY" --write-groups --json "$FAMILY/eval_family.json" > "runs/${TAG}_eval_family.out"
step "text mapper + image-text encoder, sketch encoder (in parallel, one thread each)"
nice -n 5 $PY -m tedigan_demo.train.text --family "$FAMILY" --run "runs/${TAG}_text" --minutes "${TEXT_MINUTES:-12}" \
    --threads 1 --warm-start $RECENTRE > "runs/${TAG}_text.out" 2>&1 &
TEXT_PID=$!
nice -n 5 $PY -m tedigan_demo.train.modality --modality sketch --family "$FAMILY" --run "runs/${TAG}_sketch" \
    --minutes "${MODALITY_MINUTES:-6}" --threads 1 --warm-start $RECENTRE
step "label-map encoder"
nice -n 5 $PY -m tedigan_demo.train.modality --modality label --family "$FAMILY" --run "runs/${TAG}_label" \
    --minutes "${MODALITY_MINUTES:-6}" --threads 1 --warm-start $RECENTRE
wait $TEXT_PID
step "method evaluation"
$PY -m bench.eval_tedigan --family "$FAMILY" --faces 60 --edits 16 --steps 20 --modal-faces 40 \
    --json "$FAMILY/eval_tedigan.json" > "runs/${TAG}_eval_tedigan.out"
step "done: $FAMILY (figures in eval_family.json, eval_tedigan.json)"
