#!/usr/bin/env bash
# Builds the blurgate-synth dataset from the raw source folders made by fetch-sources.sh.
#
#   tools/data/build-dataset.sh [DATA_DIR] [all|train|test]   (default /work/data all; output: $DATA/synth/{train,val,test})
#
# Tile sizes: train/val tiles are 192x192 (the training input size, so training resizes nothing); test tiles
# are 384x384 (the single-scale inference size, so the test measures the model at its default scale).
# Blur strengths are in pixels of the tile in both (see tools/synth/README.md).
#
# Split BY SOURCE PACKAGE for test, BY SOURCE IMAGE for validation:
#   train/val: plasma-workspace-wallpapers, lxqt-themes, lomiri-wallpapers-20.04, digikam-data (photos),
#              texlive-publishers-doc, texlive-latex-recommended-doc (PDF pages), kstars-data (doc screenshots),
#              receiptline receipts; 15% of the SOURCE IMAGES of each go to val (hash of the file name).
#   test:      opencv-doc examples/data (photos), r-doc-pdf (PDF pages), marble-data (doc screenshots):
#              packages never used for training. (The three real-blur opencv photos are kept aside in
#              $DATA/real-blur as a sanity check, not test data.)
set -euo pipefail
DATA="${1:-/work/data}"
PART="${2:-all}"
OUT="$DATA/synth"
SEED="${SEED:-1}"
TOOLS="$(cd "$(dirname "$0")/.." && pwd)"
SYNTH=("$TOOLS/node_modules/.bin/tsx" "$TOOLS/synth/synth.ts" --out "$OUT" --seed "$SEED")
RAW="$DATA/raw"

[ -d "$RAW/receipts" ] || "$TOOLS/node_modules/.bin/tsx" "$TOOLS/data/render-receipts.ts" --out "$RAW/receipts" --count 100 --seed "$SEED"

train() { "${SYNTH[@]}" --tile-size 192 --split train --holdout 0.15 --holdout-split val "$@"; }
test_() { "${SYNTH[@]}" --tile-size 384 --split test "$@"; }

if [ "$PART" != test ]; then
# Photos: halve the huge wallpapers first (softness and noise shrink), then crops up to 3x the tile.
train --input "$RAW/plasma-workspace-wallpapers" --prefix plasma --downscale 0.5 --tiles 24 --max-zoom-out 4
train --input "$RAW/lxqt-themes" --prefix lxqt --downscale 0.5 --tiles 20 --max-zoom-out 4
train --input "$RAW/lomiri-wallpapers-20.04" --prefix lomiri --downscale 0.5 --tiles 30 --max-zoom-out 4
train --input "$RAW/digikam-data" --prefix digikam --tiles 8 --max-zoom-out 4
# Documents and screenshots: a few tiles per page (text regions pass the texture test, margins do not).
train --input "$RAW/texlive-publishers-doc" --prefix texpub --tiles 2 --max-zoom-out 2
train --input "$RAW/texlive-latex-recommended-doc" --prefix texrec --tiles 2 --max-zoom-out 2
train --input "$RAW/kstars-data" --prefix kstars --tiles 1 --max-zoom-out 2
train --input "$RAW/receipts" --prefix receipt --tiles 3 --max-zoom-out 2.5
fi

if [ "$PART" != train ]; then
test_ --input "$RAW/opencv-doc" --prefix opencv --tiles 3 --max-zoom-out 2
test_ --input "$RAW/r-doc-pdf" --prefix rdoc --tiles 2 --max-zoom-out 2
test_ --input "$RAW/marble-data" --prefix marble --tiles 1 --max-zoom-out 2
fi

for s in train val test; do
  [ -d "$OUT/$s" ] || continue
  echo "$s: $(ls "$OUT/$s/sharp" | wc -l) sharp, $(ls "$OUT/$s/blurred" | wc -l) blurred"
done
