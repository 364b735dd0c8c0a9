#!/usr/bin/env bash
# Ships a trained checkpoint as models/blurgate-synth/$VERSION: convert (blurgate-eval convert), measure on the
# package-level held-out sets per source kind, single-scale 384 and 5-scale TTA (tools/train/eval-heldout.sh:
# blurgate-eval run, 95% bootstrap intervals, Laplacian-variance baseline), write the manifest's source and
# metrics, copy the training log next to the model card, and print the held-out table (beside PREVIOUS's).
#
#   VERSION=2.2.0 PREVIOUS=2.1.0 SCALES=<default scales chosen on validation> tools/train/release.sh [DATA_DIR] [RUN_DIR]
#   (held-out sets under $SYNTH_OUT when set, else DATA_DIR/synth; 2.1.0: SYNTH_OUT=DATA_DIR/synth3, 2.2.0:
#   SYNTH_OUT=DATA_DIR/synth4, whose fresh and fresh2 sets go into the manifest's metrics too)
# Needs: pnpm turbo run build --filter=@blurgate/eval...
# The model card (models/blurgate-synth/$VERSION/README.md) is written by hand from these figures; then
# `node tools/release/run.mjs cards` regenerates its manifest-generated metrics section.
# (blurgate-synth 1.0.0 was released by this script's earlier version, with write_model_card.py, on the
# tile test split; see that model's card.)
set -euo pipefail
DATA="${1:-/work/data}"
RUN="${2:-$DATA/runs/blurgate-synth-2.2}"
VERSION="${VERSION:-2.2.0}"
PREVIOUS="${PREVIOUS:-2.1.0}"
export SYNTH_OUT="${SYNTH_OUT:-$DATA/synth}"
SYNTH_NAME="$(basename "$SYNTH_OUT")"
# Measurements per held-out build: DATA_DIR/eval/<version> for DATA_DIR/synth, DATA_DIR/eval/<build>/<version> otherwise.
EVALS="$DATA/eval"; [ "$SYNTH_NAME" = synth ] || EVALS="$DATA/eval/$SYNTH_NAME"
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
MODEL="models/blurgate-synth/$VERSION"
EVAL=(node "$ROOT/packages/eval/dist/cli.js")
SCALES="${SCALES:-256,320,384,448,512}"   # the default scales written to the manifest
CKPT="${CKPT:-$RUN/best.pt}"   # the checkpoint to ship (default: best validation score)
cd "$ROOT"
mkdir -p "$MODEL"
"${EVAL[@]}" convert "$CKPT" --out "$MODEL/model.onnx" --name blurgate-synth --version "$VERSION"
cp "$RUN/log.csv" "$MODEL/training-log.csv"
mkdir -p "$EVALS"
# Thresholds chosen on the VALIDATION split (never on held-out data): the blur threshold with the best F1 at the
# default scales (blurgate-eval calibrate --best-f1), written into the manifest; the held-out runs below then
# measure the model at the thresholds its users get. CALIBRATE=0 keeps 0.6 / 0.5.
if [ "${CALIBRATE:-1}" = 1 ]; then
  rm -rf "$EVALS/$VERSION-validation"
  "${EVAL[@]}" run --model "$MODEL" --data "$SYNTH_OUT/val" --out "$EVALS/$VERSION-validation" --scales "$SCALES" --no-baselines > "$EVALS/$VERSION-validation.txt" 2>&1
  "${EVAL[@]}" calibrate --predictions "$EVALS/$VERSION-validation/predictions.jsonl" --best-f1 --out "$EVALS/$VERSION-validation/thresholds.json" | tee -a "$EVALS/$VERSION-validation.txt"
  /usr/bin/python3 - "$MODEL/manifest.json" "$EVALS/$VERSION-validation/thresholds.json" <<'PY'
