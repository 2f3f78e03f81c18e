#!/usr/bin/env bash
# aarch64 checks (the NEON kernels), cross-built on x86-64 Linux and run under qemu-user:
#
# 1. clippy for aarch64 (rtenc, all targets), and `cargo check --target aarch64-apple-darwin`
#    for the crates that should build on a Mac (rtenc, rtenc-synth, rtenc-cli; not rtenc-py,
#    whose pyo3 build needs the target's Python, nor the test-support and bench crates, which
#    build openh264's C code and would need a macOS C toolchain).
# 2. The rtenc library's tests (unit, property and the ffmpeg / openh264 bit-exact matrices)
#    as aarch64 binaries under qemu, once with the NEON kernels and once with RTENC_CPU=scalar.
#    ffmpeg stays native: the tests spawn it, and qemu-user hands that exec to the host kernel.
#    openh264's C code is built with the cross compiler (CC_/CXX_aarch64_unknown_linux_gnu).
#    Subset, to keep the qemu part within a few minutes: the unit and property tests and the
#    test binaries ffmpeg_inter, ffmpeg_intra (1280x720 and 1920x1080 included), openh264,
#    harness, hostile and soak (its #[ignore]d cases excepted); not tests/ratecontrol.rs
#    (rate-control behaviour over long clips, about 270 s under qemu on a busy 2-core machine,
#    no kernel coverage beyond the others), which runs natively in scripts/test.sh. About
#    150 s per kernel set on that machine.
# 3. Streams: `rtenc demo --size 640x360 --frames 30` encoded by the native x86-64 binary,
#    by the aarch64 binary with NEON and with scalar kernels must be byte-identical; and the
#    same file encoded through `rtenc encode --recon` under qemu (NEON) must decode with
#    ffmpeg to exactly its reconstruction (and be identical to the x86-64 encode too).
#    `rtenc info` under qemu must report the NEON kernels.
#
# Needs: rustup targets aarch64-unknown-linux-gnu and aarch64-apple-darwin, Debian's
# gcc-aarch64-linux-gnu, g++-aarch64-linux-gnu, libc6-dev-arm64-cross and qemu-user, and
# ffmpeg (.ci/run installs them). .cargo/config.toml names the linker and the qemu runner.
# Without them this prints a notice and skips, except under CI=true, where it fails.
set -euo pipefail
cd "$(dirname "$0")/.."

section() { printf '\n===== %s =====\n' "$*"; }
T=aarch64-unknown-linux-gnu

missing=()
for tool in aarch64-linux-gnu-gcc aarch64-linux-gnu-g++ qemu-aarch64 "${RTENC_FFMPEG:-ffmpeg}"; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
[ -d /usr/aarch64-linux-gnu/lib ] || missing+=("/usr/aarch64-linux-gnu (libc6-dev-arm64-cross)")
installed=$(rustup target list --installed 2>/dev/null || true)
for t in $T aarch64-apple-darwin; do
    grep -qx "$t" <<<"$installed" || missing+=("rustup target $t")
done
if [ ${#missing[@]} -gt 0 ]; then
    if [ "${CI:-}" = "true" ]; then
        echo "ERROR: the aarch64 checks need: ${missing[*]} (bash .ci/run installs them)" >&2
        exit 1
    fi
    echo "NOTICE: aarch64 checks skipped, missing: ${missing[*]} (bash .ci/run installs them)"
    exit 0
fi
export CC_aarch64_unknown_linux_gnu=aarch64-linux-gnu-gcc
export CXX_aarch64_unknown_linux_gnu=aarch64-linux-gnu-g++
qemu=(qemu-aarch64 -L /usr/aarch64-linux-gnu)

section "cargo clippy --target $T (rtenc, warnings are errors)"
cargo clippy -p rtenc --all-targets --target $T -- -D warnings

section "cargo check --target aarch64-apple-darwin (rtenc, rtenc-synth, rtenc-cli)"
cargo check --target aarch64-apple-darwin -p rtenc -p rtenc-synth -p rtenc-cli

# tests/ratecontrol.rs is left to the native run (see the header).
# isa_levels encodes its clips at every level the CPU runs (scalar and NEON here) in one process
# and requires identical streams; under RTENC_CPU=scalar it has only one level to compare.
tests=(--lib --test ffmpeg_inter --test ffmpeg_intra --test openh264 --test harness --test hostile
    --test soak --test isa_levels)
start=$(date +%s)
for cpu in neon scalar; do
    section "rtenc tests under qemu-aarch64, RTENC_CPU=$cpu"
    RTENC_CPU=$cpu cargo test -p rtenc --target $T "${tests[@]}"
done
echo "qemu test time: $(($(date +%s) - start)) s"

section "streams: x86-64 against aarch64 NEON and scalar (qemu), ffmpeg against the recon"
cargo build --profile test -p rtenc-cli
cargo build --profile test -p rtenc-cli --target $T
x86=target/debug/rtenc
arm=target/$T/debug/rtenc
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
info=$("${qemu[@]}" $arm info)
echo "$info"
grep -qx "kernels: neon" <<<"$info" || { echo "ERROR: aarch64 rtenc does not use NEON" >&2; exit 1; }
demo=(demo --size 640x360 --frames 30)
$x86 "${demo[@]}" -o "$dir/x86.h264" >/dev/null
RTENC_CPU=neon "${qemu[@]}" $arm "${demo[@]}" -o "$dir/neon.h264" >/dev/null
RTENC_CPU=scalar "${qemu[@]}" $arm "${demo[@]}" -o "$dir/scalar.h264" >/dev/null
sha256sum "$dir"/*.h264
cmp "$dir/x86.h264" "$dir/neon.h264"
cmp "$dir/x86.h264" "$dir/scalar.h264"
# The demo's decode as Y4M input, encoded again with --recon (and rate control) on both.
ff=("${RTENC_FFMPEG:-ffmpeg}" -hide_banner -loglevel error -nostdin -threads 1)
"${ff[@]}" -i "$dir/x86.h264" -f yuv4mpegpipe -pix_fmt yuv420p "$dir/in.y4m"
enc=(encode "$dir/in.y4m" --bitrate 1M)
$x86 "${enc[@]}" -o "$dir/x86-enc.h264" >/dev/null
"${qemu[@]}" $arm "${enc[@]}" -o "$dir/neon-enc.h264" --recon "$dir/recon.nv12" >/dev/null
cmp "$dir/x86-enc.h264" "$dir/neon-enc.h264"
"${ff[@]}" -err_detect explode -i "$dir/neon-enc.h264" -f rawvideo -pix_fmt nv12 "$dir/dec.nv12"
cmp "$dir/dec.nv12" "$dir/recon.nv12"
echo "identical: x86-64, aarch64 NEON and aarch64 scalar streams; ffmpeg decodes the NEON" \
    "stream to its reconstruction ($(stat -c %s "$dir/recon.nv12") bytes)"
