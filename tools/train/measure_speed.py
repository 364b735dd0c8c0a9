"""Time a few training steps of FreqAux + MobileNetV3 (Small/Large) at a few input sizes, under the real load.

    /usr/bin/python3 tools/train/measure_speed.py [--archs mobilenet_v3_small,mobilenet_v3_large] [--sizes 192,256]
"""
import argparse, os, sys, time
import torch
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "reference"))
from blurgate_reference import FreqAuxModel, build_backbone  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("--archs", default="mobilenet_v3_small,mobilenet_v3_large")
ap.add_argument("--sizes", default="192,256,320")
ap.add_argument("--batch", type=int, default=32)
ap.add_argument("--steps", type=int, default=3)
ap.add_argument("--threads", type=int, default=2)
a = ap.parse_args()
torch.set_num_threads(a.threads)
for arch in a.archs.split(","):
    for s in [int(v) for v in a.sizes.split(",")]:
        m = FreqAuxModel(build_backbone(arch, 4)); m.train()
        opt = torch.optim.AdamW(m.parameters(), 1e-3)
        x = torch.randn(a.batch, 3, s, s); y = torch.randint(0, 2, (a.batch,))
        for i in range(a.steps + 1):
            if i == 1: t = time.time()
            opt.zero_grad(); loss = torch.nn.functional.cross_entropy(m(x), y); loss.backward(); opt.step()
        dt = (time.time() - t) / a.steps
        print(f"{arch} size={s} batch={a.batch}: {dt:.2f} s/step, {a.batch/dt:.1f} img/s", flush=True)
