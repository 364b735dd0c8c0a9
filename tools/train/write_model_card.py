"""Writes models/blurgate-synth/1.0.0/README.md (the model card) from measured files only:
the `blurgate-eval run` reports (single-scale and TTA), the training log, the dataset folders and the
manifest. Free-text measurements (latency, real-blur check) are passed in as files.

    /usr/bin/python3 tools/train/write_model_card.py --model models/blurgate-synth/1.0.0 --data /work/data \
        --single /work/data/eval/single/report.json --tta /work/data/eval/tta/report.json \
        --latency /work/data/eval/latency.md --real-blur /work/data/eval/real-blur.md
"""
import argparse
import csv
import json
import os
from collections import Counter

ROWS = [("accuracy", "Accuracy"), ("precision", "Precision"), ("recall", "Recall"), ("f1", "F1"), ("roc_auc", "ROC AUC")]


def count_split(data: str, split: str) -> Counter:
    c = Counter()
    for cls in ("sharp", "blurred"):
        d = os.path.join(data, "synth", split, cls)
        if os.path.isdir(d):
            for f in os.listdir(d):
                c[(f.split("_")[0], cls)] += 1
    return c


def blur_kinds(data: str, split: str) -> Counter:
    c = Counter()
    d = os.path.join(data, "synth", split)
    for f in sorted(os.listdir(d)):
        if f.startswith("records-"):
            for line in open(os.path.join(d, f)):
                c[json.loads(line)["blurKind"]] += 1
    return c


def fmt(v):
    return "n/a" if v is None else f"{v:.4f}"


def interval(iv):
    return "" if not iv else f" [{iv['low']:.4f}, {iv['high']:.4f}]"


