"""The held-out table of the model card from tools/train/eval-heldout.sh's reports: per source kind (documents,
screenshots, photos, all), F1 and ROC AUC with 95% bootstrap intervals, single-scale 384 and 5-scale TTA of
each model, and the Laplacian-variance baseline (threshold swept on the same images: optimistic), plus the
crisp-text check (sharp images called blurred with confidence above 0.9).

    /usr/bin/python3 tools/train/heldout_table.py --eval 1.0.0=/work/data/eval/1.0.0 --eval 2.0.0=/work/data/eval/2.0.0
"""

import argparse
import json
import os

KINDS = ("documents", "screenshots", "photos", "all")


def cell(m, iv, key):
    v = m.get(key)
    if v is None:
        return "n/a"
    i = iv.get(key)
    return f"{v:.3f} [{i['low']:.3f}, {i['high']:.3f}]" if i else f"{v:.3f}"


def confident_false_blurred(out_dir):
    n = 0
    with open(os.path.join(out_dir, "predictions.jsonl")) as f:
        for line in f:
            r = json.loads(line)
            if r.get("truth") == "sharp" and r.get("prob_blurred") is not None and r["prob_blurred"] > 0.9:
                n += 1
    return n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--eval", action="append", required=True, help="NAME=OUT_DIR of eval-heldout.sh")
    a = ap.parse_args()
    evals = [e.split("=", 1) for e in a.eval]
    print("| source kind (images) | model | F1 | ROC AUC | accuracy | sharp called blurred with p > 0.9 |")
    print("| --- | --- | --- | --- | --- | --- |")
    for kind in KINDS:
        # A set without this source kind (the third held-out set has photos only) has no row for it.
        if not os.path.isdir(os.path.join(evals[0][1], f"single-{kind}")):
            continue
        lap = None
        for name, out in evals:
            for mode, title in (("single", "single-scale 384"), ("tta", "TTA 256-512")):
                d = os.path.join(out, f"{mode}-{kind}")
                r = json.load(open(os.path.join(d, "report.json")))
                n = r["dataset"]["evaluated"]["total"]
                sharp = r["dataset"]["evaluated"]["sharp"]
                m, iv = r["metrics"], r["intervals"]
                print(f"| {kind} ({n}) | {name}, {title} | {cell(m, iv, 'f1')} | {cell(m, iv, 'roc_auc')} | "
                      f"{cell(m, iv, 'accuracy')} | {confident_false_blurred(d)} of {sharp} |")
                if lap is None:
                    lap = next(b for b in r["baselines"] if b["name"] == "laplacian_variance")
        lm, liv = lap["metrics"], lap["intervals"]
        print(f"| {kind} ({lap['images']}) | Laplacian variance (threshold {lap['threshold']:.1f}, swept on these images) | "
              f"{cell(lm, liv, 'f1')} | {cell(lm, liv, 'roc_auc')} | {cell(lm, liv, 'accuracy')} | n/a |")


if __name__ == "__main__":
    main()
