#!/usr/bin/env bash
# Builds the blurgate-synth dataset from the raw source folders made by fetch-sources.sh.
#
#   tools/data/build-dataset.sh [DATA_DIR] [all|train|test]   (default /work/data all; output: $DATA/synth/{train,val,test})
#
# Tile sizes: every split is made of 384x384 tiles with blur strengths in pixels of the tile, the same
# procedure for train, val and test, so that the pixel statistics the model learns are the ones it is measured
# on at its default scale (384). train.py trains on random 192x192 crops of the train tiles (no resampling, so
# the blur in pixels is unchanged) and validates on the whole 384 tiles, as inference sees them.
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

# Each call is skipped when its records file exists (re-running resumes after an interruption).
done_() { [ -f "$OUT/$1/records-$2.jsonl" ] && echo "skip $2 ($1 exists)"; }
train() { done_ train "$1" || "${SYNTH[@]}" --tile-size 384 --split train --holdout 0.15 --holdout-split val --prefix "$@" || echo "warning: $1 had failures"; }
test_() { done_ test "$1" || "${SYNTH[@]}" --tile-size 384 --split test --prefix "$@" || echo "warning: $1 had failures"; }

if [ "$PART" = all ] || [ "$PART" = train ]; then
# Photos: halve the huge wallpapers first (their softness and noise shrink), then crops up to 2x the tile.
train plasma --input "$RAW/plasma-workspace-wallpapers" --downscale 0.5 --tiles 40 --max-zoom-out 2
train lxqt --input "$RAW/lxqt-themes" --downscale 0.5 --tiles 30 --max-zoom-out 2
train lomiri --input "$RAW/lomiri-wallpapers-20.04" --downscale 0.5 --tiles 60 --max-zoom-out 2
train digikam --input "$RAW/digikam-data" --tiles 12 --max-zoom-out 2
# The same photos at (near) native resolution: real photographs are slightly soft at their own pixel scale
# (lens, demosaicing, JPEG), and such a photo is "sharp"; without these tiles the first model called the
# soft native photos of the test packages blurred.
train plasmanative --input "$RAW/plasma-workspace-wallpapers" --tiles 12 --max-zoom-out 1.25 --min-texture 150
train lxqtnative --input "$RAW/lxqt-themes" --tiles 12 --max-zoom-out 1.25 --min-texture 150
train lomirinative --input "$RAW/lomiri-wallpapers-20.04" --tiles 24 --max-zoom-out 1.25 --min-texture 150
# Documents and screenshots: a few tiles per page (text regions pass the texture test, margins do not).
train texpub --input "$RAW/texlive-publishers-doc" --tiles 3 --max-zoom-out 2
train texrec --input "$RAW/texlive-latex-recommended-doc" --tiles 3 --max-zoom-out 2
train kstars --input "$RAW/kstars-data" --tiles 2 --max-zoom-out 2
train receipt --input "$RAW/receipts" --tiles 4 --max-zoom-out 2
fi

if [ "$PART" = all ] || [ "$PART" = test ]; then
test_ opencv --input "$RAW/opencv-doc" --tiles 3 --max-zoom-out 2
test_ rdoc --input "$RAW/r-doc-pdf" --tiles 2 --max-zoom-out 2
test_ marble --input "$RAW/marble-data" --tiles 1 --max-zoom-out 2
fi

for s in train val test; do
  [ -d "$OUT/$s" ] || continue
  echo "$s: $(ls "$OUT/$s/sharp" | wc -l) sharp, $(ls "$OUT/$s/blurred" | wc -l) blurred"
done
