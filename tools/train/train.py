"""Train the FreqAux + MobileNetV3 blur classifier of the reference (docs/reference-arithmetic.md §1) from scratch.

One command (see README.md):

    /usr/bin/python3 tools/train/train.py --data /work/data/synth --out /work/data/runs/synth-small \
        --arch mobilenet_v3_small --size 384 --crop 192 --deadline 21:05

- data: `<data>/{train,val}/{sharp,blurred}/**` images (the layout `synth` writes and @blurgate/eval reads);
- preprocessing exactly as the reference: Pillow RGB, Pillow bilinear squash resize to size x size, /255,
  ImageNet normalisation; FreqAux is a module of the model (`freq_aux.*` buffers). Resized images are cached
  once as uint8 tensors (`<out>/cache-<split>-<size>.pt`) so epochs cost only the network;
- training sees random `--crop` x `--crop` crops of the cached `--size` images (no resampling: blur keeps its
  size in pixels, so a model trained on 192 crops of 384 tiles sees the pixel statistics inference sees at
  384, at a quarter of the cost); validation and BatchNorm statistics use the whole `--size` images;
- paired batches: when every sharp/X has a blurred/X (what `synth` writes), each batch holds both copies of
  the same tiles with the same crop, so the only difference the loss can use is the blur itself;
- light augmentation: horizontal/vertical flips and 90-degree rotations (blur stays blur), and for some
  batches a bilinear squash-resize by 0.67-1.33x (what inference's resize does at the TTA scales);
- AdamW, cross-entropy, linear warm-up then cosine decay; the cosine runs on max(step progress, wall-clock
  progress) so the schedule anneals fully even when --deadline stops training early;
- wall-clock cap: stops after the epoch that would overrun --deadline (UTC HH:MM) or --budget-minutes;
- before each validation, BatchNorm statistics are recomputed exactly over a sample of training batches
  (see recalibrate_bn), so validation and best.pt use settled statistics;
- saves `best.pt` (torch.save(model.state_dict()), reference key layout) by validation F1, `last.pt`
  (resumable: model, optimiser, epoch, step, elapsed), and `log.jsonl` + `log.csv` (one row per epoch).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import math
import os
import sys
import time
from typing import List, Tuple

# Measured on the shared 2-core machine under load (tools/train/README.md): one intra-op thread with passive
# OpenMP waiting trains ~8x faster than two spinning threads when other processes hold the cores.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "reference"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from blurgate_reference import IMAGENET_MEAN, IMAGENET_STD, FreqAuxModel, build_backbone  # noqa: E402

IMAGE_EXT = {".jpg", ".jpeg", ".png", ".webp", ".bmp", ".tif", ".tiff"}
LABELS = {"sharp": 0, "blurred": 1}


def list_split(root: str) -> List[Tuple[str, int]]:
    items = []
    for name, label in LABELS.items():
        base = os.path.join(root, name)
        for d, _, files in os.walk(base):
            for f in files:
                if os.path.splitext(f)[1].lower() in IMAGE_EXT:
                    items.append((os.path.join(d, f), label))
    items.sort()
    return items


def load_cache(items: List[Tuple[str, int]], size: int, path: str) -> Tuple[torch.Tensor, torch.Tensor]:
    """uint8 (N, 3, size, size) after Pillow convert('RGB') + bilinear squash resize, and labels."""
    if os.path.exists(path):
        cached = torch.load(path)
        if cached["files"] == [p for p, _ in items]:
            return cached["x"], cached["y"]
    x = torch.empty((len(items), 3, size, size), dtype=torch.uint8)
    t0 = time.time()
    for i, (p, _) in enumerate(items):
        img = Image.open(p).convert("RGB").resize((size, size), Image.BILINEAR)
        x[i] = torch.from_numpy(np.asarray(img, dtype=np.uint8).copy()).permute(2, 0, 1)
        if i % 1000 == 0:
            print(f"  cache {path}: {i}/{len(items)} ({time.time() - t0:.0f}s)", flush=True)
    y = torch.tensor([label for _, label in items], dtype=torch.long)
    torch.save({"files": [p for p, _ in items], "x": x, "y": y}, path)
    return x, y


MEAN = torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1)
STD = torch.tensor(IMAGENET_STD).view(1, 3, 1, 1)


def normalise(batch_u8: torch.Tensor) -> torch.Tensor:
    return (batch_u8.float() / 255.0 - MEAN) / STD


def pair_indices(items: List[Tuple[str, int]]) -> torch.Tensor | None:
    """(P, 2) indices of (sharp, blurred) items with the same file name, or None when not every item pairs."""
    sharp = {os.path.basename(p): i for i, (p, label) in enumerate(items) if label == 0}
    blurred = {os.path.basename(p): i for i, (p, label) in enumerate(items) if label == 1}
    common = sharp.keys() & blurred.keys()
    # Mostly paired (a few orphans from an interrupted synth run): train on the pairs, drop the orphans.
    if not common or len(common) < 0.9 * max(len(sharp), len(blurred)):
        return None
    if len(common) < max(len(sharp), len(blurred)):
        print(f"pairs: {len(sharp) - len(common)} sharp and {len(blurred) - len(common)} blurred images without a twin are not used", flush=True)
    return torch.tensor([[sharp[k], blurred[k]] for k in sorted(common)], dtype=torch.long)


def textured_crops(batch: torch.Tensor, pairs: int, crop: int, gen: torch.Generator, tries: int = 3) -> torch.Tensor:
    """Random crop x crop windows, one per sharp/blurred pair (rows i and i + pairs share a window).

    Of `tries` random windows the one with the most gradient energy in the sharp copy is kept: a blurred tile's
    flat corner (page margin, sky) looks exactly like the sharp one and would only teach label noise.
    """
    n, _, h, w = batch.shape
    if crop >= h and crop >= w:
        return batch
    ys = torch.randint(0, h - crop + 1, (pairs, tries), generator=gen)
    xs = torch.randint(0, w - crop + 1, (pairs, tries), generator=gen)
    grey = batch[:pairs].float().mean(1)
    energy = (grey[:, 1:, :] - grey[:, :-1, :]).abs()
    out = torch.empty((n, batch.shape[1], crop, crop), dtype=batch.dtype)
    for i in range(pairs):
        scores = [float(energy[i, y : y + crop - 1, x : x + crop].mean()) for y, x in zip(ys[i].tolist(), xs[i].tolist())]
        best = max(range(tries), key=scores.__getitem__)
        y, x = int(ys[i, best]), int(xs[i, best])
        for row in range(i, n, pairs):
            out[row] = batch[row, :, y : y + crop, x : x + crop]
    return out


def rescaled_textured_crops(batch: torch.Tensor, pairs: int, crop: int, gen: torch.Generator, prob: float,
                            min_ratio: float, max_ratio: float, tries: int = 3) -> torch.Tensor:
    """textured_crops with a bilinear rescale drawn PER TILE (both copies of a pair get the same one).

    Why per tile: with the per-batch `rescale`, every image of a batch has the same scale, and BatchNorm in
    training normalises with that batch's statistics, so the model never has to recognise a resampled image
    on its own; at inference the running statistics come from unresized tiles. Measured on the validation
    tiles with the shipped model: F1 at scale 256 is 0.739 with its BatchNorm statistics and 0.939 when they
    are re-estimated on 256-resized tiles (model card, "Default scales"). Not yet used for a shipped model.
    The window choice repeats textured_crops' instead of calling it: textured_crops' random draws are what
    the shipped run used, and a shared version would change them.
    """
    n = batch.shape[0]
    out = torch.empty((n, batch.shape[1], crop, crop), dtype=batch.dtype)
    for i in range(pairs):
        rows = list(range(i, n, pairs))
        tiles = batch[rows]
        size = tiles.shape[-1]
        if torch.rand(1, generator=gen).item() < prob:
            s = int(torch.randint(max(crop, int(size * min_ratio)), int(size * max_ratio) + 1, (1,), generator=gen).item())
            if s != size:
                tiles = F.interpolate(tiles.float(), size=(s, s), mode="bilinear", align_corners=False, antialias=s < size)
                tiles = tiles.round().clamp(0, 255).to(torch.uint8)
        h, w = tiles.shape[-2:]
        grey = tiles[0].float().mean(0)
        energy = (grey[1:, :] - grey[:-1, :]).abs()
        best, best_score = (0, 0), -1.0
        for _ in range(tries):
            y = int(torch.randint(0, h - crop + 1, (1,), generator=gen).item())
            x = int(torch.randint(0, w - crop + 1, (1,), generator=gen).item())
            score = float(energy[y : y + crop - 1, x : x + crop].mean())
            if score > best_score:
                best, best_score = (y, x), score
        y, x = best
        for k, row in enumerate(rows):
            out[row] = tiles[k, :, y : y + crop, x : x + crop]
    return out


def augment(batch: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """Flips and 90-degree rotations: exact pixel permutations, so no resampling softness is added."""
    if torch.rand(1, generator=gen).item() < 0.5:
        batch = batch.flip(3)
    if torch.rand(1, generator=gen).item() < 0.5:
        batch = batch.flip(2)
    k = int(torch.randint(0, 4, (1,), generator=gen).item())
    return torch.rot90(batch, k, dims=(2, 3)) if k else batch


def rescale(batch: torch.Tensor, size: int, gen: torch.Generator, prob: float, min_ratio: float, max_ratio: float) -> torch.Tensor:
    """With probability `prob`, squash-resizes the batch to a random square between min_ratio and max_ratio of
    its size with a bilinear (triangle, antialiased when shrinking) filter, as inference's Pillow bilinear
    resize does at every TTA scale other than the image's own size (256..512 for a 384 image: 0.67x..1.33x).
    Without it the model only ever saw un-resampled pixels and called resampled sharp images blurred
    (measured on 384-px validation tiles with the first model: F1 0.94 at scale 384, 0.75 at 256, 0.74 at 512).
    """
    if prob <= 0 or torch.rand(1, generator=gen).item() >= prob:
        return batch
    s = int(torch.randint(int(size * min_ratio), int(size * max_ratio) + 1, (1,), generator=gen).item())
    if s == size:
        return batch
    x = F.interpolate(batch.float(), size=(s, s), mode="bilinear", align_corners=False, antialias=s < size)
    return x.round().clamp(0, 255).to(torch.uint8)


def resize_batch(batch_u8: torch.Tensor, size: int) -> torch.Tensor:
    """Bilinear squash-resize of a uint8 batch (antialiased when shrinking, as Pillow's bilinear resize)."""
    if batch_u8.shape[-1] == size and batch_u8.shape[-2] == size:
        return batch_u8
    x = F.interpolate(batch_u8.float(), size=(size, size), mode="bilinear", align_corners=False, antialias=size < batch_u8.shape[-1])
    return x.round().clamp(0, 255).to(torch.uint8)


@torch.no_grad()
def recalibrate_bn(model: torch.nn.Module, x: torch.Tensor, batch: int, batches: int, gen: torch.Generator,
                   scales: List[int] | None = None) -> None:
    """Re-estimates BatchNorm running statistics as exact averages over `batches` training batches.

    torchvision's MobileNetV3 uses BN momentum 0.01: from scratch, with a few hundred steps per epoch, the
    running statistics lag far behind the fast-changing weights and the eval-mode model is useless
    (measured: validation AUC ~0.5 while training accuracy was 0.89). Batch statistics do not affect the
    training gradients, so recomputing them is free of side effects on training.

    With `scales`, batch i is squash-resized to scales[i % len(scales)] first, so the statistics are the
    average over the TTA scales and every scale the gate may use is in distribution (issue 15: statistics
    from one scale are why 1.0.0's TTA was worse than its single scale).
    """
    bns = [m for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    saved = [m.momentum for m in bns]
    for m in bns:
        m.reset_running_stats()
        m.momentum = None  # cumulative moving average = exact mean over the batches seen
    model.train()
    idx = torch.randperm(len(x), generator=gen)[: batch * batches]
    for k, i in enumerate(range(0, len(idx), batch)):
        xb = x[idx[i : i + batch]]
        if scales:
            xb = resize_batch(xb, scales[k % len(scales)])
        model(normalise(xb))
    for m, momentum in zip(bns, saved):
        m.momentum = momentum


@torch.no_grad()
def predict(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor, batch: int, size: int) -> Tuple[torch.Tensor, float]:
    """p_blurred of every image squash-resized to size x size, and the mean cross-entropy."""
    model.eval()
    probs, loss = [], 0.0
    for i in range(0, len(x), batch):
        logits = model(normalise(resize_batch(x[i : i + batch], size)))
        loss += F.cross_entropy(logits, y[i : i + batch], reduction="sum").item()
        probs.append(torch.softmax(logits, dim=1)[:, 1])
    return torch.cat(probs), loss / len(x)


@torch.no_grad()
def evaluate(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor, batch: int, scales: List[int] | None = None,
             single: int = 384) -> dict:
    """Validation metrics at the single scale `single`; with `scales`, also the TTA (mean p_blurred over the
    scales, as @blurgate/core's TTA) metrics as tta_f1 / tta_auc."""
    from sklearn.metrics import f1_score, precision_score, recall_score, roc_auc_score

    by_scale = {}
    for s in sorted(set((scales or []) + [single])):
        by_scale[s] = predict(model, x, y, batch, s)
    p_t, loss = by_scale[single]
    p = p_t.numpy()
    t = y.numpy()
    pred = (p >= 0.5).astype(int)
    extra = {}
    if scales and len(scales) > 1:
        p_tta = torch.stack([by_scale[s][0] for s in scales]).mean(0).numpy()
        extra["tta_f1"] = float(f1_score(t, (p_tta >= 0.5).astype(int), zero_division=0))
        extra["tta_auc"] = float(roc_auc_score(t, p_tta))
        for s in scales:
            extra[f"f1_{s}"] = float(f1_score(t, (by_scale[s][0].numpy() >= 0.5).astype(int), zero_division=0))
    loss_value = loss
    return {
        "val_loss": loss_value,
        "val_accuracy": float((pred == t).mean()),
        "val_precision": float(precision_score(t, pred, zero_division=0)),
        "val_recall": float(recall_score(t, pred, zero_division=0)),
        "val_f1": float(f1_score(t, pred, zero_division=0)),
        "val_auc": float(roc_auc_score(t, p)),
        **extra,
    }


def deadline_seconds(args: argparse.Namespace, start: float) -> float:
    budget = args.budget_minutes * 60 if args.budget_minutes else math.inf
    if args.deadline:
        now = dt.datetime.now(dt.timezone.utc)
        hh, mm = (int(v) for v in args.deadline.split(":"))
        end = now.replace(hour=hh, minute=mm, second=0, microsecond=0)
        if end < now:
            end += dt.timedelta(days=1)
        budget = min(budget, (end - now).total_seconds())
    return budget


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", required=True, help="dataset root with train/ and val/")
    ap.add_argument("--out", required=True, help="run folder: best.pt, last.pt, log.jsonl, log.csv, caches")
    ap.add_argument("--arch", default="mobilenet_v3_small", choices=["mobilenet_v3_small", "mobilenet_v3_large"])
    ap.add_argument("--size", type=int, default=384, help="cache and validation size (square; tiles of this size are not resampled)")
    ap.add_argument("--crop", type=int, default=192, help="train on random crops of this side (0: the whole --size image)")
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--weight-decay", type=float, default=0.02)
    ap.add_argument("--warmup-steps", type=int, default=100)
    ap.add_argument("--deadline", help="UTC HH:MM: stop after the epoch that would overrun it")
    ap.add_argument("--budget-minutes", type=float, help="wall-clock budget for this invocation")
    ap.add_argument("--resume", action="store_true", help="continue from <out>/last.pt")
    ap.add_argument("--warm-restart", action="store_true", help="with --resume: start a new cosine cycle at --lr over the remaining budget")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--rescale-prob", type=float, default=0.5, help="share of batches squash-resized (bilinear)")
    ap.add_argument("--rescale-min", type=float, default=0.67, help="smallest rescale ratio (TTA scale 256 of a 384 image)")
    ap.add_argument("--rescale-max", type=float, default=1.33, help="largest rescale ratio (TTA scale 512 of a 384 image)")
    ap.add_argument("--rescale-per-image", action="store_true",
                    help="draw the rescale per tile (before cropping) instead of per batch; see rescaled_textured_crops")
    ap.add_argument("--scales", default="",
                    help="comma-separated TTA scales, e.g. 256,320,384,448,512: BatchNorm statistics are re-estimated over "
                         "them, validation reports TTA F1/AUC, and best.pt is chosen by the mean of single-scale and TTA F1")
    ap.add_argument("--steps-per-epoch", type=int, default=0,
                    help="cap an epoch at this many steps (0: one pass over the training pairs)")
    ap.add_argument("--val-limit", type=int, default=0,
                    help="validate on at most about this many images (every k-th pair; 0: all): bounds the multi-scale validation's cost")
    ap.add_argument("--init-onnx", help="start from a shipped model.onnx (BatchNorm folded; rebuilt by onnx_to_torch.py) instead of from scratch")
    ap.add_argument("--bn-batches", type=int, default=20, help="training batches (of 32 whole images) for BN recalibration before validation")
    ap.add_argument("--threads", type=int, default=min(2, os.cpu_count() or 1),
                    help="torch intra-op threads (on an idle 2-core machine 2 is fastest; use 1 when other jobs hold the cores)")
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    os.makedirs(args.out, exist_ok=True)
    start = time.time()
    budget = deadline_seconds(args, start)
    print(f"budget {budget / 60:.1f} min", flush=True)

    train_items = list_split(os.path.join(args.data, "train"))
    val_items = list_split(os.path.join(args.data, "val"))
    if args.val_limit and len(val_items) > args.val_limit:
        # Every k-th image of each class: sharp/ and blurred/ hold the same names, so pairs stay together.
        k = math.ceil(len(val_items) / args.val_limit)
        val_items = [it for label in (0, 1) for it in [v for v in val_items if v[1] == label][::k]]
    print(f"train {len(train_items)} images, val {len(val_items)} images", flush=True)
    xt, yt = load_cache(train_items, args.size, os.path.join(args.out, f"cache-train-{args.size}.pt"))
    xv, yv = load_cache(val_items, args.size, os.path.join(args.out, f"cache-val-{args.size}.pt"))
    print(f"caches ready in {time.time() - start:.0f}s", flush=True)

    pairs = pair_indices(train_items)
    units = len(pairs) if pairs is not None else len(xt)  # what one step draws from: pairs, or single images
    per_step = args.batch // 2 if pairs is not None else args.batch
    crop = args.crop or args.size
    print(f"training on {crop}x{crop} crops, {'paired' if pairs is not None else 'unpaired'} batches", flush=True)
    model = FreqAuxModel(build_backbone(args.arch, in_channels=4))
    scales = [int(v) for v in args.scales.split(",") if v]
    last_path = os.path.join(args.out, "last.pt")
    if args.init_onnx and not (args.resume and os.path.exists(last_path)):
        # The shipped ONNX has BatchNorm folded into the convolutions: rebuild the torch model exactly
        # (onnx_to_torch.model_from_onnx), then re-express each BatchNorm with statistics measured on training
        # images (reparameterize_batchnorm), so train-mode BatchNorm starts from the same function.
        from onnx_to_torch import model_from_onnx, reparameterize_batchnorm

        model, info = model_from_onnx(args.init_onnx)
        if info["architecture"] != args.arch:
            raise SystemExit(f"--init-onnx {args.init_onnx} is {info['architecture']}, not --arch {args.arch}")
        init_gen = torch.Generator().manual_seed(args.seed + 1)
        idx = torch.randperm(len(xt), generator=init_gen)[: 32 * args.bn_batches]
        batches = [normalise(resize_batch(xt[idx[i : i + 32]], scales[k % len(scales)]) if scales else xt[idx[i : i + 32]])
                   for k, i in enumerate(range(0, len(idx), 32))]
        reparameterize_batchnorm(model, batches)
        print(f"initialised from {args.init_onnx} ({info['convs']} convolutions, {info['linears']} linear layers)", flush=True)
        init_metrics = evaluate(model, xv, yv, 64, scales, args.size)
        print(json.dumps({"epoch": 0, "init": args.init_onnx, **init_metrics}), flush=True)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=args.weight_decay)
    steps_per_epoch = units // per_step
    if args.steps_per_epoch:
        # Short "epochs" (a fresh random draw of batches each): validation and last.pt more often, for a
        # machine where a full pass over the data may not fit in the session.
        steps_per_epoch = min(steps_per_epoch, args.steps_per_epoch)
    total_steps = steps_per_epoch * args.epochs
    epoch0, step, trained_seconds, best_f1 = 0, 0, 0.0, -1.0
    if args.resume and os.path.exists(last_path):
        state = torch.load(last_path)
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["optimizer"])
        epoch0, step, trained_seconds, best_f1 = state["epoch"], state["step"], state["trained_seconds"], state["best_f1"]
        print(f"resumed at epoch {epoch0}, step {step}, best val F1 {best_f1:.4f}", flush=True)
    # Wall-clock schedule horizon: time already trained plus what this invocation may still use.
    train_start = time.time()
    horizon = trained_seconds + max(60.0, budget - (train_start - start))
    # trained_seconds grows every epoch, so the schedule's clock adds this invocation's elapsed time to what was
    # trained BEFORE it (adding it to the running total counted every epoch twice and annealed in half the time).
    trained_before = trained_seconds

    restart_step = step

    def lr_at(step_: int, seconds: float) -> float:
        if args.warm_restart:
            # A new cosine cycle over what is left of this invocation's budget (SGDR-style warm restart).
            local = (time.time() - train_start) / max(60.0, budget - (train_start - start))
            return args.lr * 0.5 * (1 + math.cos(math.pi * min(1.0, local))) if step_ >= restart_step + 20 else args.lr * (step_ - restart_step + 1) / 20
        if step_ < args.warmup_steps:
            return args.lr * (step_ + 1) / args.warmup_steps
        progress = min(1.0, max(step_ / max(1, total_steps), seconds / horizon))
        return args.lr * 0.5 * (1 + math.cos(math.pi * progress))

    log_jsonl = open(os.path.join(args.out, "log.jsonl"), "a")
    csv_path = os.path.join(args.out, "log.csv")
    new_csv = not os.path.exists(csv_path)
    csv_file = open(csv_path, "a", newline="")
    csv_writer = None
    gen = torch.Generator().manual_seed(args.seed)
    epoch_seconds = None
    for epoch in range(epoch0, args.epochs):
        elapsed_call = time.time() - start
        if epoch_seconds is not None and elapsed_call + epoch_seconds > budget:
            print(f"stopping before epoch {epoch + 1}: {epoch_seconds:.0f}s epoch would overrun the budget", flush=True)
            break
        t_epoch = time.time()
        model.train()
        perm = torch.randperm(units, generator=gen)
        loss_sum, correct, seen = 0.0, 0, 0
        for b in range(steps_per_epoch):
            chosen = perm[b * per_step : (b + 1) * per_step]
            idx = torch.cat([pairs[chosen, 0], pairs[chosen, 1]]) if pairs is not None else chosen
            units_in_batch = len(chosen) if pairs is not None else len(idx)
            if args.rescale_per_image:
                cropped = rescaled_textured_crops(xt[idx], units_in_batch, crop, gen, args.rescale_prob,
                                                  args.rescale_min, args.rescale_max)
                xb = normalise(augment(cropped, gen))
            else:
                cropped = textured_crops(xt[idx], units_in_batch, crop, gen)
                xb = normalise(rescale(augment(cropped, gen), crop, gen, args.rescale_prob, args.rescale_min, args.rescale_max))
            yb = yt[idx]
            lr = lr_at(step, trained_before + time.time() - train_start)
            for g in opt.param_groups:
                g["lr"] = lr
            logits = model(xb)
            loss = F.cross_entropy(logits, yb)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            step += 1
            loss_sum += loss.item() * len(yb)
            correct += int((logits.argmax(1) == yb).sum())
            seen += len(yb)
            if b % 20 == 0:
                print(f"  epoch {epoch + 1} step {b}/{steps_per_epoch} loss {loss.item():.4f} lr {lr:.2e} "
                      f"({time.time() - t_epoch:.0f}s)", flush=True)
        recalibrate_bn(model, xt, 32, args.bn_batches, gen, scales)
        metrics = evaluate(model, xv, yv, 64, scales, args.size)
        epoch_seconds = time.time() - t_epoch
        trained_seconds += epoch_seconds
        row = {"epoch": epoch + 1, "step": step, "lr": lr, "train_loss": loss_sum / seen,
               "train_accuracy": correct / seen, **metrics, "epoch_seconds": round(epoch_seconds, 1),
               "time_utc": dt.datetime.now(dt.timezone.utc).strftime("%H:%M:%S")}
        # The selection score: single-scale F1, or with --scales the mean of single-scale and TTA F1 (the model
        # must be good at both: the gate's default and the reference recipe).
        score = (metrics["val_f1"] + metrics["tta_f1"]) / 2 if "tta_f1" in metrics else metrics["val_f1"]
        row["score"] = score
        improved = score > best_f1
        if improved:
            best_f1 = score
            torch.save(model.state_dict(), os.path.join(args.out, "best.pt"))
        row["best"] = improved
        print(json.dumps(row), flush=True)
        log_jsonl.write(json.dumps(row) + "\n")
        log_jsonl.flush()
        if csv_writer is None:
            csv_writer = csv.DictWriter(csv_file, fieldnames=list(row.keys()))
            if new_csv:
                csv_writer.writeheader()
        csv_writer.writerow(row)
        csv_file.flush()
        torch.save({"model": model.state_dict(), "optimizer": opt.state_dict(), "epoch": epoch + 1, "step": step,
                    "trained_seconds": trained_seconds, "best_f1": best_f1,
                    "args": vars(args)}, last_path)
    print(f"done: best val F1 {best_f1:.4f}; {args.out}/best.pt", flush=True)


if __name__ == "__main__":
    main()
