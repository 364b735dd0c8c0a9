"""Times the PyTorch reference predictor (tools/reference/blurgate_reference.py) on the bench model for `pnpm bench --reference`.

The bench's ONNX model (tools/fixtures/make_onnx_fixtures.py --bench-model) has random weights from a fixed seed and
batch-norm statistics from fixed calibration images; this rebuilds the same network in PyTorch the same way, then
times the reference's own per-image path (Pillow decode + convert("RGB"), then `predict`) from the file, single-scale
384 and 5-scale TTA, one thread. Prints one JSON object: median milliseconds and p_blurred (the node bench compares
p_blurred with onnxruntime's to show it is the same model).

    /usr/bin/python3 packages/node/bench/reference_bench.py IMAGE [--runs 5] [--threads 1]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import torch
import torch.nn as nn

REPO = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(REPO / "tools" / "fixtures"))
sys.path.insert(0, str(REPO / "tools" / "reference"))
import blurgate_reference as ref  # noqa: E402
import make_onnx_fixtures as fixtures  # noqa: E402


def bench_model() -> nn.Module:
    """The network of make_onnx_fixtures.py --bench-model (same seed, same calibration), FreqAux inside."""
    torch.set_num_threads(2)  # as the fixture script calibrates
    return fixtures.bench_network().eval()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("image")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    model = bench_model()
    torch.set_num_threads(args.threads)
    out = {"torch": torch.__version__, "threads": args.threads}
    for name, scales in (("single", (384,)), ("tta", ref.DEFAULT_SCALES)):
        times = []
        prediction = None
        for run in range(args.runs + 1):
            start = time.perf_counter()
            prediction = ref.predict(model, ref.load_rgb(args.image), scales)
            if run > 0:  # the first is a warm-up
                times.append((time.perf_counter() - start) * 1000)
        out[f"{name}_ms"] = statistics.median(times)
        out[f"{name}_prob_blurred"] = prediction.prob_blurred
    print(json.dumps(out))


if __name__ == "__main__":
    main()
