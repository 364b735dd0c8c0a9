#!/usr/bin/env bash
# Fetch the Debian packages named in issues 6 and 15 with `apt-get download`, extract them with `dpkg-deb -x`,
# and build the raw source folders under $DATA (default /work/data). Nothing here is committed.
#
#   tools/data/fetch-sources.sh [DATA_DIR]
#
# Output: $DATA/debs/*.deb, $DATA/extract/<pkg>/..., $DATA/raw/<pkg>/<image files>
# (photos: largest size of each wallpaper; docs: PDF pages via pdftoppm; screenshots: doc PNGs).
# Receipts are rendered separately by tools/data/render-receipts.ts.
set -euo pipefail
DATA="${1:-/work/data}"
PAGES_PER_PDF="${PAGES_PER_PDF:-6}"   # pages per PDF, spread over the whole document (not only its title pages)
MAX_PDFS="${MAX_PDFS:-60}"            # per package, for a bounded run time
# Which package trains and which is held out is decided by build-dataset.sh (held out: opencv-doc,
# ukui-wallpapers, hugin-data, r-doc-pdf, octave-doc, gnuplot-doc, marble-data, kile-doc).
# Never used, reserved for an independent check (issue 15): mate-backgrounds, lomiri-wallpapers-16.04,
# python3-skimage, python3-sklearn, texlive-latex-base-doc, texlive-science-doc, texlive-humanities-doc,
# kalzium-data, gimp-help-en.
PHOTO_PKGS=(plasma-workspace-wallpapers lxqt-themes lomiri-wallpapers-20.04 digikam-data opencv-doc ukui-wallpapers hugin-data)
DOC_PKGS=(texlive-publishers-doc texlive-latex-recommended-doc r-doc-pdf octave-doc gnuplot-doc)
SHOT_PKGS=(kstars-data marble-data okular kdenlive-data kile-doc)
# A second, fresh held-out set (blurgate-synth 2.1.0): packages chosen after 2.1.0's recipe was fixed and
# never looked at for any data or training decision: photos stellarium-data (landscape panoramas), documents
# texlive-metapost-doc and texlive-fonts-recommended-doc, screenshots dolphin and gwenview (handbooks).
FRESH_PKGS=(stellarium-data texlive-metapost-doc texlive-fonts-recommended-doc dolphin gwenview)
# blurgate-synth 2.2.0 (more real photographs): training photos tuxpaint-stamps-default (photographed objects
# cut out on a transparent canvas), supertuxkart-data (photographic textures), krita-data (paper and material
# patterns); a third held-out set of real camera photos, chosen before 2.2.0 was trained: kphotoalbum (its
# demo album).
PHOTO2_PKGS=(tuxpaint-stamps-default supertuxkart-data krita-data kphotoalbum)
# blurgate-synth 2.3.0 (more screenshots): KDE handbook screenshots of 36 more applications, split into training
# (SHOT2_PKGS) and held out (FRESH3_SHOT_PKGS) in handbook-packages.sh; fresh3 documents: texlive-games and
# texlive-music (pages at screen resolution).
source "$(dirname "$0")/handbook-packages.sh"
FRESH3_DOC_PKGS=(texlive-games texlive-music)
# Documents are rasterised at many resolutions (text from ~4 px to ~40 px x-height): training pages cycle
# through TRAIN_DPIS, held-out pages through screen resolutions (what a user's PDF viewer or scan shows).
TRAIN_DPIS=(72 100 150 200 300)
TEST_DPIS=(72 96 110 150)
HELD_OUT_DOCS=" r-doc-pdf octave-doc gnuplot-doc texlive-metapost-doc texlive-fonts-recommended-doc texlive-games texlive-music "

