#!/usr/bin/env bash
# Every check CI runs: formatting, lints, then all tests of the workspace.
#
# The bit-exactness tests decode rtenc's streams with ffmpeg, which must be on PATH (or named by
# RTENC_FFMPEG). Without it they print a notice and pass, except under CI=true, where they fail.
# The browser tests (crates/rtenc-browser) need Chromium at /usr/bin/chromium (or
# RTENC_CHROMIUM), with the same rule. .ci/run installs both first and then runs this script.
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

section "cargo test (opt-level 2, see [profile.test])"
cargo test --workspace

section "all checks passed"
