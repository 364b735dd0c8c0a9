"""Self-checks of finetune.py's pieces that the end-to-end test cannot see (run by finetune.test.ts):

- reparameterize_batchnorm leaves the eval-mode output of a model rebuilt from ONNX unchanged (1e-4) while
  setting real statistics, so train-mode BatchNorm then behaves like the model instead of renormalising it;
- binary_metrics equals scikit-learn's definitions on inputs with ties (checked against hand-computed values);
- the train/validation split is deterministic and keeps a group on one side.

    /usr/bin/python3 tools/train/check_finetune_parts.py models/blurgate-synth/1.0.0/model.onnx
"""

from __future__ import annotations

import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from finetune import Item, binary_metrics, split_items  # noqa: E402
from onnx_to_torch import model_from_onnx, reparameterize_batchnorm  # noqa: E402


def main() -> None:
    model, _ = model_from_onnx(sys.argv[1])
    gen = torch.Generator().manual_seed(0)
    batches = [torch.randn((4, 3, 96, 96), generator=gen) for _ in range(2)]
    probe = torch.randn((2, 3, 128, 128), generator=gen)
    with torch.no_grad():
        before = model(probe)
        reparameterize_batchnorm(model, batches)
        after = model(probe)
    gap = float((before - after).abs().max())
    bn = next(m for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d))
    assert gap < 1e-4, f"reparameterize_batchnorm changed the logits by {gap}"
    assert float(bn.running_var.mean()) != 1.0 - bn.eps, "statistics were not re-estimated"
    print(f"reparameterize_batchnorm: largest logit change {gap:.2e}")

    p = np.array([0.9, 0.5, 0.5, 0.2, 0.7, 0.1])
    t = np.array([1, 1, 0, 0, 0, 1])
    m = binary_metrics(p, t)
    # pred >= 0.5: 1 1 1 0 1 0 → tp 2, fp 2, fn 1; AUC: pairs (pos > neg) 9 pairs: 0.9>all 3, 0.5: >0.2, =0.5 (half), <0.7; 0.1: none
    assert abs(m["precision"] - 0.5) < 1e-12 and abs(m["recall"] - 2 / 3) < 1e-12
    assert abs(m["f1"] - 2 * 0.5 * (2 / 3) / (0.5 + 2 / 3)) < 1e-12
    assert abs(m["auc"] - (3 + 1.5 + 0) / 9) < 1e-12, m["auc"]
    print("binary_metrics: as scikit-learn on ties")

    items = [Item(f"/x/{k}-{c}.png", f"{k}-{c}.png", c, f"g{k}", f"{k}{c}") for k in range(200) for c in (0, 1)]
    train, val = split_items(items, 0.2)
    train2, val2 = split_items(list(reversed(items)), 0.2)
    assert sorted(i.rel for i in val) == sorted(i.rel for i in val2), "the split depends on the order"
    assert not {i.group for i in train} & {i.group for i in val}, "a group is on both sides"
    assert 0.1 < len(val) / len(items) < 0.3, len(val)
    print(f"split: {len(train)} / {len(val)}, groups kept together, order-independent")


if __name__ == "__main__":
    main()
