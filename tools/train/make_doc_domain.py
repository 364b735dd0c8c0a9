"""Labelled low-resolution document pages for the fine-tuning figure (tools/train/README.md, "Fine-tuning").

Documents rendered at low resolution are the default model's known weak spot. This renders PDF pages of
two Debian packages that no blurgate model was trained or tested on, at 60-110 dpi with pdftoppm, and
writes for every page a sharp copy and a blurred copy (Gaussian, defocus disk or linear motion):

    apt-get download texlive-metapost-doc texlive-fonts-recommended-doc
    for d in *.deb; do p=${d%%_*}; mkdir -p raw/$p; dpkg-deb -x $d raw/$p; done
    /usr/bin/python3 tools/train/make_doc_domain.py --raw DATA_DIR/raw --out DATA_DIR

- `DATA_DIR/train/labels.csv` (path,label,group): 75 pages of texlive-metapost-doc = 150 labelled images,
  the group is the page, so a page's two copies stay on one side of the train/validation split;
- `DATA_DIR/heldout/{sharp,blurred}/`: 100 pages of texlive-fonts-recommended-doc (other documents, other
  fonts) = 200 images, never seen by fine-tuning.

Needs poppler-utils (pdftoppm, pdfinfo), Pillow, numpy and scipy (Debian python3-scipy).
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import subprocess
import tempfile

import numpy as np
from PIL import Image
from scipy.signal import fftconvolve


def pages_of(root: str) -> list[tuple[str, int]]:
    pdfs = sorted(os.path.join(d, f) for d, _, fs in os.walk(root) for f in fs if f.lower().endswith(".pdf"))
    pages = []
    for pdf in pdfs:
        info = subprocess.run(["pdfinfo", pdf], capture_output=True, text=True).stdout
        n = next((int(line.split()[1]) for line in info.splitlines() if line.startswith("Pages:")), 0)
        pages += [(pdf, p) for p in range(1, n + 1)]
    return pages


def render(pdf: str, page: int, dpi: int) -> Image.Image:
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["pdftoppm", "-r", str(dpi), "-f", str(page), "-l", str(page), "-png", pdf, os.path.join(tmp, "p")],
                       check=True, capture_output=True)
        (name,) = os.listdir(tmp)
        return Image.open(os.path.join(tmp, name)).convert("RGB")


def kernel(kind: str, rng: random.Random) -> tuple[np.ndarray, str]:
    if kind == "gaussian":
        sigma = rng.uniform(1.5, 3.5)
        r = int(np.ceil(3 * sigma))
        y, x = np.mgrid[-r : r + 1, -r : r + 1]
        k = np.exp(-(x * x + y * y) / (2 * sigma * sigma))
        label = f"gaussian sigma {sigma:.1f}"
    elif kind == "defocus":
        radius = rng.uniform(2.0, 5.0)
        r = int(np.ceil(radius))
        y, x = np.mgrid[-r : r + 1, -r : r + 1]
        k = (x * x + y * y <= radius * radius).astype(np.float64)
        label = f"defocus radius {radius:.1f}"
    else:
        length = rng.uniform(6.0, 16.0)
        angle = rng.uniform(0, np.pi)
        r = int(np.ceil(length / 2))
        k = np.zeros((2 * r + 1, 2 * r + 1))
        for t in np.linspace(-length / 2, length / 2, 4 * int(length) + 1):
            k[int(round(r + t * np.sin(angle))), int(round(r + t * np.cos(angle)))] = 1
        label = f"motion {length:.1f} px"
    return k / k.sum(), label


def blurred(img: Image.Image, rng: random.Random) -> tuple[Image.Image, str]:
    k, label = kernel(rng.choice(["gaussian", "defocus", "motion"]), rng)
    a = np.asarray(img, dtype=np.float64)
    pad = k.shape[0] // 2
    padded = np.pad(a, ((pad, pad), (pad, pad), (0, 0)), mode="edge")
    out = np.stack([fftconvolve(padded[..., c], k, mode="valid") for c in range(3)], axis=-1)
    return Image.fromarray(np.clip(np.round(out), 0, 255).astype(np.uint8)), label


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--raw", required=True, help="folder with texlive-metapost-doc/ and texlive-fonts-recommended-doc/ extracted")
    ap.add_argument("--out", required=True)
    ap.add_argument("--train-pages", type=int, default=75)
    ap.add_argument("--heldout-pages", type=int, default=100)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    plan = [("train", "texlive-metapost-doc", args.train_pages), ("heldout", "texlive-fonts-recommended-doc", args.heldout_pages)]
    for split, package, count in plan:
        pages = pages_of(os.path.join(args.raw, package))
        chosen = sorted(rng.sample(pages, min(count, len(pages))))
        rows = []
        for i, (pdf, page) in enumerate(chosen):
            dpi = rng.randint(60, 110)
            sharp = render(pdf, page, dpi)
            soft, how = blurred(sharp, rng)
            name = f"{os.path.splitext(os.path.basename(pdf))[0]}-p{page}-{dpi}dpi.png"
            for label, image in (("sharp", sharp), ("blurred", soft)):
                os.makedirs(os.path.join(args.out, split, label), exist_ok=True)
                image.save(os.path.join(args.out, split, label, name))
                rows.append({"path": f"{label}/{name}", "label": label, "group": name, "blur": how if label == "blurred" else ""})
            print(f"{split} {i + 1}/{len(chosen)} {name} {sharp.size} {how}", flush=True)
        with open(os.path.join(args.out, split, "labels.csv"), "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=["path", "label", "group", "blur"])
            w.writeheader()
            w.writerows(rows)


if __name__ == "__main__":
    main()
