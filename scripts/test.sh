#!/usr/bin/env bash
# Every check CI runs: formatting, lints, then all tests of the workspace.
#
# The bit-exactness tests decode rtenc's streams with ffmpeg, which must be on PATH (or named by
# RTENC_FFMPEG). Without it they print a notice and pass, except under CI=true, where they fail.
# The browser tests (crates/rtenc-browser) need Chromium at /usr/bin/chromium (or
# RTENC_CHROMIUM), with the same rule. The Python package's tests (scripts/python-tests.sh) need
# python3 with venv and pip, and pyenv's 3.12 for pdum.rfb. The aarch64 checks
# (scripts/aarch64.sh) need the aarch64 cross compilers, qemu-user and the rustup targets.
# .ci/run installs what they need first and then runs this script.
set -euo pipefail
cd "$(dirname "$0")/.."

section() { printf '\n===== %s =====\n' "$*"; }

section "toolchain"
cargo --version
rustc --version
if command -v "${RTENC_FFMPEG:-ffmpeg}" >/dev/null 2>&1; then
    "${RTENC_FFMPEG:-ffmpeg}" -hide_banner -version | head -n 1
else
    echo "NOTICE: ffmpeg not found: the bit-exactness tests will be skipped (bash .ci/run installs it)"
fi
if [ -x "${RTENC_CHROMIUM:-/usr/bin/chromium}" ]; then
    "${RTENC_CHROMIUM:-/usr/bin/chromium}" --version 2>/dev/null || true
else
    echo "NOTICE: chromium not found: the browser tests will be skipped (bash .ci/run installs it)"
fi

section "cargo fmt --check"
cargo fmt --all -- --check

section "cargo clippy (warnings are errors)"
cargo clippy --workspace --all-targets -- -D warnings
cargo clippy -p rtenc --all-targets --features check-asm -- -D warnings

section "cargo test (opt-level 2, see [profile.test])"
cargo test --workspace

# The SIMD kernels against their scalar twins on real encodes: with the check-asm feature every
# call through a SIMD kernel table also runs the scalar kernel and panics on any difference
# (crates/rtenc/src/dsp/check.rs). The ffmpeg bit-exactness matrices, the openh264 matrix and
# the test that encodes the same clips at every instruction-set level.
section "check-asm: SIMD kernels checked against the scalar ones on real encodes"
cargo test -p rtenc --features check-asm \
    --test ffmpeg_intra --test ffmpeg_inter --test openh264 --test isa_levels

# The NEON kernels: clippy for aarch64, cargo check for macOS, the rtenc library's tests under
# qemu-aarch64 with NEON and with scalar kernels (a subset of the large pictures; see the
# script's header), and streams byte-identical to x86-64's. Needs the cross tools and qemu
# (.ci/run installs them); without them a notice, except under CI=true, where it fails.
section "aarch64: NEON kernels under qemu (scripts/aarch64.sh)"
bash scripts/aarch64.sh

section "Python package: wheel (maturin), pytest on CPython 3.11 and 3.12 + pdum.rfb"
bash scripts/python-tests.sh

# The 100 000-frame soak is #[ignore]d in plain `cargo test` (it takes minutes); here it runs
# with the test binary just built (opt-level 2, debug assertions and overflow checks on), by its
# exact name and alone in its process: it measures the process's resident memory, which another
# test running beside it (soak_1080p, a release-mode benchmark) would inflate.
section "soak: 100 000 frames at 320x240 (crates/rtenc/tests/soak.rs)"
cargo test -p rtenc --test soak -- --ignored --exact \
    soak_100000_frames_memory_flat_counters_wrap_bitrate_stable_decodes_exactly --nocapture

# Fuzzing needs a nightly toolchain and cargo-fuzz (.ci/run installs cargo-fuzz). Without
# them this prints a notice, except under CI=true, where it fails.
section "fuzz: each target for ${FUZZ_SECONDS:=30} s (scripts/fuzz.sh)"
if cargo +nightly --version >/dev/null 2>&1 && cargo +nightly fuzz --version >/dev/null 2>&1; then
    FUZZ_SECONDS="$FUZZ_SECONDS" bash scripts/fuzz.sh
elif [ "${CI:-}" = "true" ]; then
    echo "ERROR: CI needs a nightly toolchain and cargo-fuzz for scripts/fuzz.sh" \
        "(cargo +nightly --version; cargo install cargo-fuzz --locked)" >&2
    exit 1
else
    echo "NOTICE: no nightly toolchain or no cargo-fuzz: fuzzing skipped" \
        "(rustup toolchain install nightly; cargo install cargo-fuzz --locked)"
fi

section "all checks passed"