def metrics_table(reports) -> str:
    head = "| metric | " + " | ".join(title for title, _ in reports) + " |"
    sep = "| --- |" + " --- |" * len(reports)
    lines = [head, sep]
    for key, name in ROWS:
        cells = []
        for _, r in reports:
            cells.append(fmt(r["metrics"].get(key)) + interval(r["intervals"].get(key)))
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--single", required=True)
    ap.add_argument("--tta", required=True)
    ap.add_argument("--latency", required=True)
    ap.add_argument("--real-blur", required=True)
    ap.add_argument("--notes", help="extra markdown (what was tried) appended under Targets")
    ap.add_argument("--history", help="markdown: how the shipped run went (stages, resumes), under Training")
    a = ap.parse_args()
    manifest = json.load(open(os.path.join(a.model, "manifest.json")))
    single = json.load(open(a.single))
    tta = json.load(open(a.tta))
    log = list(csv.DictReader(open(os.path.join(a.model, "training-log.csv"))))
    best = max(log, key=lambda r: float(r["val_f1"]))
    train, val, test = (count_split(a.data, s) for s in ("train", "val", "test"))
    kinds = blur_kinds(a.data, "train")
    tkinds = blur_kinds(a.data, "test")

    def split_lines(c: Counter) -> str:
        pk = sorted({p for p, _ in c})
        return ", ".join(f"{p} {c[(p, 'sharp')]}+{c[(p, 'blurred')]}" for p in pk)

    def total(c: Counter) -> int:
        return sum(c.values())

    base_rows = []
    for r, label in ((single, "single-scale 384"), (tta, "TTA " + ", ".join(map(str, tta["scales"])))):
        base_rows.append(("blurgate-synth, " + label, r))
    lap = next(b for b in single["baselines"] if b["name"] == "laplacian_variance")
    sharpness = next(b for b in single["baselines"] if b["name"] != "laplacian_variance")
    for b in (lap, sharpness):
        base_rows.append((f"{b['title']} (threshold {b['threshold']:.4g}, {'swept on test: optimistic' if b['optimistic'] else 'calibrated'})", b))
    f1_tta = tta["metrics"]["f1"]
    auc_tta = tta["metrics"]["roc_auc"]
    f1_single = single["metrics"]["f1"]
    err_lap = 1 - lap["metrics"]["f1"]
    cmds = {m["dataset"].split("; ")[-1]: m.get("command", "") for m in manifest["metrics"]}
    conf = lambda r: r["confusion"]  # noqa: E731
    out = f"""# blurgate-synth 1.0.0

The default model of blurgate (`blurgate classify` uses it when no `--model` is given). It was trained here,
from scratch, on synthetic blur applied to images that Debian packages ship, because the reference
checkpoint cannot be downloaded in this environment. **Read the limitations before relying on it.**

| | |
| --- | --- |
| architecture | FreqAux + torchvision MobileNetV3-Small (4-channel stem, 2 logits: 0 = sharp, 1 = blurred), {manifest['architecture']}, 1.52 M parameters |
| file | `model.onnx` ({os.path.getsize(os.path.join(a.model, 'model.onnx')) / 1e6:.1f} MB, 4-channel input `input`; FreqAux computed by @blurgate/core), sha256 `{manifest['sha256']}` |
| preprocessing | Pillow-exact bilinear squash resize to s × s, /255, ImageNet mean/std, FreqAux (docs/reference-arithmetic.md §1) |
| default scales | {', '.join(map(str, manifest['scales']))} (single-scale / `--fast`: 384) |
| thresholds | confidence {manifest['thresholds']['confidence']}, blur {manifest['thresholds']['blur']} |
| checkpoint | `best.pt` (torch.save state dict, reference key layout), sha256 `{manifest['source']['checkpointSha256']}`, not committed |
| converted with | `node packages/eval/dist/cli.js convert best.pt --out models/blurgate-synth/1.0.0/model.onnx --name blurgate-synth --version 1.0.0` |

## Training data

All images come from Debian packages (`tools/data/fetch-sources.sh`: `apt-get download`, `dpkg-deb -x`,
`pdftoppm -r 100` for PDFs) and receipts rendered by the `receiptline` npm package; none of it is committed.
Pairs are made by `tools/synth` (`tools/data/build-dataset.sh`, seed 1): for each crop, a sharp copy and a
blurred copy of the same pixels, so only blur separates the classes.

- **train** ({total(train)} images, 384 × 384 tiles; per prefix sharp+blurred): {split_lines(train)}
- **validation** ({total(val)} images, 384 × 384 tiles, held-out SOURCE images of the training packages, 15% by file-name hash): {split_lines(val)}
- **test** ({total(test)} images, 384 × 384 tiles, packages never used in training): {split_lines(test)}

Prefixes: plasma / plasmanative = `plasma-workspace-wallpapers` (halved, then crops zoomed out 1–2×; and
native resolution, 1–1.25×), lxqt / lxqtnative = `lxqt-themes`, lomiri / lomirinative =
`lomiri-wallpapers-20.04`, digikam = `digikam-data`, texpub = `texlive-publishers-doc`, texrec =
`texlive-latex-recommended-doc` (PDF pages), kstars = `kstars-data` (documentation screenshots),
receipt = `receiptline` receipts; test: opencv = `opencv-doc` `examples/data` photos, rdoc = `r-doc-pdf`
pages, marble = `marble-data` documentation screenshots. The three real-blur photos of `opencv-doc`
(`text_defocus.jpg`, `text_motion.jpg`, `licenseplate_motion.jpg`) are not in any split (see below).

Blur kinds (training pairs: {dict(kinds)}; test pairs: {dict(tkinds)}), strengths log-uniform in pixels
of the tile: camera shake along random trajectories (Boracchi & Foi 2012; path 4–36 px), linear motion
(4–36 px), defocus disk (radius 1.5–10 px), Gaussian (sigma 1–6 px). Both classes get non-blur changes:
brightness ±15, contrast ×0.85–1.15, Gaussian noise sigma 0.5–3 (half), JPEG quality 60–90 (half). Tiles
with a Laplacian variance below 100 (flat sky, bokeh, page margins) are not used.

## Training

`tools/train/train.py` (recipe: `tools/train/README.md`): MobileNetV3-Small trained on random 192 × 192
crops of the 384 tiles (no resampling, so blur keeps its size in pixels; Small and 192 chosen by measured step
time on this 2-core machine), paired batches (both copies of a tile, same window), AdamW lr 2e-3, weight
decay 0.02, batch 32, cross-entropy, warm-up + cosine schedule capped by wall clock, flips / 90° rotations,
bilinear rescale by 0.67–1.33× for half the batches, BatchNorm statistics re-estimated on whole 384 training
tiles before each validation (on the whole 384 validation tiles). {len(log)} epochs logged; best validation F1
{float(best['val_f1']):.4f} (ROC AUC {float(best['val_auc']):.4f}) at epoch {best['epoch']}, which is
`best.pt`. Per-epoch log: [`training-log.csv`](training-log.csv).

{open(a.history).read() if a.history else ''}

## Metrics on the held-out test set

{total(test)} images ({test_total_sharp(test)} sharp, {test_total_blurred(test)} blurred), 95% bootstrap
intervals (1,000 resamples), decision p_blurred ≥ 0.5, measured with @blurgate/eval:

{metrics_table(base_rows)}

Confusion: single-scale TP {conf(single)['tp']} FN {conf(single)['fn']} FP {conf(single)['fp']} TN {conf(single)['tn']};
TTA TP {conf(tta)['tp']} FN {conf(tta)['fn']} FP {conf(tta)['fp']} TN {conf(tta)['tn']}. The baselines
(variance of the Laplacian; the sharp-sharpness score) use the threshold with the best F1 **on the test
images themselves**, which flatters them.

Reproduce:

```sh
{chr(10).join(cmds.values())}
```

(`/work/data` as built by `tools/data/fetch-sources.sh` and `tools/data/build-dataset.sh`.)

### Targets

| target | measured | met |
| --- | --- | --- |
| F1 ≥ 0.97 (TTA) | {f1_tta:.4f} | {'yes' if f1_tta >= 0.97 else 'no'} |
| ROC AUC ≥ 0.99 (TTA) | {auc_tta:.4f} | {'yes' if auc_tta >= 0.99 else 'no'} |
| 1 − F1 ≤ half that of the Laplacian variance at its best threshold ({err_lap:.4f} / 2 = {err_lap / 2:.4f}) | TTA {1 - f1_tta:.4f}, single-scale {1 - f1_single:.4f} | {'yes' if 1 - f1_tta <= err_lap / 2 else 'no'} |

{open(a.notes).read() if a.notes else ''}

## Latency

{open(a.latency).read()}

## Real blur (sanity check, not a metric)

{open(a.real_blur).read()}

## Limitations

- **The blur is synthetic.** No photographs with real camera blur were available for training or testing
  (the only three, from `opencv-doc`, are the sanity check above). Real motion blur has rolling-shutter
  effects, saturated highlights, noise after blur and depth-dependent defocus that the synthesis does not
  model; expect lower figures on real photos than on this test set. GoPro Large was not available here.
- The test set is synthetic pairs too, at 384 × 384, from three packages; the figures say how well the model
  separates this kind of blur in unseen images, not how it does on your camera.
- "Sharp" means what the source package shipped: some sources (webcam calibration photos, scanned sudoku)
  are soft themselves, and the model may call such images blurred.
- Small model, short training: {len(log)} epochs, {sum(float(r['epoch_seconds']) for r in log) / 60:.0f} minutes of a 2-core CPU. Retrain on your own domain with
  `tools/train` (documents, low light and defocus especially).
- Licences of the training images are those of the Debian packages (DFSG-free); the weights are a
  statistical summary of them and of the synthesis.
"""
    with open(os.path.join(a.model, "README.md"), "w") as f:
        f.write(out)


def test_total_sharp(c: Counter) -> int:
    return sum(v for (p, cls), v in c.items() if cls == "sharp")


def test_total_blurred(c: Counter) -> int:
    return sum(v for (p, cls), v in c.items() if cls == "blurred")


if __name__ == "__main__":
    main()
