"""Diagnostic: is a model's weakness at another inference scale only its BatchNorm statistics?

Scores the validation cache at --size (as shipped) and resized to --scale with the checkpoint's BatchNorm
statistics, then again after re-estimating them on training tiles resized to --scale. A large recovery means
the weights can read resampled images and the running statistics are what fail (the model card's
"Default scales" note). Uses the caches train.py wrote in --run; never touches the test split.

    /usr/bin/python3 tools/train/check_bn_scale.py --run /work/data/runs/blurgate-synth --scale 256

With --tta it instead re-estimates the statistics over training tiles at all five TTA scales (256..512) and
prints per-scale F1 and the 5-scale mean's F1 / ROC AUC, before and after: the cheap post-training fix that
was tried and not shipped (model card).
"""
import argparse
import os
import sys

import torch
import torch.nn.functional as F
from sklearn.metrics import f1_score, roc_auc_score

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "reference"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from blurgate_reference import FreqAuxModel, build_backbone  # noqa: E402
from train import normalise, recalibrate_bn  # noqa: E402


def resize(x: torch.Tensor, s: int) -> torch.Tensor:
    y = F.interpolate(x.float(), size=(s, s), mode="bilinear", align_corners=False, antialias=s < x.shape[-1])
    return y.round().clamp(0, 255).to(torch.uint8)


@torch.no_grad()
def prob_blurred(model: torch.nn.Module, x: torch.Tensor) -> torch.Tensor:
    model.eval()
    return torch.cat([torch.softmax(model(normalise(x[i : i + 64])), 1)[:, 1] for i in range(0, len(x), 64)])


def score(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor) -> str:
    p = prob_blurred(model, x).numpy()
    return f"F1 {f1_score(y.numpy(), p >= 0.5):.4f}, ROC AUC {roc_auc_score(y.numpy(), p):.4f}"


TTA_SCALES = (256, 320, 384, 448, 512)


@torch.no_grad()
def check_tta(model: torch.nn.Module, val: dict, sample: torch.Tensor) -> None:
    scaled = {s: resize(val["x"], s) for s in TTA_SCALES}
    y = val["y"].numpy()

    def report(tag: str) -> None:
        probs = {s: prob_blurred(model, x) for s, x in scaled.items()}
        mean = torch.stack(list(probs.values())).mean(0).numpy()
        per_scale = " ".join(f"{s}: {f1_score(y, p.numpy() >= 0.5):.4f}" for s, p in probs.items())
        print(f"{tag}: per-scale F1 {per_scale}; TTA F1 {f1_score(y, mean >= 0.5):.4f}, ROC AUC {roc_auc_score(y, mean):.4f}")

    report("checkpoint BatchNorm statistics")
    bns = [m for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    for m in bns:
        m.reset_running_stats()
        m.momentum = None  # exact average over every batch below
    model.train()
    for s in TTA_SCALES:
        xs = resize(sample, s)
        for i in range(0, len(xs), 32):
            model(normalise(xs[i : i + 32]))
    report("statistics re-estimated over the five scales")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--run", required=True, help="train.py --out folder (best.pt, cache-{train,val}-<size>.pt)")
    ap.add_argument("--checkpoint", help="default: <run>/best.pt")
    ap.add_argument("--arch", default="mobilenet_v3_small")
    ap.add_argument("--size", type=int, default=384)
    ap.add_argument("--scale", type=int, default=256)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--tta", action="store_true", help="statistics over all five TTA scales; report TTA figures")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    val = torch.load(os.path.join(a.run, f"cache-val-{a.size}.pt"))
    train = torch.load(os.path.join(a.run, f"cache-train-{a.size}.pt"))
    gen = torch.Generator().manual_seed(0)
    sample = train["x"][torch.randperm(len(train["x"]), generator=gen)[:640]]
    model = FreqAuxModel(build_backbone(a.arch, in_channels=4))
    model.load_state_dict(torch.load(a.checkpoint or os.path.join(a.run, "best.pt")))
    if a.tta:
        check_tta(model, val, sample)
        return
    val_scaled = resize(val["x"], a.scale)
    print(f"checkpoint BatchNorm statistics: scale {a.size}: {score(model, val['x'], val['y'])}; "
          f"scale {a.scale}: {score(model, val_scaled, val['y'])}")
    recalibrate_bn(model, resize(sample, a.scale), 32, 20, gen)
    print(f"statistics re-estimated on {a.scale}-resized training tiles: scale {a.scale}: {score(model, val_scaled, val['y'])}")


if __name__ == "__main__":
    main()
