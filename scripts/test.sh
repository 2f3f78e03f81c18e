#!/usr/bin/env bash
# Every check CI runs: formatting, lints, then all tests of the workspace.
#
# The bit-exactness tests decode rtenc's streams with ffmpeg, which must be on PATH (or named by
# RTENC_FFMPEG). Without it they print a notice and pass, except under CI=true, where they fail.
# .ci/run installs ffmpeg first and then runs this script. The Python package's tests
# (scripts/python-tests.sh) need python3 with venv and pip, and pyenv's 3.12 for pdum.rfb.
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

section "cargo fmt --check"
cargo fmt --all -- --check

section "cargo clippy (warnings are errors)"
cargo clippy --workspace --all-targets -- -D warnings

section "cargo test (opt-level 2, see [profile.test])"
cargo test --workspace

section "Python package: wheel (maturin), pytest on CPython 3.11 and 3.12 + pdum.rfb"
bash scripts/python-tests.sh

section "all checks passed"