mkdir -p "$DATA/debs" "$DATA/extract" "$DATA/raw"
if ! apt-cache policy plasma-workspace-wallpapers | grep -q Candidate; then apt-get update; fi
cd "$DATA/debs"
for p in "${PHOTO_PKGS[@]}" "${DOC_PKGS[@]}" "${SHOT_PKGS[@]}" "${FRESH_PKGS[@]}" "${PHOTO2_PKGS[@]}" \
  "${SHOT2_PKGS[@]}" "${FRESH3_SHOT_PKGS[@]}" "${FRESH3_DOC_PKGS[@]}"; do
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
copy_images okular '*doc/HTML*' 15000
copy_images kdenlive-data '*doc/HTML*' 15000
copy_images kile-doc '*doc/HTML*' 15000
copy_images ukui-wallpapers '*backgrounds*' 20000
copy_images hugin-data '*help_en_EN*' 20000
copy_images stellarium-data '*landscapes*' 30000
copy_images dolphin '*doc/HTML*' 15000
copy_images gwenview '*doc/HTML*' 15000
copy_images tuxpaint-stamps-default '*stamps*' 20000
copy_images supertuxkart-data '*data/textures/*' 100000
copy_images krita-data '*krita/patterns*' 20000
copy_images kphotoalbum '*kphotoalbum/demo*' 20000
for p in "${SHOT2_PKGS[@]}" "${FRESH3_SHOT_PKGS[@]}"; do copy_images "$p" '*doc/HTML/en/*' 15000; done
# Real-blur sanity photos are not training data: move them aside.
mkdir -p "$DATA/real-blur"
for f in text_defocus text_motion licenseplate_motion; do
  mv "$DATA"/raw/opencv-doc/*"$f".jpg "$DATA/real-blur/" 2>/dev/null || true
done

# Documents: rasterise PAGES_PER_PDF pages of each PDF, spread over the document, each at the next
# resolution of the package's cycle (file names carry the dpi: <stem>-r<dpi>-p<page>.png).
for p in "${DOC_PKGS[@]}" texlive-metapost-doc texlive-fonts-recommended-doc "${FRESH3_DOC_PKGS[@]}"; do
  out="$DATA/raw/$p"; mkdir -p "$out"
  if [[ "$HELD_OUT_DOCS" == *" $p "* ]]; then dpis=("${TEST_DPIS[@]}"); else dpis=("${TRAIN_DPIS[@]}"); fi
  mapfile -t pdfs < <(find "$DATA/extract/$p" -type f -iname '*.pdf' | sort)
  # Spread the capped selection over the whole sorted list (every k-th PDF), not just its head.
  step=$(( (${#pdfs[@]} + MAX_PDFS - 1) / MAX_PDFS )); [ "$step" -ge 1 ] || step=1
  # Few PDFs (octave-doc, gnuplot-doc): more pages from each, so every package gives ~30+ pages.
  pages=$PAGES_PER_PDF; [ "${#pdfs[@]}" -lt 8 ] && pages=$(( 40 / ${#pdfs[@]} + 1 ))
  k=0
  for ((i = 0; i < ${#pdfs[@]}; i += step)); do
    f="${pdfs[$i]}"
    stem="$(basename "$f" .pdf | tr -c 'A-Za-z0-9_\n-' '-')"
    ls "$out/${stem}"-r*.png >/dev/null 2>&1 && continue
    n="$(pdfinfo "$f" 2>/dev/null | awk '/^Pages:/ {print $2}')"; [ -n "$n" ] || continue
    for ((j = 0; j < pages && j < n; j++)); do
      page=$(( 1 + j * n / pages ))
      dpi=${dpis[$(( k % ${#dpis[@]} ))]}; k=$((k + 1))
      timeout 60 pdftoppm -r "$dpi" -png -singlefile -f "$page" -l "$page" "$f" "$out/${stem}-r${dpi}-p${page}" 2>/dev/null || true
    done
  done
done
for d in "$DATA"/raw/*/; do echo "$(ls "$d" | wc -l) $(basename "$d")"; done
