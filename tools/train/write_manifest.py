"""Completes models/<name>/<version>/manifest.json after `blurgate-eval convert`: training source,
checkpoint sha256, default scales, and the test metrics read from `blurgate-eval run` report.json files.

    /usr/bin/python3 tools/train/write_manifest.py --manifest models/blurgate-synth/1.0.0/manifest.json \
        --checkpoint best.pt --recipe "tools/train/run.sh @ <commit>" --scales 256,320,384 \
        --report "single-scale 384=/work/data/eval/single/report.json=<command>" --report "TTA=...=..."
"""
import argparse
import hashlib
import json


def sha256(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--manifest", required=True)
    ap.add_argument("--checkpoint", required=True)
    ap.add_argument("--recipe", required=True)
    ap.add_argument("--dataset", required=True, help="what the test set is, for every metrics entry")
    ap.add_argument("--description", required=True)
    ap.add_argument("--scales", required=True, help="default TTA scales, comma-separated")
    ap.add_argument("--report", action="append", default=[], help="LABEL=report.json=COMMAND")
    a = ap.parse_args()
    with open(a.manifest) as f:
        m = json.load(f)
    m["description"] = a.description
    m["scales"] = [int(s) for s in a.scales.split(",")]
    m["source"] = {"kind": "training", "recipe": a.recipe, "checkpointSha256": sha256(a.checkpoint)}
    metrics = []
    for spec in a.report:
        label, path, command = spec.split("=", 2)
        with open(path) as f:
            r = json.load(f)
        mt = r["metrics"]
        metrics.append({
            "dataset": f"{a.dataset}; {label}",
            "images": r["dataset"]["evaluated"]["total"],
            "scales": r["scales"],
            "accuracy": round(mt["accuracy"], 4),
            "precision": round(mt["precision"], 4),
            "recall": round(mt["recall"], 4),
            "f1": round(mt["f1"], 4),
            "rocAuc": round(mt["roc_auc"], 4),
            "command": command,
        })
    m["metrics"] = metrics
    with open(a.manifest, "w") as f:
        json.dump(m, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
