"""Bad input: each case raises exactly the documented exception type with a message saying what
was expected, and leaves the encoder working."""

from __future__ import annotations

import array

import numpy as np
import pytest

import rtenc
from conftest import decode_frames, nv12_frame

W, H = 64, 48
N = W * H * 3 // 2
ROWS = H * 3 // 2


def padded_cols(step):
    return np.zeros((ROWS, W * step), np.uint8)[:, ::step]


# (id, argument, exception type, a fragment of the message)
ENCODE_CASES = [
    ("empty-bytes", b"", ValueError, f"expected {N} bytes"),
    ("one-byte-short", bytes(N - 1), ValueError, f"got a flat buffer of {N - 1} bytes"),
    ("one-byte-long", bytearray(N + 1), ValueError, f"got a flat buffer of {N + 1} bytes"),
    ("other-resolution", bytes(32 * 32 * 3 // 2), ValueError, f"{W}x{H}"),
    ("none", None, TypeError, "buffer protocol"),
    ("int", 42, TypeError, "got int"),
    ("str", "x" * N, TypeError, "got str"),
    ("list", [0] * N, TypeError, "got list"),
    ("uint16", np.zeros((ROWS, W), np.uint16), ValueError, "uint8"),
    ("int8", np.zeros((ROWS, W), np.int8), ValueError, "format 'B'"),
    ("float32", np.zeros((ROWS, W), np.float32), ValueError, "uint8"),
    ("array-H", array.array("H", bytes(N)), ValueError, "itemsize 2"),
    ("transposed-shape", np.zeros((W, ROWS), np.uint8), ValueError, f"expected shape ({ROWS}, {W})"),
    ("luma-only-shape", np.zeros((H, W), np.uint8), ValueError, f"got ({H}, {W})"),
    ("3-d", np.zeros((ROWS, W, 1), np.uint8), ValueError, "got 3 dimensions"),
    ("rgb-picture", np.zeros((H, W, 3), np.uint8), ValueError, "convert it with rtenc.rgb_to_nv12"),
    ("0-d", np.uint8(7), ValueError, "got 0 dimensions"),
    ("inner-stride-2", padded_cols(2), ValueError, "inner (column) stride of 1"),
    ("fortran-order", np.zeros((ROWS, W), np.uint8, order="F"), ValueError, "inner (column) stride"),
    ("negative-row-stride", np.zeros((ROWS, W), np.uint8)[::-1], ValueError, "row stride"),
    ("strided-flat", memoryview(bytearray(2 * N))[::2], ValueError, "stride 1"),
]


@pytest.mark.parametrize("arg,exc,fragment", [c[1:] for c in ENCODE_CASES], ids=[c[0] for c in ENCODE_CASES])
def test_bad_frames(arg, exc, fragment, tmp_path):
    enc = rtenc.VtEncoder(W, H, gop=0, bitrate=0)
    first = enc.encode(nv12_frame(W, H, 0))
    with pytest.raises(exc) as info:
        enc.encode(arg)
    assert type(info.value) is exc
    assert fragment in str(info.value), str(info.value)
    with pytest.raises(exc):
        enc.submit(arg, 1)
    # The encoder goes on as if the bad calls never happened.
    second = enc.encode(nv12_frame(W, H, 1))
    assert len(decode_frames(first + second, W, H, tmp_path)) == 2


CONSTRUCTOR_CASES = [
    ("codec-hevc", dict(codec="hevc"), ValueError, "only codec='h264'"),
    ("codec-upper", dict(codec="H264"), ValueError, "only codec='h264'"),
    ("width-odd", dict(width=65), ValueError, "even"),
    ("width-small", dict(width=14), ValueError, ">= 16"),
    ("width-negative", dict(width=-64), ValueError, "got -64"),
    ("height-zero", dict(height=0), ValueError, "got 0"),
    ("width-str", dict(width="64"), TypeError, ""),
    ("width-float", dict(width=64.0), TypeError, ""),
    ("too-large", dict(width=16384, height=16384), ValueError, "exceeds the largest supported level"),
    ("fps-nan", dict(fps=float("nan")), ValueError, "fps"),
    ("fps-huge", dict(fps=5000), ValueError, "fps"),
    ("bitrate-huge", dict(bitrate=10**12), ValueError, "bitrate"),
    ("qp-52", dict(qp=52), ValueError, "qp must be in 0..=51, got 52"),
    ("qp-negative", dict(qp=-1), ValueError, "qp must be in 0..=51"),
    ("min-above-max", dict(bitrate=1_000_000, min_qp=40, max_qp=30), ValueError, "min_qp"),
    ("vbv-zero", dict(bitrate=1_000_000, vbv=0), ValueError, "vbv"),
    ("threads-negative", dict(threads=-1), ValueError, "threads must be >= 0"),
    ("threads-too-many", dict(threads=65), ValueError, "threads must be at most 64"),
    ("realtime-not-bool", dict(realtime="yes"), TypeError, ""),
    ("unknown-keyword", dict(speed="fast"), TypeError, "speed"),
    ("preset-unknown", dict(preset="placebo"), ValueError, "unknown preset"),
    ("preset-not-str", dict(preset=3), TypeError, ""),
]


@pytest.mark.parametrize("kw,exc,fragment", [c[1:] for c in CONSTRUCTOR_CASES], ids=[c[0] for c in CONSTRUCTOR_CASES])
def test_bad_constructor_arguments(kw, exc, fragment):
    args = dict(width=W, height=H)
    args.update(kw)
    with pytest.raises(exc) as info:
        rtenc.Encoder(**args)
    assert type(info.value) is exc
    assert fragment in str(info.value), str(info.value)


@pytest.mark.parametrize(
    "damage,exc",
    [([(-1, 0, 16, 16)], ValueError), ([(0, 0, 16)], ValueError), ("0,0,16,16", TypeError), (5, TypeError)],
    ids=["negative", "three-values", "str", "int"],
)
def test_bad_damage_hints(damage, exc):
    enc = rtenc.Encoder(W, H)
    enc.encode(nv12_frame(W, H, 0))
    with pytest.raises(exc) as info:
        enc.encode(nv12_frame(W, H, 1), damage=damage)
    assert type(info.value) is exc
    enc.encode(nv12_frame(W, H, 1), damage=[(0, 0, W, H)])


def test_keyword_only_options_are_keyword_only():
    with pytest.raises(TypeError):
        rtenc.Encoder(W, H, "h264", 30, 30, 0, True, True, 26)


RGB = np.zeros((H, W, 3), np.uint8)
RGB_CASES = [
    ("rgb-none", dict(rgb=None), TypeError, "buffer protocol"),
    ("rgb-2d", dict(rgb=np.zeros((H, W), np.uint8)), ValueError, "got 2 dimensions"),
    ("rgb-5-channels", dict(rgb=np.zeros((H, W, 5), np.uint8)), ValueError, "3 (RGB) or 4 (RGBA) channels"),
    ("rgb-odd-width", dict(rgb=np.zeros((H, W - 1, 3), np.uint8)), ValueError, "even"),
    ("rgb-odd-height", dict(rgb=np.zeros((H - 1, W, 3), np.uint8)), ValueError, "even"),
    ("rgb-empty", dict(rgb=np.zeros((0, W, 3), np.uint8)), ValueError, "non-zero"),
    ("rgb-float", dict(rgb=np.zeros((H, W, 3), np.float32)), ValueError, "uint8"),
    ("rgb-planar", dict(rgb=np.zeros((3, H, W), np.uint8).transpose(1, 2, 0)), ValueError, "packed pixels"),
    ("rgb-column-step", dict(rgb=np.zeros((H, 2 * W, 3), np.uint8)[:, ::2]), ValueError, "packed pixels"),
    ("order-rgba-3ch", dict(rgb=RGB, order="rgba"), ValueError, "needs 4 channels"),
    ("order-bogus", dict(rgb=RGB, order="yuv"), ValueError, "order must be"),
    ("chroma-bogus", dict(rgb=RGB, chroma="center"), ValueError, "chroma must be"),
    ("out-too-small", dict(rgb=RGB, out=bytearray(N - 1)), ValueError, f"flat buffer of {N} bytes"),
    ("out-wrong-shape", dict(rgb=RGB, out=np.zeros((H, W), np.uint8)), ValueError, f"({ROWS}, {W})"),
    ("out-readonly", dict(rgb=RGB, out=bytes(N)), ValueError, "writable"),
    ("out-uint16", dict(rgb=RGB, out=np.zeros((ROWS, W), np.uint16)), ValueError, "uint8"),
    ("out-not-buffer", dict(rgb=RGB, out=3.5), TypeError, "buffer protocol"),
    ("out-padded", dict(rgb=RGB, out=np.zeros((ROWS, W + 8), np.uint8)[:, :W]), ValueError, "contiguous"),
]


@pytest.mark.parametrize("kw,exc,fragment", [c[1:] for c in RGB_CASES], ids=[c[0] for c in RGB_CASES])
def test_bad_rgb_to_nv12_arguments(kw, exc, fragment):
    kw = dict(kw)
    rgb = kw.pop("rgb")
    with pytest.raises(exc) as info:
        rtenc.rgb_to_nv12(rgb, **kw)
    assert type(info.value) is exc
    assert fragment in str(info.value), str(info.value)


def test_out_overlapping_the_input_is_refused():
    buf = np.zeros(H * W * 3 + N, np.uint8)
    rgb = buf[: H * W * 3].reshape(H, W, 3)
    with pytest.raises(ValueError, match="overlap"):
        rtenc.rgb_to_nv12(rgb, buf[H * W * 3 - 8 : H * W * 3 - 8 + N])
    rtenc.rgb_to_nv12(rgb, buf[H * W * 3 :])  # adjacent is fine


def test_a_rust_panic_becomes_runtime_error():
    # Every entry point runs its Rust code under panic_guard; this one panics on purpose. The
    # error must be a RuntimeError (an Exception), not pyo3's PanicException (a BaseException).
    from rtenc import _rtenc

    with pytest.raises(RuntimeError, match="internal error in rtenc: deliberate panic"):
        _rtenc._panic_for_test()
    # The module is still usable afterwards.
    enc = rtenc.Encoder(64, 48, bitrate=0)
    assert enc.encode(bytes(64 * 48 * 3 // 2))[:4] == b"\x00\x00\x00\x01"
