#!/usr/bin/env bash
# The Python package (crates/rtenc-py): builds the abi3 wheel with maturin, installs it into
# fresh virtualenvs and runs its pytest suite there: with CPython 3.11 (`python3`, or
# $RTENC_PYTHON) and with CPython 3.12 plus pdum.rfb (habemus-papadum-rfb==0.3.0, which needs
# Python >= 3.12; found with pyenv, or $RTENC_PYTHON312; no PyAV, so that pdum.rfb would stream
# JPEG on its own, and headless Chromium for the browser end-to-end test). Then it builds the
# x86_64 release wheel (manylinux2014, abi3) and checks it: scripts/wheels.sh --check x86_64.
# Everything lives under target/py (and the release wheel in dist/).
#
# Without a Python (or without 3.12) this prints a notice and skips that part, except under
# CI=true, where it fails. Re-running is cheap: the build venv is reused, pip installs come from
# its cache, and cargo rebuilds only what changed.
set -euo pipefail
cd "$(dirname "$0")/.."

ROOT=target/py
WHEELS=$ROOT/wheels
mkdir -p "$ROOT"

missing() {
    if [ "${CI:-}" = "true" ]; then
        echo "ERROR: $1 is required in CI" >&2
        exit 1
    fi
    echo "NOTICE: $1 not found: skipping $2"
}

PY=${RTENC_PYTHON:-python3}
if ! command -v "$PY" >/dev/null 2>&1; then
    missing "python3" "the Python tests"
    exit 0
fi
# The first candidate that really is a CPython 3.12 (pyenv's shims may exist but not run).
PY312=
candidates=("${RTENC_PYTHON312:-}")
if command -v pyenv >/dev/null 2>&1; then
    candidates+=("$(pyenv root)"/versions/3.12*/bin/python3.12)
fi
candidates+=("${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.12*/bin/python3.12 "$(command -v python3.12 || true)")
for cand in "${candidates[@]}"; do
    if [ -n "$cand" ] && "$cand" -c 'import sys; assert sys.version_info[:2] == (3, 12)' 2>/dev/null; then
        PY312=$cand
        break
    fi
done

# pip quietly, without its version check; "satisfied" requirements cost no download.
pip_install() { "$1/bin/python" -m pip install -q --disable-pip-version-check "${@:2}"; }

# 1. maturin in a build venv (kept between runs), then the wheel.
if [ ! -x "$ROOT/build/bin/maturin" ]; then
    "$PY" -m venv --clear "$ROOT/build"
    pip_install "$ROOT/build" "maturin>=1.9,<2"
fi
"$ROOT/build/bin/maturin" --version
rm -f "$WHEELS"/rtenc-*.whl
"$ROOT/build/bin/maturin" build --release -m crates/rtenc-py/Cargo.toml -o "$WHEELS"
WHEEL=$(ls "$WHEELS"/rtenc-*-cp39-abi3-*.whl)
echo "wheel: $WHEEL"

# 2. A fresh venv per interpreter: the wheel (no compiler, no ffmpeg needed to install it), then
#    the test tools, then the tests.
run_suite() { # name python extra-packages...
    local venv=$ROOT/$1 py=$2
    shift 2
    "$py" -m venv --clear "$venv"
    pip_install "$venv" "$WHEEL"
    pip_install "$venv" pytest numpy "$@"
    "$venv/bin/python" -c 'import rtenc, sys; print("rtenc", rtenc.__version__, "on Python", sys.version.split()[0])'
    (cd crates/rtenc-py && "../../$venv/bin/python" -m pytest -q -s -p no:cacheprovider tests)
}

run_suite test-py3 "$PY" mypy
# The type stubs must describe the module as built (signatures, defaults, names).
(cd "$ROOT" && test-py3/bin/python -m mypy.stubtest rtenc)
if [ -n "$PY312" ]; then
    run_suite test-py312-rfb "$PY312" "habemus-papadum-rfb==0.3.0"
else
    missing "Python 3.12 (pyenv)" "the pdum.rfb tests"
fi

# 3. The release wheel (x86_64 only: aarch64 is the same build for another target; run
#    scripts/wheels.sh for both): manylinux2014, no glibc symbol newer than 2.17, installs and
#    imports in a clean venv.
if command -v objdump >/dev/null 2>&1; then
    bash scripts/wheels.sh --check x86_64
else
    missing "objdump (binutils)" "the release wheel check"
fi
