#!/usr/bin/env bash
# One-command recipe for the shipped blurgate-synth model (see README.md):
#   fetch Debian sources -> synthesize pairs -> train -> (release.sh converts and measures)
#
#   tools/train/run.sh [DATA_DIR] [DEADLINE_UTC_HH:MM]
#
# blurgate-synth 2.0.0 (issue 15): fine-tuned from the shipped 1.0.0 (--init-onnx; its BatchNorm is unfolded
# exactly, see onnx_init.py) on tiles AND whole-image views, every tile rescaled on its own by 0.67-1.33x
# (--rescale-per-image: the five TTA scales in distribution), BatchNorm statistics over the five TTA scales
# (--scales), best.pt chosen by the mean of single-scale and TTA validation F1. Training runs at nice 10
# (the machine is shared) and can be resumed with the same command (--resume).
set -euo pipefail
DATA="${1:-/work/data}"
DEADLINE="${2:-}"
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
"$HERE/../data/fetch-sources.sh" "$DATA"
"$HERE/../data/build-dataset.sh" "$DATA" train
# The held-out evaluation sets are only needed for measuring; build them alongside training.
"$HERE/../data/build-dataset.sh" "$DATA" heldout > "$DATA/build-heldout.log" 2>&1 &
args=(--data "$DATA/synth" --out "$DATA/runs/blurgate-synth-2" --arch mobilenet_v3_small --size 384 --crop 192 --epochs 60
      --init-onnx "$ROOT/models/blurgate-synth/1.0.0/model.onnx" --lr 1e-3 --warmup-steps 50
      --rescale-per-image --rescale-prob 0.8 --scales 256,320,384,448,512 --val-limit 300 --bn-batches 10
      --steps-per-epoch 200 --threads 2)
if [ -n "$DEADLINE" ]; then args+=(--deadline "$DEADLINE"); else args+=(--budget-minutes 70); fi
nice -n 10 /usr/bin/python3 "$HERE/train.py" "${args[@]}" --resume
wait
