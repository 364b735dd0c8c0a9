#!/usr/bin/env bash
# Fetch the Debian packages named in issue 6 with `apt-get download`, extract them with `dpkg-deb -x`,
# and build the raw source folders under $DATA (default /work/data). Nothing here is committed.
#
#   tools/data/fetch-sources.sh [DATA_DIR]
#
# Output: $DATA/debs/*.deb, $DATA/extract/<pkg>/..., $DATA/raw/<pkg>/<image files>
# (photos: largest size of each wallpaper; docs: PDF pages via pdftoppm; screenshots: doc PNGs).
# Receipts are rendered separately by tools/data/render-receipts.ts.
set -euo pipefail
DATA="${1:-/work/data}"
PAGES_PER_PDF="${PAGES_PER_PDF:-6}"   # cap: the first pages of each PDF (title pages are sparse; see below)
MAX_PDFS="${MAX_PDFS:-60}"            # per package, for a bounded run time
PHOTO_PKGS=(plasma-workspace-wallpapers lxqt-themes lomiri-wallpapers-20.04 digikam-data opencv-doc)
DOC_PKGS=(texlive-publishers-doc texlive-latex-recommended-doc r-doc-pdf)
SHOT_PKGS=(kstars-data marble-data)

mkdir -p "$DATA/debs" "$DATA/extract" "$DATA/raw"
if ! apt-cache policy plasma-workspace-wallpapers | grep -q Candidate; then apt-get update; fi
cd "$DATA/debs"
for p in "${PHOTO_PKGS[@]}" "${DOC_PKGS[@]}" "${SHOT_PKGS[@]}"; do
  ls "${p}"_*.deb >/dev/null 2>&1 || apt-get download "$p"
done
for deb in "$DATA"/debs/*.deb; do
  p="$(dpkg-deb -f "$deb" Package)"
  [ -d "$DATA/extract/$p" ] || dpkg-deb -x "$deb" "$DATA/extract/$p"
done

# Photos: plasma ships <Name>/contents/images/<W>x<H>.<ext>; keep only the largest size of each.
out="$DATA/raw/plasma-workspace-wallpapers"; mkdir -p "$out"
for d in "$DATA"/extract/plasma-workspace-wallpapers/usr/share/wallpapers/*/; do
  name="$(basename "$d")"
  best="$(ls "$d"contents/images/* 2>/dev/null | awk -F/ '{f=$NF; split(f,a,/[x.]/); print a[1]*a[2], $0}' | sort -n | tail -1 | cut -d' ' -f2-)"
  [ -n "$best" ] && cp "$best" "$out/${name}.${best##*.}"
done
copy_images() { # pkg subdir-pattern min-bytes
  local pkg="$1" pattern="$2" minbytes="$3" out="$DATA/raw/$1"; mkdir -p "$out"
  find "$DATA/extract/$pkg" -type f \( -iname '*.jpg' -o -iname '*.jpeg' -o -iname '*.png' \) -path "$pattern" -size +"${minbytes}"c |
    while read -r f; do cp "$f" "$out/$(echo "${f#"$DATA"/extract/"$pkg"/}" | tr '/' '_')"; done
}
copy_images lxqt-themes '*wallpapers*' 20000
copy_images lomiri-wallpapers-20.04 '*' 20000
copy_images digikam-data '*' 30000
copy_images opencv-doc '*examples/data*' 15000
copy_images kstars-data '*doc*' 15000
copy_images marble-data '*doc*' 15000
# Real-blur sanity photos are not training data: move them aside.
mkdir -p "$DATA/real-blur"
for f in text_defocus text_motion licenseplate_motion; do
  mv "$DATA"/raw/opencv-doc/*"$f".jpg "$DATA/real-blur/" 2>/dev/null || true
done

# Documents: rasterise the first pages of each PDF at 100 dpi (A4 -> ~827x1169).
for p in "${DOC_PKGS[@]}"; do
  out="$DATA/raw/$p"; mkdir -p "$out"
  mapfile -t pdfs < <(find "$DATA/extract/$p" -type f -iname '*.pdf' | sort)
  # Spread the capped selection over the whole sorted list (every k-th PDF), not just its head.
  step=$(( (${#pdfs[@]} + MAX_PDFS - 1) / MAX_PDFS )); [ "$step" -ge 1 ] || step=1
  for ((i = 0; i < ${#pdfs[@]}; i += step)); do
    f="${pdfs[$i]}"
    stem="$(basename "$f" .pdf)"
    ls "$out/${stem}"-*.png >/dev/null 2>&1 && continue
    timeout 60 pdftoppm -r 100 -png -f 1 -l "$PAGES_PER_PDF" "$f" "$out/$stem" 2>/dev/null || true
  done
done
for d in "$DATA"/raw/*/; do echo "$(ls "$d" | wc -l) $(basename "$d")"; done
