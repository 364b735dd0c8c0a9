#!/usr/bin/python3
"""PyTorch's predictions for the end-to-end pull test (packages/eval/test/hub/models-cli.test.ts).

The test serves the converter's fixture checkpoint `packages/eval/test/fixtures/checkpoints/large.pt`
(FreqAux + MobileNetV3-Large at width 0.25, saved like the reference best.pt) from a fake hub, runs
`blurgate-eval models pull`, then `blurgate classify --model ... --json` on a few of the node package's
fixture images, and compares with what the shared Python reference (`tools/reference`) predicts here:
Pillow decode + convert("RGB"), Pillow bilinear squash-resize, FreqAux inside the model, 5-scale TTA.

Usage: /usr/bin/python3 packages/eval/test/hub/make_pull_expected.py
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[4]
sys.path.insert(0, str(ROOT / "tools" / "reference"))
from blurgate_reference import DEFAULT_SCALES, FreqAuxModel, build_backbone, load_rgb, predict  # noqa: E402

CHECKPOINT = ROOT / "packages" / "eval" / "test" / "fixtures" / "checkpoints" / "large.pt"
IMAGES = ROOT / "packages" / "node" / "test" / "fixtures" / "images"
# Plain RGB files without EXIF orientation (where blurgate intentionally differs from Pillow).
NAMES = ("china.png", "china-blurred.png", "flower.png", "flower-blurred.png", "texture.png", "texture-blurred.png")
OUT = Path(__file__).resolve().parent / "fixtures" / "pull-expected.json"


def main() -> None:
    model = FreqAuxModel(build_backbone("mobilenet_v3_large", 4, 0.25))
    model.load_state_dict(torch.load(CHECKPOINT, map_location="cpu"))
    model.eval()
    images = []
    for name in NAMES:
        p = predict(model, load_rgb(str(IMAGES / name)), DEFAULT_SCALES)
        images.append(
            {
                "file": name,
                "label": p.label,
                "prob_sharp": p.prob_sharp,
                "prob_blurred": p.prob_blurred,
                "per_scale": p.per_scale,
            }
        )
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(
        json.dumps(
            {
                "checkpoint": "packages/eval/test/fixtures/checkpoints/large.pt",
                # the test refuses to compare against a regenerated checkpoint: re-run this script then
                "checkpointSha256": hashlib.sha256(CHECKPOINT.read_bytes()).hexdigest(),
                "architecture": "mobilenet_v3_large",
                "widthMult": 0.25,
                "scales": list(DEFAULT_SCALES),
                "images": images,
            },
            indent=2,
        )
        + "\n"
    )
    for image in images:
        print(image["file"], image["label"], round(image["prob_blurred"], 6))


if __name__ == "__main__":
    main()
