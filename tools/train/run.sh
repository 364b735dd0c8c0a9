#!/usr/bin/env bash
# One-command recipe for the shipped blurgate-synth model (see README.md):
#   fetch Debian sources -> synthesize pairs -> train -> (release.sh converts and measures)
#
#   tools/train/run.sh [DATA_DIR] [DEADLINE_UTC_HH:MM]
set -euo pipefail
DATA="${1:-/work/data}"
DEADLINE="${2:-}"
HERE="$(cd "$(dirname "$0")" && pwd)"
"$HERE/../data/fetch-sources.sh" "$DATA"
"$HERE/../data/build-dataset.sh" "$DATA" train
# The test split is only needed for measuring; build it alongside training.
"$HERE/../data/build-dataset.sh" "$DATA" test > "$DATA/build-test.log" 2>&1 &
# Small, trained on 192 crops of the 384 tiles and validated on whole tiles: see README.md for the measurements.
args=(--data "$DATA/synth" --out "$DATA/runs/blurgate-synth" --arch mobilenet_v3_small --size 384 --crop 192 --epochs 45)
if [ -n "$DEADLINE" ]; then args+=(--deadline "$DEADLINE"); else args+=(--budget-minutes 95); fi
/usr/bin/python3 "$HERE/train.py" "${args[@]}" --resume
wait
