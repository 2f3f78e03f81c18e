#!/usr/bin/env bash
# Release wheels of the Python package (crates/rtenc-py) into dist/: one abi3 wheel (CPython >=
# 3.9) per architecture, manylinux2014 (glibc 2.17), linked with zig (PyPI's `ziglang`) so the
# host's newer glibc does not leak in, and cross-compiled for aarch64 the same way.
#
#   bash scripts/wheels.sh                   # x86_64 and aarch64
#   bash scripts/wheels.sh x86_64            # only the listed architectures
#   bash scripts/wheels.sh --check x86_64    # then check the x86_64 wheel (see check_wheel)
#
# Each wheel is checked after it is built: its name carries manylinux_2_17 and abi3, and its
# shared object needs no glibc symbol version newer than 2.17 (objdump -T). With --check the
# x86_64 wheel is also installed into a clean virtualenv (no compiler, no Rust) and imported,
# and a frame is encoded. Tools (maturin, ziglang) live in the build venv under target/py.
set -euo pipefail
cd "$(dirname "$0")/.."

CHECK=0
if [ "${1:-}" = "--check" ]; then
    CHECK=1
    shift
fi
ARCHES=("$@")
[ ${#ARCHES[@]} -gt 0 ] || ARCHES=(x86_64 aarch64)

ROOT=target/py
PY=${RTENC_PYTHON:-python3}
pip_install() { "$1/bin/python" -m pip install -q --disable-pip-version-check "${@:2}"; }
if [ ! -x "$ROOT/build/bin/maturin" ]; then
    "$PY" -m venv --clear "$ROOT/build"
    pip_install "$ROOT/build" "maturin>=1.9,<2"
fi
# maturin finds zig as `python -m ziglang` in its own environment.
"$ROOT/build/bin/python" -c 'import ziglang' 2>/dev/null || pip_install "$ROOT/build" "ziglang>=0.13,<0.16"
export PATH="$PWD/$ROOT/build/bin:$PATH"

mkdir -p dist

# The newest GLIBC_x.y version any dynamic symbol of $1 needs.
newest_glibc() {
    objdump -T "$1" | grep -o 'GLIBC_[0-9][0-9.]*' | sed 's/GLIBC_//' | sort -t. -k1,1n -k2,2n -u | tail -1
}

check_wheel() { # wheel arch
    local wheel=$1 arch=$2 tmp so newest
    case "$(basename "$wheel")" in
        rtenc-*-cp39-abi3-manylinux2014_"$arch".manylinux_2_17_"$arch".whl) ;;
        *) echo "ERROR: $wheel is not an abi3 manylinux2014 $arch wheel" >&2; return 1 ;;
    esac
    tmp=$(mktemp -d)
    "$ROOT/build/bin/python" -m zipfile -e "$wheel" "$tmp"
    so=$(ls "$tmp"/rtenc/_rtenc*.so)
    newest=$(newest_glibc "$so")
    echo "$(basename "$wheel"): newest glibc symbol version GLIBC_$newest"
    objdump -T "$so" | grep -o 'GLIBC_[0-9][0-9.]*' | sort -u | tr '\n' ' '
    echo
    rm -rf "$tmp"
    # 2.17 or older: compare as version numbers.
    if [ "$(printf '%s\n2.17\n' "$newest" | sort -t. -k1,1n -k2,2n | tail -1)" != "2.17" ]; then
        echo "ERROR: $wheel needs GLIBC_$newest (> 2.17)" >&2
        return 1
    fi
}

for arch in "${ARCHES[@]}"; do
    rm -f dist/rtenc-*-"$arch".whl
    "$ROOT/build/bin/maturin" build --release -m crates/rtenc-py/Cargo.toml \
        --target "$arch-unknown-linux-gnu" --zig --compatibility manylinux2014 -o dist
    check_wheel "$(ls dist/rtenc-*-manylinux2014_"$arch".*.whl)" "$arch"
done

if [ "$CHECK" = 1 ]; then
    wheel=$(ls dist/rtenc-*-manylinux2014_x86_64.*.whl)
    venv=$ROOT/wheel-check
    "$PY" -m venv --clear "$venv"
    pip_install "$venv" --no-index "$wheel"   # no dependencies, nothing to compile
    "$venv/bin/python" - <<'EOF'
import rtenc

enc = rtenc.VtEncoder(64, 48, fps=30, bitrate=0)
au = enc.encode(bytes(64 * 48 * 3 // 2), force_idr=True)
assert au[:4] == b"\x00\x00\x00\x01" and enc.codec_string.startswith("avc1.42"), au[:8]
print(f"clean venv: rtenc {rtenc.__version__} from the wheel imports and encodes ({len(au)} bytes)")
EOF
fi
ls -l dist/
