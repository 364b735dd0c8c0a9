"""Fine-tune a blurgate model on your own labelled images (tools/train/README.md, "Fine-tuning").

    tools/train/finetune.sh --base blurgate-synth --data my-labels.csv --out runs/mine --minutes 10

(finetune.sh checks the tools and runs this file with Debian's /usr/bin/python3 and python3-torch 1.13.)

- base: a model name (`blurgate-synth`, `name@version`: models/<name>/<version>/), a model folder with
  manifest.json, a model.onnx, or a reference-format best.pt (torch.save state dict). A model folder's
  PyTorch weights are rebuilt from its model.onnx (onnx_to_torch.py); architecture and width come from
  the weights;
- data: a folder with sharp/ and blurred/ (sub-folders walked), or a CSV (header path,label[,group]) or
  JSONL ({"path", "label"[, "group"]}) manifest, paths relative to it; labels sharp/0, blurred/blur/1;
- split: validation = the images whose group hashes (sha256) below --val-fraction. The group is the group
  column, else for a folder the file name under sharp/ or blurred/ (a sharp/blurred pair of one name stays
  together), else the file's sha256. Deterministic: the same data always splits the same way;
- training: the reference preprocessing (Pillow convert RGB, Pillow bilinear squash resize, ImageNet
  normalisation, FreqAux inside the model); every sample is resized to a random one of --train-scales
  (default the reference TTA scales 256-512), then a --crop window with the most gradient energy of three
  (a blank page margin is the same sharp or blurred) is taken, flipped / rotated by 90 degrees; balanced
  batches; AdamW with a small learning rate, warm-up then cosine over the wall-clock budget;
- BatchNorm (--bn): `frozen` (default) keeps every BatchNorm in eval mode, so its statistics and the
  base's behaviour on them stay; `train` first re-estimates the statistics on the training images WITHOUT
  changing the model's output (reparameterize_batchnorm) and then trains BatchNorm normally, re-estimating
  the statistics before each validation as train.py does. Measured in README.md;
- validation each epoch at the model's scales (softmax averaged over scales, as `blurgate classify`),
  epoch 0 = the base; the best epoch by validation F1 (then loss) is kept; early stopping after --patience
  epochs without improvement; --minutes caps training;
- Ctrl-C stops training, keeps the best epoch so far and still writes every output; a second Ctrl-C aborts;
- outputs: <out>/model/ (model.onnx converted by `blurgate-eval convert`, manifest.json with the base's
  identity under "base", the data under "fineTuning" and data-sha256.txt, README.md model card) and
  <out>/report/ (`blurgate-eval run` of base and fine-tuned model on the validation split, index.html
  comparing them, thresholds.json from `blurgate-eval calibrate --target-precision`); <out>/work/ holds
  base.pt, best.pt, log.jsonl and the validation manifest.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import hashlib
import html
import json
import math
import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # see train.py: passive waiting on a shared machine

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(HERE, "..", "reference"))
sys.path.insert(0, HERE)
from blurgate_reference import DEFAULT_SCALES, FreqAuxModel, build_backbone  # noqa: E402
from onnx_to_torch import WIDTHS, batchnorms, model_from_onnx, reparameterize_batchnorm  # noqa: E402
from train import augment, normalise  # noqa: E402
from write_manifest import sha256 as sha256_file  # noqa: E402

IMAGE_EXT = {".jpg", ".jpeg", ".png", ".webp", ".bmp", ".tif", ".tiff"}
LABEL_WORDS = {"sharp": 0, "0": 0, "blurred": 1, "blur": 1, "1": 1}
EVAL_CLI = os.path.join(REPO, "packages", "eval", "dist", "cli.js")


def log(message: str) -> None:
    print(message, flush=True)


# ---------------------------------------------------------------------------------------------- base
@dataclass
class Base:
    kind: str  # "model" (a folder / onnx with manifest) or "checkpoint"
    name: str
    version: Optional[str]
    sha256: str  # of model.onnx, or of the checkpoint file
    path: str  # the onnx or checkpoint file
    model_dir: Optional[str]
    manifest: Optional[dict]


def semver_key(v: str) -> Tuple:
    m = re.match(r"^(\d+)\.(\d+)\.(\d+)(-.*)?", v)
    return (int(m.group(1)), int(m.group(2)), int(m.group(3)), m.group(4) is None, m.group(4) or "") if m else (-1,)


def resolve_base(base: str) -> Base:
    def from_folder(folder: str) -> Base:
        manifest = json.load(open(os.path.join(folder, "manifest.json")))
        if not manifest.get("file"):
            raise SystemExit(f"{folder}: the model has no file yet (pull it first, e.g. `blurgate-eval models pull "
                             f"{manifest.get('name')} --keep-checkpoint`, and pass the best.pt as --base)")
        onnx = os.path.join(folder, manifest["file"])
        return Base("model", manifest["name"], manifest["version"], sha256_file(onnx), onnx, folder, manifest)

    if os.path.isdir(base):
        if not os.path.exists(os.path.join(base, "manifest.json")):
            raise SystemExit(f"--base {base}: a model folder needs a manifest.json")
        return from_folder(base)
    if os.path.isfile(base):
        if base.endswith(".onnx"):
            if os.path.exists(os.path.join(os.path.dirname(base) or ".", "manifest.json")):
                return from_folder(os.path.dirname(base) or ".")
            return Base("model", re.sub(r"[^a-z0-9]+", "-", os.path.basename(base)[:-5].lower()).strip("-") or "model",
                        None, sha256_file(base), base, None, None)
        stem = re.sub(r"[^a-z0-9]+", "-", os.path.splitext(os.path.basename(base))[0].lower()).strip("-") or "checkpoint"
        return Base("checkpoint", stem, None, sha256_file(base), base, None, None)
    name, _, version = base.partition("@")
    root = os.path.join(REPO, "models", name)
    if re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", name) and os.path.isdir(root):
        versions = sorted(os.listdir(root), key=semver_key)
        chosen = version or (versions[-1] if versions else "")
        if os.path.isdir(os.path.join(root, chosen)):
            return from_folder(os.path.join(root, chosen))
    raise SystemExit(f"--base {base}: not a model name in models/ (name or name@version), a model folder, a model.onnx or a best.pt")


def strip_state_dict(obj: object) -> Dict[str, torch.Tensor]:
    if isinstance(obj, dict) and not any(isinstance(v, torch.Tensor) for v in obj.values()):
        for key in ("model_state_dict", "state_dict", "model"):
            if isinstance(obj.get(key), dict):
                obj = obj[key]
                break
    sd = {k[len("module."):] if k.startswith("module.") else k: v for k, v in obj.items()}  # type: ignore[union-attr]
    if not any(k.startswith("backbone.") for k in sd):
        sd = {("freq_aux." + k if k in ("kernel", "mean", "std", "rgb2gray") else "backbone." + k): v for k, v in sd.items()}
    return sd


def model_from_checkpoint(path: str, arch_from_base: bool, arch: str, width: float) -> Tuple[FreqAuxModel, dict]:
    sd = strip_state_dict(torch.load(path, map_location="cpu"))
    stem = sd.get("backbone.features.0.0.weight")
    if stem is None:
        raise SystemExit(f"{path}: no backbone.features.0.0.weight: not a blurgate/reference MobileNetV3 checkpoint")
    channels = int(stem.shape[1])
    candidates = [(a, w) for a in ("mobilenet_v3_small", "mobilenet_v3_large") for w in [1.0] + WIDTHS] if arch_from_base else [(arch, width)]
    wanted = {k: tuple(v.shape) for k, v in sd.items() if k.startswith("backbone.")}
    for a, w in candidates:
        model = FreqAuxModel(build_backbone(a, in_channels=channels, width_mult=w))
        have = {k: tuple(v.shape) for k, v in model.state_dict().items() if k.startswith("backbone.")}
        if have == wanted:
            model.load_state_dict({**model.state_dict(), **sd})
            return model.eval(), {"architecture": a, "widthMult": w, "inputChannels": channels}
    hint = "" if arch_from_base else " (pass --arch-from-base to read the architecture from the weights)"
    raise SystemExit(f"{path}: the weights are not a {arch if not arch_from_base else 'MobileNetV3-Small/Large'} "
                     f"with width {width if not arch_from_base else '0.10-2.00'}{hint}")


# ---------------------------------------------------------------------------------------------- data
@dataclass
class Item:
    path: str
    rel: str  # as listed (relative to the data root / manifest folder)
    label: int
    group: str
    sha256: str


def read_items(data: str) -> Tuple[List[Item], str]:
    rows: List[Tuple[str, str, int, Optional[str]]] = []  # abs path, rel, label, group
    if os.path.isdir(data):
        for word, label in (("sharp", 0), ("blurred", 1)):
            root = os.path.join(data, word)
            for d, _, files in os.walk(root):
                for f in sorted(files):
                    if os.path.splitext(f)[1].lower() in IMAGE_EXT:
                        p = os.path.join(d, f)
                        rows.append((p, os.path.relpath(p, data), label, os.path.relpath(p, root)))
        kind = "folder"
        if not rows:
            raise SystemExit(f"--data {data}: no images under sharp/ or blurred/")
    else:
        folder = os.path.dirname(os.path.abspath(data))
        if data.endswith(".jsonl"):
            records = [json.loads(line) for line in open(data) if line.strip()]
            kind = "jsonl"
        else:
            records = list(csv.DictReader(open(newline="", file=data)))
            kind = "csv"
        for i, r in enumerate(records):
            if "path" not in r or "label" not in r:
                raise SystemExit(f"{data} record {i + 1}: needs path and label (header path,label[,group])")
            word = str(r["label"]).strip().lower()
            if word not in LABEL_WORDS:
                raise SystemExit(f"{data} record {i + 1}: label {r['label']!r} is not sharp/0 or blurred/blur/1")
            p = os.path.join(folder, str(r["path"]).strip())
            group = str(r["group"]).strip() if r.get("group") not in (None, "") else None
            rows.append((p, str(r["path"]).strip(), LABEL_WORDS[word], group))
    items = []
    for p, rel, label, group in rows:
        if not os.path.isfile(p):
            raise SystemExit(f"--data: {rel}: no such file ({p})")
        digest = sha256_file(p)
        items.append(Item(p, rel, label, group if group is not None else digest, digest))
    return items, kind


def split_items(items: List[Item], val_fraction: float) -> Tuple[List[Item], List[Item]]:
    def is_val(group: str) -> bool:
        return int(hashlib.sha256(group.encode()).hexdigest()[:8], 16) / 2**32 < val_fraction

    train = [i for i in items if not is_val(i.group)]
    val = [i for i in items if is_val(i.group)]
    for name, part in (("training", train), ("validation", val)):
        if {i.label for i in part} != {0, 1}:
            raise SystemExit(f"the {name} split has {sum(i.label == 0 for i in part)} sharp and {sum(i.label == 1 for i in part)} "
                             f"blurred images: it needs both (more data, another --val-fraction, or a group column)")
    return train, val


def load_scaled(items: List[Item], scales: List[int]) -> Dict[int, torch.Tensor]:
    """uint8 (N, 3, s, s) per scale: Pillow convert("RGB") + Pillow bilinear squash resize, as the reference."""
    out = {s: torch.empty((len(items), 3, s, s), dtype=torch.uint8) for s in scales}
    for n, item in enumerate(items):
        img = Image.open(item.path).convert("RGB")
        for s in scales:
            out[s][n] = torch.from_numpy(np.asarray(img.resize((s, s), Image.BILINEAR), dtype=np.uint8).copy()).permute(2, 0, 1)
    return out


def textured_crop(tile: torch.Tensor, crop: int, gen: torch.Generator, tries: int = 3) -> torch.Tensor:
    """A crop x crop window of one (3, s, s) image: of `tries` random windows the one with the most vertical
    gradient energy (train.py's choice per tile: a page margin or sky is the same sharp or blurred)."""
    _, h, w = tile.shape
    if crop >= h and crop >= w:
        return tile
    grey = tile.float().mean(0)
    energy = (grey[1:, :] - grey[:-1, :]).abs()
    best, best_score = (0, 0), -1.0
    for _ in range(tries):
        y = int(torch.randint(0, h - crop + 1, (1,), generator=gen))
        x = int(torch.randint(0, w - crop + 1, (1,), generator=gen))
        score = float(energy[y : y + crop - 1, x : x + crop].mean())
        if score > best_score:
            best, best_score = (y, x), score
    y, x = best
    return tile[:, y : y + crop, x : x + crop]


def training_batch(cache: Dict[int, torch.Tensor], labels: torch.Tensor, batch: int, crop: int, gen: torch.Generator) -> Tuple[torch.Tensor, torch.Tensor]:
    """Balanced: half sharp, half blurred (drawn with replacement); a random training scale per sample."""
    scales = sorted(cache)
    by_label = [torch.nonzero(labels == c).flatten() for c in (0, 1)]
    idx = torch.cat([pool[torch.randint(0, len(pool), (n,), generator=gen)] for pool, n in zip(by_label, (batch // 2, batch - batch // 2))])
    crops = []
    for i in idx.tolist():
        s = scales[int(torch.randint(0, len(scales), (1,), generator=gen))]
        crops.append(textured_crop(cache[s][i], crop, gen))
    return normalise(augment(torch.stack(crops), gen)), labels[idx]


# ---------------------------------------------------------------------------------------------- metrics
def binary_metrics(p: np.ndarray, t: np.ndarray) -> dict:
    """F1 / precision / recall / accuracy at p >= 0.5 and ROC AUC (Mann-Whitney, ties count half), as sklearn."""
    pred = p >= 0.5
    tp, fp, fn = int((pred & (t == 1)).sum()), int((pred & (t == 0)).sum()), int((~pred & (t == 1)).sum())
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    pos, neg = p[t == 1], p[t == 0]
    auc = float(((pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()) / (len(pos) * len(neg)))
    return {"f1": f1, "precision": precision, "recall": recall, "accuracy": float((pred == (t == 1)).mean()), "auc": auc}


@torch.no_grad()
def validate(model: FreqAuxModel, cache: Dict[int, torch.Tensor], labels: torch.Tensor, scales: List[int]) -> dict:
    """The model's scales, softmax averaged over them (what `blurgate classify` does), batch of 8."""
    model.eval()
    probs = torch.zeros((len(labels), 2))
    for s in scales:
        x = cache[s]
        for i in range(0, len(x), 8):
            probs[i : i + 8] += torch.softmax(model(normalise(x[i : i + 8])), dim=1) / len(scales)
    loss = float(F.nll_loss(torch.log(probs.clamp(min=1e-7)), labels))
    return {"val_loss": loss, **{f"val_{k}": v for k, v in binary_metrics(probs[:, 1].numpy(), labels.numpy()).items()}}


# ---------------------------------------------------------------------------------------------- BatchNorm
@torch.no_grad()
def recalibrate_batchnorm(model: FreqAuxModel, batches: List[torch.Tensor]) -> None:
    """Exact running statistics over `batches` (train-mode forward, cumulative average), as train.py."""
    for bn in batchnorms(model):
        bn.reset_running_stats()
        bn.momentum = None
    model.train()
    for xb in batches:
        model(xb)
    model.eval()


# ---------------------------------------------------------------------------------------------- train
class StopFlag:
    """First Ctrl-C: stop after the current step and write the outputs; second: abort."""

    def __init__(self) -> None:
        self.stopped = False
        self.announced = False
        signal.signal(signal.SIGINT, self._handle)

    def _handle(self, signum, frame) -> None:  # noqa: ANN001
        # No printing here: the handler can run inside an interrupted write to stdout, and a write from it
        # then fails with "reentrant call inside BufferedWriter" (exit 1). `requested()` says it instead.
        if self.stopped:
            raise KeyboardInterrupt
        self.stopped = True

    def requested(self) -> bool:
        """True once Ctrl-C was pressed; says so on the terminal the first time it is seen."""
        if self.stopped and not self.announced:
            self.announced = True
            log("\nCtrl-C: stopping; the best epoch so far is kept and the outputs are written (Ctrl-C again to abort)")
        return self.stopped

    def restore(self) -> None:
        signal.signal(signal.SIGINT, signal.default_int_handler)


def fmt_minutes(seconds: float) -> str:
    seconds = max(0, int(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"


def train(args: argparse.Namespace, model: FreqAuxModel, train_cache: Dict[int, torch.Tensor], yt: torch.Tensor,
          val_cache: Dict[int, torch.Tensor], yv: torch.Tensor, val_scales: List[int], work: str, stop: StopFlag) -> dict:
    gen = torch.Generator().manual_seed(args.seed)
    bn_batches = lambda: [training_batch(train_cache, yt, args.batch, args.crop, gen)[0] for _ in range(args.bn_batches)]  # noqa: E731
    if args.bn == "train":
        reparameterize_batchnorm(model, bn_batches())
    base_metrics = validate(model, val_cache, yv, val_scales)
    best = {"epoch": 0, **base_metrics}
    best_state = {k: v.clone() for k, v in model.state_dict().items()}
    log(f"epoch 0 (base): val loss {base_metrics['val_loss']:.4f}  F1 {base_metrics['val_f1']:.4f}  ROC AUC {base_metrics['val_auc']:.4f}")
    log_file = open(os.path.join(work, "log.jsonl"), "w")
    log_file.write(json.dumps({"epoch": 0, **base_metrics}) + "\n")
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=args.weight_decay)
    steps_per_epoch = max(1, len(yt) // args.batch)
    budget = args.minutes * 60
    start = time.time()
    step, epoch, since_best, epoch_seconds = 0, 0, 0, 0.0
    stop_reason = "the epoch limit"
    while epoch < args.max_epochs:
        elapsed = time.time() - start
        if elapsed + epoch_seconds > budget:
            stop_reason = f"the {args.minutes:g}-minute budget"
            break
        if stop.requested():
            stop_reason = "Ctrl-C"
            break
        epoch += 1
        t0 = time.time()
        model.train()
        if args.bn == "frozen":
            for bn in batchnorms(model):
                bn.eval()
        loss_sum, seen, shown = 0.0, 0, time.time()
        for b in range(steps_per_epoch):
            if stop.requested() or time.time() - start > budget:
                break  # an epoch cut short by the budget is still validated
            if time.time() - shown > 30:
                log(f"  epoch {epoch} step {b}/{steps_per_epoch}  loss {loss_sum / max(1, seen):.4f}  {fmt_minutes(budget - (time.time() - start))} left")
                shown = time.time()
            progress = min(1.0, (time.time() - start) / budget)
            lr = args.lr * min(1.0, (step + 1) / args.warmup_steps) * 0.5 * (1 + math.cos(math.pi * progress))
            for g in opt.param_groups:
                g["lr"] = lr
            xb, yb = training_batch(train_cache, yt, args.batch, args.crop, gen)
            loss = F.cross_entropy(model(xb), yb)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            step += 1
            loss_sum += float(loss) * len(yb)
            seen += len(yb)
        if seen == 0:
            stop_reason = "Ctrl-C"
            break
        if args.bn == "train":
            recalibrate_batchnorm(model, bn_batches())
        metrics = validate(model, val_cache, yv, val_scales)
        epoch_seconds = time.time() - t0
        improved = (metrics["val_f1"], -metrics["val_loss"]) > (best["val_f1"], -best["val_loss"])
        if improved:
            best = {"epoch": epoch, **metrics}
            best_state = {k: v.clone() for k, v in model.state_dict().items()}
            since_best = 0
        else:
            since_best += 1
        row = {"epoch": epoch, "step": step, "lr": lr, "train_loss": loss_sum / seen, **metrics,
               "epoch_seconds": round(epoch_seconds, 1), "best": improved}
        log_file.write(json.dumps(row) + "\n")
        log_file.flush()
        left = budget - (time.time() - start)
        log(f"epoch {epoch:3d}  loss {loss_sum / seen:.4f}  val loss {metrics['val_loss']:.4f}  val F1 {metrics['val_f1']:.4f}"
            f"  AUC {metrics['val_auc']:.4f}  best F1 {best['val_f1']:.4f} (epoch {best['epoch']})  "
            f"{epoch_seconds:.0f} s/epoch  {fmt_minutes(left)} left{'  *' if improved else ''}")
        if since_best >= args.patience:
            stop_reason = f"early stopping ({args.patience} epochs without a better validation F1/loss)"
            break
    model.load_state_dict(best_state)
    return {"best": best, "base": base_metrics, "epochs": epoch, "steps": step, "stoppedBy": stop_reason,
            "trainSeconds": round(time.time() - start, 1)}


# ---------------------------------------------------------------------------------------------- outputs
def node(*argv: str) -> None:
    log("$ node " + " ".join(argv))
    subprocess.run(["node", *argv], check=True)


def git_head() -> str:
    try:
        return subprocess.run(["git", "-C", REPO, "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def write_manifest(out: str, base: Base, args: argparse.Namespace, items: List[Item], train_items: List[Item],
                   val_items: List[Item], result: dict, info: dict, scales: List[int], thresholds: dict, data_kind: str) -> dict:
    model_dir = os.path.join(out, "model")
    path = os.path.join(model_dir, "manifest.json")
    manifest = json.load(open(path))
    with open(os.path.join(model_dir, "data-sha256.txt"), "w") as f:
        f.write("# sha256  label  split  path (relative to the --data folder or manifest)\n")
        for split, part in (("train", train_items), ("validation", val_items)):
            for i in sorted(part, key=lambda i: i.rel):
                f.write(f"{i.sha256}  {'blurred' if i.label else 'sharp'}  {split}  {i.rel}\n")
    data_list_sha = sha256_file(os.path.join(model_dir, "data-sha256.txt"))
    settings = {k: getattr(args, k) for k in ("minutes", "lr", "weight_decay", "batch", "crop", "train_scales", "bn", "bn_batches",
                                              "val_fraction", "patience", "max_epochs", "warmup_steps", "seed", "threads")}
    manifest.update({
        "description": f"{base.name}{'@' + base.version if base.version else ''} fine-tuned on {len(items)} labelled images "
                       f"({len(train_items)} training, {len(val_items)} validation) with tools/train/finetune.sh. See README.md.",
        "scales": scales,
        "thresholds": thresholds,
    })
    manifest["source"]["recipe"] = (f"tools/train/finetune.sh --base {base.name}{'@' + base.version if base.version else ''} "
                                    f"(bn {args.bn}, lr {args.lr:g}, {args.minutes:g} min) at git {git_head()}")
    manifest["base"] = {"name": base.name, "version": base.version, "sha256": base.sha256, "kind": base.kind,
                        "architecture": info["architecture"], "widthMult": info["widthMult"]}
    manifest["fineTuning"] = {
        "data": {"kind": data_kind, "images": len(items), "train": len(train_items), "validation": len(val_items),
                 "sharp": sum(i.label == 0 for i in items), "blurred": sum(i.label == 1 for i in items),
                 "split": "group column" if data_kind != "folder" and any(i.group != i.sha256 for i in items) else
                          ("file name under sharp/ or blurred/" if data_kind == "folder" else "file sha256"),
                 "sha256List": "data-sha256.txt", "sha256ListSha256": data_list_sha},
        "settings": settings,
        "bestEpoch": result["best"]["epoch"], "epochs": result["epochs"], "steps": result["steps"],
        "stoppedBy": result["stoppedBy"], "trainSeconds": result["trainSeconds"],
        "validation": {"base": result["base"], "fineTuned": {k: v for k, v in result["best"].items() if k != "epoch"}},
        "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    with open(path, "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")
    return manifest


def read_report(folder: str) -> Optional[dict]:
    path = os.path.join(folder, "report.json")
    return json.load(open(path)) if os.path.exists(path) else None


METRICS = [("accuracy", "Accuracy"), ("precision", "Precision"), ("recall", "Recall"), ("f1", "F1"), ("roc_auc", "ROC AUC")]


def metric_cell(report: Optional[dict], key: str) -> str:
    if not report:
        return "n/a"
    value = report["metrics"].get(key)
    interval = report.get("intervals", {}).get(key)
    if value is None:
        return "n/a"
    return f"{value:.4f} [{interval['low']:.4f}, {interval['high']:.4f}]" if interval else f"{value:.4f}"


def comparison_table(base_report: Optional[dict], tuned_report: Optional[dict], base_label: str, tuned_label: str) -> List[List[str]]:
    rows = [["metric", base_label, tuned_label, "change"]]
    for key, title in METRICS:
        b = base_report["metrics"].get(key) if base_report else None
        t = tuned_report["metrics"].get(key) if tuned_report else None
        change = f"{t - b:+.4f}" if b is not None and t is not None else "n/a"
        rows.append([title, metric_cell(base_report, key), metric_cell(tuned_report, key), change])
    return rows


def markdown_table(rows: List[List[str]]) -> str:
    lines = ["| " + " | ".join(rows[0]) + " |", "| " + " | ".join("---" for _ in rows[0]) + " |"]
    return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in rows[1:]])


def write_report_index(report_dir: str, rows: List[List[str]], thresholds: Optional[dict], target: float, n_val: int, title: str) -> None:
    table = "".join("<tr>" + "".join(f"<{'th' if i == 0 else 'td'}>{html.escape(c)}</{'th' if i == 0 else 'td'}>" for c in r) + "</tr>"
                    for i, r in enumerate(rows))
    if thresholds:
        a = thresholds["provenance"]["achieved"]
        calib = (f"<p>Thresholds for precision ≥ {target:g} (<code>blurgate-eval calibrate</code>, on the same validation images, "
                 f"so optimistic): confidence {thresholds['confidenceThreshold']:.3f}, blur {thresholds['blurThreshold']:.4f}; "
                 f"achieved precision {a['precision']:.4f}, recall {a['recall']:.4f}, coverage {a['coverage']:.4f}. "
                 f"<a href=\"thresholds.json\">thresholds.json</a> (<code>blurgate classify --thresholds</code>).</p>")
    else:
        calib = f"<p>No thresholds reach precision ≥ {target:g} on these images (see calibrate.log).</p>"
    page = (f"<!doctype html><html><head><meta charset=\"utf-8\"><title>{html.escape(title)}</title>"
            "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto}td,th{border:1px solid #ccc;padding:.3em .6em}"
            "table{border-collapse:collapse}</style></head><body>"
            f"<h1>{html.escape(title)}</h1><p>Validation split: {n_val} images (95% bootstrap intervals; blurred when p ≥ 0.5).</p>"
            f"<table>{table}</table>{calib}"
            "<p>Full reports: <a href=\"base/report.html\">base</a>, <a href=\"finetuned/report.html\">fine-tuned</a>.</p></body></html>")
    with open(os.path.join(report_dir, "index.html"), "w") as f:
        f.write(page)


def write_model_card(out: str, manifest: dict, base: Base, rows: List[List[str]], result: dict, command: str) -> None:
    ft = manifest["fineTuning"]
    d = ft["data"]
    base_id = f"{base.name}{' ' + base.version if base.version else ''}"
    card = f"""# {manifest['name']} {manifest['version']}

{base_id} (sha256 `{base.sha256}`) fine-tuned on {d['images']} labelled images ({d['sharp']} sharp, {d['blurred']} blurred)
with `tools/train/finetune.sh`. Architecture {manifest['architecture']} (width {manifest['base']['widthMult']}), {manifest['inputChannels']}-channel
input, scales {manifest['scales']}, thresholds confidence {manifest['thresholds']['confidence']} / blur {manifest['thresholds']['blur']} (the base's).

## What it was tuned on

- {d['train']} training and {d['validation']} validation images, split by {d['split']} (sha256 of the group < {ft['settings']['val_fraction']}).
- Every file's sha256, label and split: [`data-sha256.txt`](data-sha256.txt) (sha256 of the list `{d['sha256ListSha256']}`).
- Settings: {', '.join(f'{k} {v}' for k, v in ft['settings'].items())}.
- Trained {ft['epochs']} epochs ({ft['steps']} steps, {ft['trainSeconds']:.0f} s), stopped by {ft['stoppedBy']}; kept epoch {ft['bestEpoch']}
  (0 would mean the base itself: no epoch beat it on validation).

## How much it gained (validation split, `blurgate-eval run` at the model's scales)

{markdown_table(rows)}

The validation images also chose the best epoch and the calibrated thresholds (`../report/thresholds.json`), so
these figures are optimistic; measure on images the fine-tuning never saw before relying on them.
Report: `../report/index.html`.

Command:

```sh
{command}
```
"""
    with open(os.path.join(out, "model", "README.md"), "w") as f:
        f.write(card)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--base", required=True, help="model name (name[@version] in models/), model folder, model.onnx or best.pt")
    ap.add_argument("--data", required=True, help="folder with sharp/ and blurred/, or a CSV/JSONL manifest path,label[,group]")
    ap.add_argument("--out", required=True)
    ap.add_argument("--minutes", type=float, default=10, help="wall-clock budget of training (conversion and evaluation come after)")
    ap.add_argument("--arch-from-base", action="store_true", help="best.pt: read architecture and width from the weights "
                    "(model folders and .onnx always are)")
    ap.add_argument("--arch", default="mobilenet_v3_large", choices=["mobilenet_v3_large", "mobilenet_v3_small"],
                    help="best.pt without --arch-from-base (default: the reference's Large)")
    ap.add_argument("--width", type=float, default=1.0, help="best.pt without --arch-from-base: width multiplier")
    ap.add_argument("--target-precision", type=float, default=0.95, help="calibrate thresholds for this precision")
    ap.add_argument("--name", help="name of the fine-tuned model (default <base name>-ft)")
    ap.add_argument("--version", help="its semver (default <base version or 1.0.0>-ft.<UTC date>)")
    ap.add_argument("--lr", type=float, default=1e-4)
    ap.add_argument("--weight-decay", type=float, default=0.01)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--crop", type=int, default=224, help="training window side (pixels of the resized image)")
    ap.add_argument("--train-scales", default=",".join(str(s) for s in DEFAULT_SCALES),
                    help="each training sample is resized to one of these (default the reference TTA scales)")
    ap.add_argument("--bn", choices=["frozen", "train"], default="frozen", help="BatchNorm handling (see the module doc)")
    ap.add_argument("--bn-batches", type=int, default=8, help="--bn train: batches for the statistics")
    ap.add_argument("--val-fraction", type=float, default=0.2)
    ap.add_argument("--patience", type=int, default=10, help="epochs without a better validation F1/loss before stopping")
    ap.add_argument("--max-epochs", type=int, default=1000)
    ap.add_argument("--warmup-steps", type=int, default=10)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=min(2, os.cpu_count() or 1))
    ap.add_argument("--no-report", action="store_true", help="skip the base/fine-tuned evaluation (model only)")
    args = ap.parse_args()
    if not 0 < args.val_fraction < 1:
        raise SystemExit("--val-fraction must be between 0 and 1")
    command = "tools/train/finetune.sh " + " ".join(sys.argv[1:])
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    stop = StopFlag()
    work, model_dir, report_dir = (os.path.join(args.out, d) for d in ("work", "model", "report"))
    for d in (work, model_dir, report_dir):
        os.makedirs(d, exist_ok=True)

    base = resolve_base(args.base)
    if base.kind == "model":
        model, info = model_from_onnx(base.path)
        info["inputChannels"] = 4
        in_graph = info.get("onnxInputChannels") == 3
        log(f"base {base.name} {base.version or ''}: rebuilt {info['architecture']} width {info['widthMult']} from {base.path}")
    else:
        model, info = model_from_checkpoint(base.path, args.arch_from_base, args.arch, args.width)
        in_graph = False
        log(f"base checkpoint {base.path}: {info['architecture']} width {info['widthMult']}")
    if info.get("inputChannels", 4) != 4:
        raise SystemExit("only 4-channel (FreqAux) models can be fine-tuned")
    torch.save(model.state_dict(), os.path.join(work, "base.pt"))
    val_scales = [int(s) for s in (base.manifest["scales"] if base.manifest else DEFAULT_SCALES)]
    thresholds = base.manifest["thresholds"] if base.manifest else {"confidence": 0.6, "blur": 0.5}
    train_scales = [int(s) for s in str(args.train_scales).split(",")]
    if min(train_scales) < args.crop:
        raise SystemExit(f"--crop {args.crop} is larger than the smallest training scale {min(train_scales)}")

    items, data_kind = read_items(args.data)
    train_items, val_items = split_items(items, args.val_fraction)
    log(f"data {args.data}: {len(items)} images; training {len(train_items)} ({sum(i.label for i in train_items)} blurred), "
        f"validation {len(val_items)} ({sum(i.label for i in val_items)} blurred)")
    t0 = time.time()
    train_cache = load_scaled(train_items, train_scales)
    val_cache = load_scaled(val_items, val_scales)
    yt = torch.tensor([i.label for i in train_items])
    yv = torch.tensor([i.label for i in val_items])
    log(f"images decoded and resized to {train_scales} (training) and {val_scales} (validation) in {time.time() - t0:.0f} s")
    log(f"training: budget {args.minutes:g} min, lr {args.lr:g}, batch {args.batch}, crop {args.crop}, BatchNorm {args.bn}; Ctrl-C keeps the best so far")

    result = train(args, model, train_cache, yt, val_cache, yv, val_scales, work, stop)
    best = result["best"]
    log(f"stopped by {result['stoppedBy']} after {result['epochs']} epochs; best epoch {best['epoch']}: "
        f"val F1 {result['base']['val_f1']:.4f} → {best['val_f1']:.4f}, ROC AUC {result['base']['val_auc']:.4f} → {best['val_auc']:.4f}")
    best_path = os.path.join(work, "best.pt")
    torch.save(model.state_dict(), best_path)
    stop.restore()  # from here on Ctrl-C aborts the remaining (short) steps

    name = args.name or f"{base.name}-ft"
    version = args.version or f"{base.version.split('-')[0].split('+')[0] if base.version else '1.0.0'}-ft.{dt.datetime.now(dt.timezone.utc):%Y%m%d}"
    node(EVAL_CLI, "convert", best_path, "--out", os.path.join(model_dir, "model.onnx"), "--name", name, "--version", version,
         *(["--freq-aux-in-graph"] if in_graph else []))
    manifest = write_manifest(args.out, base, args, items, train_items, val_items, result, info, val_scales, thresholds, data_kind)

    with open(os.path.join(work, "validation.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["path", "label"])
        for i in val_items:
            w.writerow([os.path.abspath(i.path), "blurred" if i.label else "sharp"])
    base_report = tuned_report = thresholds_json = None
    if not args.no_report:
        scales = ",".join(str(s) for s in val_scales)
        base_model = base.model_dir or base.path
        if base.kind == "checkpoint":
            base_model = os.path.join(work, "base-model", "model.onnx")
            node(EVAL_CLI, "convert", base.path, "--out", base_model, "--name", base.name, "--version", "1.0.0")  # a major core runs
        for label, model_arg in (("base", base_model), ("finetuned", model_dir)):
            target = os.path.join(report_dir, label)
            if os.path.exists(os.path.join(target, "predictions.jsonl")):
                os.remove(os.path.join(target, "predictions.jsonl"))  # a new run: never resume an older one
            try:
                node(EVAL_CLI, "run", "--model", model_arg, "--data", os.path.join(work, "validation.csv"), "--out", target, "--scales", scales)
            except subprocess.CalledProcessError as e:
                log(f"blurgate-eval run for the {label} model failed ({e}); see above")
        base_report, tuned_report = read_report(os.path.join(report_dir, "base")), read_report(os.path.join(report_dir, "finetuned"))
        thresholds_path = os.path.join(report_dir, "thresholds.json")
        calibrate = subprocess.run(["node", EVAL_CLI, "calibrate", "--predictions", os.path.join(report_dir, "finetuned", "predictions.jsonl"),
                                    "--target-precision", str(args.target_precision), "--out", thresholds_path], capture_output=True, text=True)
        with open(os.path.join(report_dir, "calibrate.log"), "w") as f:
            f.write(calibrate.stdout + calibrate.stderr)
        if calibrate.returncode == 0 and os.path.exists(thresholds_path):
            thresholds_json = json.load(open(thresholds_path))
        else:
            log(f"calibrate: {(calibrate.stderr or calibrate.stdout).strip()}")
        if tuned_report:
            manifest["metrics"] = [
                {"dataset": f"fine-tuning validation split ({len(val_items)} of the {len(items)} labelled images; also chose the best epoch)",
                 "images": len(val_items),
                 "scales": val_scales, "accuracy": tuned_report["metrics"]["accuracy"], "precision": tuned_report["metrics"]["precision"],
                 "recall": tuned_report["metrics"]["recall"], "f1": tuned_report["metrics"]["f1"],
                 "rocAuc": tuned_report["metrics"]["roc_auc"] if tuned_report["metrics"]["roc_auc"] is not None else 0,
                 "command": command}]
            with open(os.path.join(model_dir, "manifest.json"), "w") as f:
                json.dump(manifest, f, indent=2)
                f.write("\n")
    base_label = f"base {base.name}{' ' + base.version if base.version else ''}"
    rows = comparison_table(base_report, tuned_report, base_label, f"fine-tuned {name} {version}")
    if args.no_report:
        rows = [["metric", base_label, f"fine-tuned {name} {version}", "change"]] + [
            [t, f"{result['base']['val_' + k]:.4f}", f"{best['val_' + k]:.4f}", f"{best['val_' + k] - result['base']['val_' + k]:+.4f}"]
            for k, t in (("f1", "F1"), ("auc", "ROC AUC"))]
    else:
        write_report_index(report_dir, rows, thresholds_json, args.target_precision, len(val_items), f"{name} {version}: base vs fine-tuned")
        with open(os.path.join(report_dir, "comparison.md"), "w") as f:
            f.write(markdown_table(rows) + "\n")
    write_model_card(args.out, manifest, base, rows, result, command)
    log(markdown_table(rows))
    log(f"wrote {model_dir} ({name} {version}) and {report_dir}; try: node packages/node/dist/cli.js classify --model {model_dir} <image>")


if __name__ == "__main__":
    main()
