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
SCALES="${SCALES:-256,320,384,448,512}"   # the default scales written to the manifest
CKPT="${CKPT:-$RUN/best.pt}"   # the checkpoint to ship (default: best validation F1)
cd "$ROOT"
mkdir -p "$MODEL"
"${EVAL[@]}" convert "$CKPT" --out "$MODEL/model.onnx" --name blurgate-synth --version 1.0.0
cp "$RUN/log.csv" "$MODEL/training-log.csv"
rm -rf "$DATA/eval/single" "$DATA/eval/tta"   # run resumes from predictions.jsonl: start clean for a new model
single="node packages/eval/dist/cli.js run --model models/blurgate-synth/1.0.0 --data $DATA/synth/test --out $DATA/eval/single --fast"
tta="node packages/eval/dist/cli.js run --model models/blurgate-synth/1.0.0 --data $DATA/synth/test --out $DATA/eval/tta --scales 256,320,384,448,512"
$single | tee "$DATA/eval/single.txt"
$tta | tee "$DATA/eval/tta.txt"
/usr/bin/python3 tools/train/write_manifest.py --manifest "$MODEL/manifest.json" --checkpoint "$CKPT" \
  --recipe "tools/train/run.sh (tools/data/build-dataset.sh seed 1, train.py --arch mobilenet_v3_small --size 384 --crop 192) at git $(git rev-parse --short HEAD)" \
  --dataset "blurgate-synth test split: 384x384 synthetic pairs from opencv-doc, r-doc-pdf, marble-data (packages not used in training)" \
  --description "Default blurgate model: FreqAux + MobileNetV3-Small trained from scratch on synthetic blur (camera-shake trajectories, linear motion, defocus, Gaussian) of photos, document pages, screenshots and receipts from Debian packages. See README.md." \
  --scales "$SCALES" \
  --report "single-scale 384=$DATA/eval/single/report.json=$single" \
  --report "TTA 256,320,384,448,512 (the reference recipe)=$DATA/eval/tta/report.json=$tta"

# Real blur sanity check: the three opencv-doc photos with real defocus/motion blur (not in any split).
{
  echo "The three photos of \`opencv-doc\` with real blur, classified by the shipped model (its default scales and thresholds; columns: file, label, confidence, p_blurred):"
  echo
  echo '```'
  echo "\$ node packages/node/dist/cli.js classify <opencv-doc examples/data>/{text_defocus,text_motion,licenseplate_motion}.jpg --model models/blurgate-synth/1.0.0"
  node packages/node/dist/cli.js classify "$DATA"/real-blur/*.jpg --model "$MODEL" --no-progress 2>&1 | sed "s#$DATA/real-blur/usr_share_doc_opencv-doc_examples_data_##"
  echo '```'
} > "$DATA/eval/real-blur.md"

# Latency: @blurgate/node's benchmark on 8 test images (8 test tiles).
mkdir -p "$DATA/eval/bench-images"
ls "$DATA"/synth/test/sharp/opencv_*_000.jpg | head -8 | xargs -I{} cp {} "$DATA/eval/bench-images/"
(cd packages/node && node bench/run.mjs --model "$MODEL/model.onnx" --images "$DATA/eval/bench-images" --runs 3) > "$DATA/eval/bench.txt" 2>&1
{
  echo "Measured with \`cd packages/node && node bench/run.mjs --model ../../models/blurgate-synth/1.0.0/model.onnx --images <8 test tiles, 384x384 JPEG> --runs 3\`"
  echo "on this 2-core machine (load average $(cut -d' ' -f1-3 /proc/loadavg) when it ran; figures are indicative):"
  echo
  echo '```'
  grep -A6 "^createBlurGate" "$DATA/eval/bench.txt" || tail -8 "$DATA/eval/bench.txt"
  echo '```'
} > "$DATA/eval/latency.md"

/usr/bin/python3 tools/train/write_model_card.py --model "$MODEL" --data "$DATA" \
  --single "$DATA/eval/single/report.json" --tta "$DATA/eval/tta/report.json" \
  --latency "$DATA/eval/latency.md" --real-blur "$DATA/eval/real-blur.md" ${NOTES:+--notes "$NOTES"} ${HISTORY:+--history "$HISTORY"}
node tools/release/run.mjs cards   # the manifest-generated metrics section `pnpm release` checks
echo "released $MODEL"
