#!/usr/bin/env bash
# Fine-tune a blurgate model on your own labelled images, in one command (tools/train/README.md, "Fine-tuning"):
#
#   tools/train/finetune.sh --base blurgate-synth --data DATA_DIR/labels.csv --out runs/mine --minutes 10
#
# Checks the tools, builds @blurgate/eval and @blurgate/node when their dist/ is missing, then runs
# finetune.py (every option: tools/train/finetune.sh --help) with Debian's /usr/bin/python3.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
PYTHON="${PYTHON:-/usr/bin/python3}"
if ! "$PYTHON" -c 'import torch, torchvision, PIL, numpy' 2>/dev/null; then
  echo "finetune.sh: $PYTHON needs torch, torchvision, Pillow and numpy: apt-get install -y python3-torch python3-torchvision python3-pil" >&2
  exit 2
fi
if [ ! -f "$ROOT/packages/eval/dist/cli.js" ] || [ ! -f "$ROOT/packages/node/dist/cli.js" ]; then
  echo "finetune.sh: building @blurgate/eval and @blurgate/node (pnpm turbo run build)" >&2
  (cd "$ROOT" && pnpm turbo run build --filter=@blurgate/eval... --filter=@blurgate/node... >&2)
fi
exec "$PYTHON" "$ROOT/tools/train/finetune.py" "$@"
