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

PACKAGES = {"opencv": 2, "rdoc": 1}  # pairs per package
# Well-known third-party pictures that opencv's sample folder carries; keep them out of the repo's samples.
EXCLUDE = ("baboon", "messi", "lena", "starry_night", "HappyFish", "Blender")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--predictions", required=True)
    ap.add_argument("--test", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--min-confidence", type=float, default=0.8)
    a = ap.parse_args()
    rows = [json.loads(line) for line in open(a.predictions)]
    os.makedirs(a.out, exist_ok=True)
    chosen = []
    by_file = {r["file"]: r for r in rows}
    for pkg, n in PACKAGES.items():
        # Whole pairs (the same crop sharp and blurred), both halves right, most confident first.
        pairs = []
        for r in rows:
            base = os.path.basename(r["file"])
            if r["truth"] != "sharp" or not base.startswith(pkg + "_") or any(x in base for x in EXCLUDE):
                continue
            twin = by_file.get(r["file"].replace("sharp/", "blurred/", 1))
            if twin is None or r.get("status") != "ok" or twin.get("status") != "ok":
                continue
            if r["label"] == "sharp" and twin["label"] == "blurred":
                pairs.append((min(r["confidence"], twin["confidence"]), r, twin))
        # Among confident pairs, the most detailed first (JPEG size of the sharp half: a texture proxy).
        pairs.sort(key=lambda p: -os.path.getsize(os.path.join(a.test, p[1]["file"])))
        seen = set()
        for conf, r, twin in pairs:
            stem = os.path.basename(r["file"])[:-8]  # one pair per source image
            if stem in seen or conf < a.min_confidence:
                continue
            seen.add(stem)
            chosen += [(pkg, "sharp", r), (pkg, "blurred", twin)]
            if len(seen) >= n:
                break
    for pkg, truth, r in chosen:
        src = os.path.join(a.test, r["file"])
        name = os.path.basename(r["file"]).replace("usr_share_doc_opencv-doc_examples_data_", "")
        dst = os.path.join(a.out, f"{truth}-{name}")
        Image.open(src).convert("RGB").save(dst, quality=90)
        print(f"{dst}: {truth}, p_blurred {r['prob_blurred']:.3f}, {os.path.getsize(dst)} bytes")
    write_readme(a.out, chosen)


SOURCES = {
    "opencv": ("`opencv-doc` 4.6.0+dfsg-12 (Debian), `/usr/share/doc/opencv-doc/examples/data/{}`",
               "OpenCV sample data; Debian's copyright file lists it under the OpenCV licence: Apache-2.0 AND "
               "BSD-3-Clause (Copyright 2000-2022 Intel Corporation, Willow Garage, NVIDIA, AMD, OpenCV Foundation, "
               "Itseez, Xperience AI, and OpenCV contributors)"),
    "rdoc": ("`r-doc-pdf` 4.2.2.20221110-2 (Debian), `{}.pdf` (an R manual) rasterised at 100 dpi",
             "R manuals, Copyright R Core Team; distributed under GPL-2 (see Debian's copyright file) and the "
             "manuals' own permission notice, which allows modified versions under the same conditions"),
}


def write_readme(out: str, chosen) -> None:
    lines = [
        "# Sample images",
        "",
        "Small test images for `blurgate classify samples/`: the same crop sharp and blurred, from images that",
        "the default model `blurgate-synth` never saw in training (its held-out test split). Each is a 384 × 384",
        "crop of a freely licensed image from a Debian package; the `blurred-` copy has synthetic blur from",
        "`tools/synth` (camera shake, linear motion, defocus or Gaussian); both copies may carry mild brightness,",
        "contrast, noise and JPEG changes. Picked by `tools/data/pick_samples.py` among pairs the shipped model",
        "classifies correctly (so they demonstrate the tool, they do not measure it: see the model card).",
        "",
        "| file | truth | blur | source | licence |",
        "| --- | --- | --- | --- | --- |",
    ]
    import glob
    records = {}
    for f in glob.glob(os.path.join(os.environ.get("SYNTH_TEST", "/work/data/synth/test"), "records-*.jsonl")):
        for line in open(f):
            rec = json.loads(line)
            records[os.path.basename(rec["blurred"])] = rec
    for pkg, truth, r in chosen:
        base = os.path.basename(r["file"])
        name = f"{truth}-" + base.replace("usr_share_doc_opencv-doc_examples_data_", "")
        rec = records.get(base)
        blur = "none" if truth == "sharp" or rec is None else f"{rec['blurKind']} {rec['blurStrength']} px"
        stem = base[len(pkg) + 1 : -8].replace("usr_share_doc_opencv-doc_examples_data_", "")
        src, lic = SOURCES[pkg]
        if pkg == "opencv":
            ext = ".jpg" if os.path.exists(f"/work/data/raw/opencv-doc/usr_share_doc_opencv-doc_examples_data_{stem}.jpg") else ".png"
            src = src.format(stem + ext)
        else:
            src = src.format(stem.rsplit("-", 1)[0]) + f", page {int(stem.rsplit('-', 1)[1])}"
        lines.append(f"| `{name}` | {truth} | {blur} | {src} | {lic} |")
    lines += ["", "Regenerate: `/usr/bin/python3 tools/data/pick_samples.py --predictions <blurgate-eval run predictions.jsonl> "
              "--test /work/data/synth/test --out samples`.", ""]
    with open(os.path.join(out, "README.md"), "w") as f:
        f.write("\n".join(lines))


if __name__ == "__main__":
    main()
