#!/usr/bin/python3
"""Fixtures of the end-to-end pull test (packages/eval/test/hub/models-cli.test.ts).

Writes, into packages/eval/test/hub/fixtures/:
  e2e-large.pt          a FreqAux + torchvision MobileNetV3-Large checkpoint at reduced width, saved exactly
                        the way the reference best.pt is (`torch.save(model.state_dict(), path)`), with
                        non-trivial weights: seeded random init, random BatchNorm affine, BatchNorm running
                        statistics calibrated (train mode) on the node package's fixture images at every TTA
                        scale, the head scaled and centred so the probabilities are spread out;
  pull-expected.json    what the shared Python reference (tools/reference) predicts with it for those images:
                        Pillow decode + convert("RGB"), Pillow bilinear squash-resize, FreqAux inside the
                        model, 5-scale TTA, routing at 0.60 / 0.50.

The test serves e2e-large.pt from a fake hub, runs `blurgate-eval models pull`, then
`blurgate classify --model ... --json`, and compares with pull-expected.json. The checkpoint is this test's
own (not the converter's fixtures), so regenerating those does not invalidate these numbers.

Usage: /usr/bin/python3 packages/eval/test/hub/make_pull_expected.py
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import torch
import torch.nn as nn

ROOT = Path(__file__).resolve().parents[4]
sys.path.insert(0, str(ROOT / "tools" / "reference"))
from blurgate_reference import (  # noqa: E402
    DEFAULT_SCALES,
    FreqAuxModel,
    build_backbone,
    load_rgb,
    normalised_tensor,
    predict,
)

OUT = Path(__file__).resolve().parent / "fixtures"
CHECKPOINT = OUT / "e2e-large.pt"
IMAGES = ROOT / "packages" / "node" / "test" / "fixtures" / "images"
# Plain RGB files without EXIF orientation (where blurgate intentionally differs from Pillow).
NAMES = ("china.png", "china-blurred.png", "flower.png", "flower-blurred.png", "texture.png", "texture-blurred.png")
WIDTH = 0.2
SEED = 20261125


@torch.no_grad()
def make_model(images) -> FreqAuxModel:
    torch.manual_seed(SEED)
    model = FreqAuxModel(build_backbone("mobilenet_v3_large", 4, WIDTH))
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.weight.uniform_(0.6, 1.4)
            m.bias.normal_(0.0, 0.2)
            m.reset_running_stats()
            m.momentum = None  # cumulative average over the calibration batches
    model.train()
    for s in DEFAULT_SCALES:
        model(torch.cat([normalised_tensor(im, s) for im in images]))
    model.eval()
    # Spread and centre the logit differences over the test inputs, so probabilities are not all 0 or 1.
    diffs = torch.cat([model(torch.cat([normalised_tensor(im, s) for im in images])) for s in DEFAULT_SCALES])
    diffs = diffs[:, 1] - diffs[:, 0]
    head = model.backbone.classifier[-1]
    head.weight.mul_(1.5 / float(diffs.std().clamp(min=1e-6)))
    head.bias.zero_()
    diffs = torch.cat([model(torch.cat([normalised_tensor(im, s) for im in images])) for s in DEFAULT_SCALES])
    centre = float((diffs[:, 1] - diffs[:, 0]).median())
    head.bias[1] = -centre / 2
    head.bias[0] = centre / 2
    return model


def main() -> None:
    images = [load_rgb(str(IMAGES / name)) for name in NAMES]
    OUT.mkdir(parents=True, exist_ok=True)
    torch.save(make_model(images).state_dict(), CHECKPOINT)

    # Predict from the saved file, as a user of best.pt would.
    model = FreqAuxModel(build_backbone("mobilenet_v3_large", 4, WIDTH))
    model.load_state_dict(torch.load(CHECKPOINT, map_location="cpu"))
    model.eval()
    results = []
    for name, image in zip(NAMES, images):
        p = predict(model, image, DEFAULT_SCALES)
        results.append(
            {"file": name, "label": p.label, "prob_sharp": p.prob_sharp, "prob_blurred": p.prob_blurred, "per_scale": p.per_scale}
        )
    (OUT / "pull-expected.json").write_text(
        json.dumps(
            {
                "checkpoint": "packages/eval/test/hub/fixtures/e2e-large.pt",
                "checkpointSha256": hashlib.sha256(CHECKPOINT.read_bytes()).hexdigest(),
                "architecture": "mobilenet_v3_large",
                "widthMult": WIDTH,
                "scales": list(DEFAULT_SCALES),
                "images": results,
            },
            indent=2,
        )
        + "\n"
    )
    print(f"wrote {CHECKPOINT} ({CHECKPOINT.stat().st_size} bytes)")
    for r in results:
        print(r["file"], r["label"], round(r["prob_blurred"], 6))


if __name__ == "__main__":
    main()
