#!/usr/bin/env bash
# Ships a trained checkpoint as models/blurgate-synth/1.0.0: convert (blurgate-eval convert), measure on the
# held-out test split single-scale and with TTA (blurgate-eval run, 95% bootstrap intervals, baselines),
# write the manifest's source and metrics, and copy the training log next to the model card.
#
#   tools/train/release.sh [DATA_DIR] [RUN_DIR]
# Needs: pnpm turbo run build --filter=@blurgate/eval...
set -euo pipefail
DATA="${1:-/work/data}"
RUN="${2:-$DATA/runs/blurgate-synth}"
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
MODEL="$ROOT/models/blurgate-synth/1.0.0"
EVAL=(node "$ROOT/packages/eval/dist/cli.js")
SCALES="${SCALES:-256,320,384,448,512}"
cd "$ROOT"
mkdir -p "$MODEL"
"${EVAL[@]}" convert "$RUN/best.pt" --out "$MODEL/model.onnx" --name blurgate-synth --version 1.0.0
cp "$RUN/log.csv" "$MODEL/training-log.csv"
single="node packages/eval/dist/cli.js run --model models/blurgate-synth/1.0.0 --data $DATA/synth/test --out $DATA/eval/single --fast"
tta="node packages/eval/dist/cli.js run --model models/blurgate-synth/1.0.0 --data $DATA/synth/test --out $DATA/eval/tta --scales $SCALES"
$single | tee "$DATA/eval/single.txt"
$tta | tee "$DATA/eval/tta.txt"
/usr/bin/python3 tools/train/write_manifest.py --manifest "$MODEL/manifest.json" --checkpoint "$RUN/best.pt" \
  --recipe "tools/train/run.sh (tools/data/build-dataset.sh seed 1, train.py --arch mobilenet_v3_small --size 192) at git $(git rev-parse --short HEAD)" \
  --dataset "blurgate-synth test split: 384x384 synthetic pairs from opencv-doc, r-doc-pdf, marble-data (packages not used in training)" \
  --description "Default blurgate model: FreqAux + MobileNetV3-Small trained from scratch on synthetic blur (camera-shake trajectories, linear motion, defocus, Gaussian) of photos, document pages, screenshots and receipts from Debian packages. See README.md." \
  --scales "$SCALES" \
  --report "single-scale 384=$DATA/eval/single/report.json=$single" \
  --report "TTA $SCALES=$DATA/eval/tta/report.json=$tta"
