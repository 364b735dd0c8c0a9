"""Copies a few held-out test tiles that the shipped model classifies correctly into samples/.

    /usr/bin/python3 tools/data/pick_samples.py --predictions /work/data/eval/tta/predictions.jsonl \
        --test /work/data/synth/test --out samples

Picks, per (source package, class), the most confident correct predictions from distinct source images,
re-encoded as JPEG quality 90 (each well under 200 KB). Licences: see samples/README.md.
"""
import argparse
import json
import os

from PIL import Image

PACKAGES = {"opencv": 2, "rdoc": 1}  # tiles per class per package


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--predictions", required=True)
    ap.add_argument("--test", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--min-confidence", type=float, default=0.9)
    a = ap.parse_args()
    rows = [json.loads(line) for line in open(a.predictions)]
    os.makedirs(a.out, exist_ok=True)
    chosen = []
    for pkg, n in PACKAGES.items():
        for truth in ("sharp", "blurred"):
            cands = [r for r in rows if r.get("status") == "ok" and r["truth"] == truth and r["label"] == truth
                     and os.path.basename(r["file"]).startswith(pkg + "_") and r["confidence"] >= a.min_confidence]
            cands.sort(key=lambda r: -r["confidence"])
            seen = set()
            for r in cands:
                stem = os.path.basename(r["file"])[:-8]  # drop _NNN.jpg
                if stem in seen:
                    continue
                # A pair's other half must also be right, so the samples show the same scene both ways.
                other = "blurred" if truth == "sharp" else "sharp"
                twin = next((o for o in rows if o["file"] == r["file"].replace(truth + "/", other + "/", 1)), None)
                if twin is None or twin["label"] != other:
                    continue
                seen.add(stem)
                chosen.append((pkg, truth, r))
                if len(seen) >= n:
                    break
    for pkg, truth, r in chosen:
        src = os.path.join(a.test, r["file"])
        name = os.path.basename(r["file"]).replace("usr_share_doc_opencv-doc_examples_data_", "")
        dst = os.path.join(a.out, f"{truth}-{name}")
        Image.open(src).convert("RGB").save(dst, quality=90)
        print(f"{dst}: {truth}, p_blurred {r['prob_blurred']:.3f}, {os.path.getsize(dst)} bytes")


if __name__ == "__main__":
    main()