import json, math, sys
manifest_path, thresholds_path = sys.argv[1], sys.argv[2]
manifest = json.load(open(manifest_path))
chosen = json.load(open(thresholds_path))
# Rounded down to 4 decimals: every validation image at or above the chosen score stays blurred.
manifest["thresholds"] = {"confidence": chosen["confidenceThreshold"], "blur": math.floor(chosen["blurThreshold"] * 1e4) / 1e4}
json.dump(manifest, open(manifest_path, "w"), indent=2)
open(manifest_path, "a").write("\n")
print(f"manifest thresholds: {manifest['thresholds']} (best F1 on {chosen['provenance']['images']} validation images)")
PY
fi
rm -rf "$EVALS/$VERSION" "$EVALS/$VERSION-fresh" "$EVALS/$VERSION-fresh2" "$EVALS/$VERSION-fresh3"   # runs resume from predictions.jsonl: start clean
tools/train/eval-heldout.sh "$MODEL" "$EVALS/$VERSION" "$DATA"
[ -f "$EVALS/$PREVIOUS/tta-all/report.json" ] || tools/train/eval-heldout.sh "models/blurgate-synth/$PREVIOUS" "$EVALS/$PREVIOUS" "$DATA"
# The sets built after the recipe of the model they first measured (build-dataset.sh fresh, fresh2, fresh3), when present.
for set in fresh fresh2 fresh3; do
  [ -d "$SYNTH_OUT/heldout-$set" ] && HELDOUT_SET="heldout-$set" tools/train/eval-heldout.sh "$MODEL" "$EVALS/$VERSION-$set" "$DATA"
done
reports=()
for mode in single tta; do
  if [ "$mode" = single ]; then label="single-scale 384"; sc=384; else label="TTA 256,320,384,448,512 (the reference recipe)"; sc=256,320,384,448,512; fi
  for kind in all documents screenshots photos; do
    data="heldout"; [ "$kind" = all ] || data="heldout-$kind"
    reports+=(--report "$kind, $label=$EVALS/$VERSION/$mode-$kind/report.json=node packages/eval/dist/cli.js run --model $MODEL --data DATA_DIR/$SYNTH_NAME/$data --out OUT --scales $sc")
    # fresh2 has photos only: its "all" is its photos.
    for set in fresh fresh2 fresh3; do
      report="$EVALS/$VERSION-$set/$mode-$kind/report.json"
      [ -f "$report" ] && { [ "$kind" != all ] || [ "$set" != fresh2 ]; } || continue
      data="heldout-$set"; [ "$kind" = all ] || data="heldout-$set-$kind"
      reports+=(--report "$set set, $kind, $label=$report=node packages/eval/dist/cli.js run --model $MODEL --data DATA_DIR/$SYNTH_NAME/$data --out OUT --scales $sc")
    done
  done
done
/usr/bin/python3 tools/train/write_manifest.py --manifest "$MODEL/manifest.json" --checkpoint "$CKPT" \
  --recipe "tools/train/run.sh (tools/data/build-dataset.sh seed 1 into $SYNTH_NAME; train.py fine-tuned from blurgate-synth $PREVIOUS, --rescale-per-image --scales 256,320,384,448,512) at git $(git rev-parse --short HEAD)" \
  --dataset "blurgate-synth held-out packages (whole images at their own size, sharp and blurred copies; tools/train/eval-heldout.sh)" \
  --description "Default blurgate model: FreqAux + MobileNetV3-Small, fine-tuned from blurgate-synth $PREVIOUS on synthetic blur of whole-image views (some framed, some enlarged from small sizes) and tiles of photos (wallpapers, photographed objects cut out on a flat canvas, photographic textures), document pages (72-300 dpi), screenshots and receipts from Debian packages. See README.md." \
  --scales "$SCALES" "${reports[@]}"

# Real blur sanity check: the three opencv-doc photos with real blur (not in any split).
{
  echo '```'
  echo "\$ node packages/node/dist/cli.js classify <opencv-doc examples/data>/{text_defocus,text_motion,licenseplate_motion}.jpg --model $MODEL"
  node packages/node/dist/cli.js classify "$DATA"/real-blur/*.jpg --model "$MODEL" --no-progress 2>&1 | sed "s#$DATA/real-blur/usr_share_doc_opencv-doc_examples_data_##"
  echo '```'
} > "$EVALS/$VERSION.real-blur.md"
/usr/bin/python3 tools/train/heldout_table.py --eval "$PREVIOUS=$EVALS/$PREVIOUS" --eval "$VERSION=$EVALS/$VERSION" | tee "$EVALS/$VERSION.table.md"
echo "measured $MODEL; write its README.md, then: node tools/release/run.mjs cards"
