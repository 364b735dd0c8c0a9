#!/usr/bin/env bash
# Measures a model on the package-level held-out sets of tools/data/build-dataset.sh (whole images at their own
# size from packages never used for training or validation), per source kind and all together, single-scale
# 384 and the reference's 5-scale TTA, with blurgate-eval run (95% bootstrap intervals, Laplacian-variance
# baseline with its threshold swept on the same images).
#
#   tools/train/eval-heldout.sh MODEL OUT_DIR [DATA_DIR]      e.g. models/blurgate-synth/2.0.0 DATA_DIR/eval/2.0.0
#   (the held-out sets under DATA_DIR/synth, or under $SYNTH_OUT when set: SYNTH_OUT=DATA_DIR/synth3 for 2.1.0's;
#   HELDOUT_SET=heldout-fresh measures the fresh held-out packages instead, HELDOUT_SET=heldout-fresh2 the
#   third set, photos only; a source kind the set does not have is skipped)
#
# Output: OUT_DIR/{single,tta}-{documents,screenshots,photos,all}/report.json (+ predictions.jsonl, report.md/html).
# The "all" runs reuse the per-kind predictions (same relative file names), so they only compute the report.
# Then: /usr/bin/python3 tools/train/heldout_table.py --eval NAME=OUT_DIR ... prints the table of the model card.
set -euo pipefail
MODEL="$1"
OUT="$2"
DATA="${3:-/work/data}"
SYNTH="${SYNTH_OUT:-$DATA/synth}"
SET="${HELDOUT_SET:-heldout}"   # heldout, or heldout-fresh (the second held-out set, build-dataset.sh fresh)
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
EVAL=(node "$ROOT/packages/eval/dist/cli.js" run --model "$MODEL")
for mode in single tta; do
  if [ "$mode" = single ]; then scales=384; else scales=256,320,384,448,512; fi
  kinds=()
  for kind in documents screenshots photos; do
    [ -d "$SYNTH/$SET-$kind" ] || continue
    kinds+=("$kind")
    "${EVAL[@]}" --data "$SYNTH/$SET-$kind" --out "$OUT/$mode-$kind" --scales "$scales" > "$OUT.$mode-$kind.txt" 2>&1 || { cat "$OUT.$mode-$kind.txt"; exit 1; }
  done
  mkdir -p "$OUT/$mode-all"
  if [ ! -f "$OUT/$mode-all/report.json" ]; then
    for kind in "${kinds[@]}"; do cat "$OUT/$mode-$kind/predictions.jsonl"; done > "$OUT/$mode-all/predictions.jsonl"
  fi
  "${EVAL[@]}" --data "$SYNTH/$SET" --out "$OUT/$mode-all" --scales "$scales" > "$OUT.$mode-all.txt" 2>&1 || { cat "$OUT.$mode-all.txt"; exit 1; }
done
echo "wrote $OUT/{single,tta}-{documents,screenshots,photos,all}"
