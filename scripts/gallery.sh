#!/usr/bin/env bash
# Draws the gallery in docs/gallery/: each published topology of examples/data/topologies and
# two generated tiered service graphs (60 and 150 services, with hubs), once by svcgraph and
# once by Graphviz dot, side by side in one PNG per graph, plus docs/gallery/README.md.
#
# Both drawings are what users get with default flags: ours is `svcgraph render` (edge
# labels on, legend), dot's is `svcgraph render -f dot | dot -Tsvg`. The quality benchmark's
# gallery mode writes them (SVCGRAPH_GALLERY, the same library calls the CLI makes), so the
# script needs no CLI build; it also prints the benchmark rows of these graphs. The generated
# graphs come from a fixed seed, so the gallery shows the same graphs each time.
# Installs graphviz, librsvg2-bin and imagemagick when missing.
#
#   scripts/gallery.sh            # all of them
#   MAX_WIDTH=2000 scripts/gallery.sh   # smaller pictures (default 3200 px wide)
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
missing=()
command -v dot >/dev/null || missing+=(graphviz)
command -v rsvg-convert >/dev/null || missing+=(librsvg2-bin)
# A `convert` alone may be a stand-in: montage is the ImageMagick tool used here.
command -v montage >/dev/null || missing+=(imagemagick)
# Captions in DejaVu Sans: ImageMagick's default font (Helvetica) may not be installed.
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing+=(fonts-dejavu-core)
if [ ${#missing[@]} -gt 0 ]; then
  echo "gallery.sh: installing ${missing[*]}" >&2
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

max_width=${MAX_WIDTH:-3200}
out=docs/gallery
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$out"

generated=("tiered-hubs 60 #1" "tiered-hubs 150 #1")
topologies=()
for f in examples/data/topologies/*.json; do
  topologies+=("$(basename "$f" .json)")
done
SVCGRAPH_GALLERY="$work" SVCGRAPH_QUALITY_SEED=1 SVCGRAPH_QUALITY_CLASSES=60,150 \
  SVCGRAPH_QUALITY_GRAPHS=1 cargo bench -q -p svcgraph-core --bench quality -- \
  "${generated[@]}" "${topologies[@]}" | grep -E '^\| [a-z]' || true

readme="$out/README.md"
{
  echo "# Gallery: svcgraph and Graphviz dot on the same graphs"
  echo
  echo "Made by \`scripts/gallery.sh\`. Left: \`svcgraph render\` with default flags (edge labels,"
  echo "legend). Right: Graphviz \`dot -Tsvg\` on \`svcgraph render -f dot\` of the same graph."
  echo "The topologies are in \`examples/data/topologies/\`; the generated graphs are the quality"
  echo "benchmark's tiered-with-hubs family (\`cargo bench -p svcgraph-core --bench quality\`)."
  echo
  echo "| graph | nodes / edges | picture |"
  echo "|---|---|---|"
} >"$readme"

for name in "${generated[@]}" "${topologies[@]}"; do
  file=${name//[^a-zA-Z0-9]/-}
  if [ ! -f "$work/$file.default.svg" ]; then
    echo "gallery.sh: the benchmark wrote no drawing of $name" >&2
    exit 1
  fi
  dot -Tsvg -o "$work/$file.graphviz.svg" "$work/$file.default.dot"
  # Each drawing fitted into a square of half the width (large SVGs would exceed
  # ImageMagick's pixel limits at their own size), side by side, captions under them.
  half=$((max_width / 2))
  rsvg-convert -b white -a -w "$half" -h "$half" -o "$work/$file.ours.png" "$work/$file.default.svg"
  rsvg-convert -b white -a -w "$half" -h "$half" -o "$work/$file.dot.png" "$work/$file.graphviz.svg"
  montage -label svcgraph "$work/$file.ours.png" -label "Graphviz dot" "$work/$file.dot.png" \
    -tile 2x1 -geometry +16+8 -font DejaVu-Sans -pointsize 28 -background white "$work/$file.png"
  # Keep the committed picture small: fewer colours if it is still large.
  convert_cmd=$(command -v magick || echo /usr/bin/convert)
  "$convert_cmd" "$work/$file.png" -strip -colors 64 "PNG8:$out/$file.png"
  size=$(grep -o 'aria-label="Service graph: [0-9]* nodes, [0-9]* edges"' "$work/$file.default.svg" |
    sed -E 's/.*: ([0-9]+) nodes, ([0-9]+) edges"/\1 \/ \2/')
  echo "| $name | $size | [$file.png]($file.png) |" >>"$readme"
  echo "gallery.sh: $out/$file.png ($(du -k "$out/$file.png" | cut -f1) kB)" >&2
done
