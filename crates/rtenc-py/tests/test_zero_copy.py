"""Frames are read in place: padded 2-D views, buffers mutated between calls, no copies."""

from __future__ import annotations

import array
import tracemalloc

import numpy as np

import rtenc
from conftest import decode_frames, nv12_frame

W, H = 96, 64
ROWS = H * 3 // 2


def reference_stream(frames, **kw):
    enc = rtenc.VtEncoder(W, H, **kw)
    return [enc.encode(np.ascontiguousarray(f).tobytes()) for f in frames]


def test_every_accepted_layout_gives_the_same_stream():
    frames = [nv12_frame(W, H, t) for t in range(6)]
    expected = reference_stream(frames)
    layouts = {
        "2-d contiguous": lambda f: f,
        "bytes": lambda f: f.tobytes(),
        "bytearray": lambda f: bytearray(f.tobytes()),
        "memoryview": lambda f: memoryview(f.tobytes()),
        "flat ndarray": lambda f: f.ravel(),
        "array('B')": lambda f: array.array("B", f.tobytes()),
        "2-d memoryview": lambda f: memoryview(bytearray(f.tobytes())).cast("B", (ROWS, W)),
        "read-only ndarray": lambda f: np.frombuffer(f.tobytes(), np.uint8).reshape(ROWS, W),
    }
    for name, make in layouts.items():
        enc = rtenc.VtEncoder(W, H)
        assert [enc.encode(make(f)) for f in frames] == expected, name


def test_padded_rows_are_read_in_place(tmp_path):
    frames = [nv12_frame(W, H, t) for t in range(6)]
    expected = reference_stream(frames)
    for pad in (1, 32, 4096 - W):
        base = np.full((ROWS, W + pad), 255, np.uint8)  # padding that must never be read
        view = base[:, :W]
        assert view.strides == (W + pad, 1) and not view.flags.c_contiguous
        enc = rtenc.VtEncoder(W, H)
        got = []
        for f in frames:
            base[:, :W] = f
            got.append(enc.encode(view))
        assert got == expected, pad
    # A view into the middle of a bigger picture (nonzero offset) too.
    big = np.zeros((ROWS + 10, W + 20), np.uint8)
    enc = rtenc.VtEncoder(W, H)
    got = []
    for f in frames:
        big[5 : 5 + ROWS, 7 : 7 + W] = f
        got.append(enc.encode(big[5 : 5 + ROWS, 7 : 7 + W]))
    assert got == expected
    assert len(decode_frames(b"".join(got), W, H, tmp_path)) == len(frames)


def test_a_mutated_memoryview_over_a_bytearray_is_reread_every_call():
    frames = [nv12_frame(W, H, t) for t in range(8)]
    expected = reference_stream(frames)
    backing = bytearray(W * H * 3 // 2)
    view = memoryview(backing)
    enc = rtenc.VtEncoder(W, H)
    got = []
    for f in frames:
        backing[:] = f.tobytes()  # mutate in place: same object, same address
        got.append(enc.encode(view))
    assert got == expected
    # The same holds for submit, and the 2-D cast of the same memory.
    enc = rtenc.VtEncoder(W, H)
    view2d = view.cast("B", (ROWS, W))
    got = []
    for seq, f in enumerate(frames):
        backing[:] = f.tobytes()
        [(s, au, _)] = enc.submit(view2d, seq)
        got.append(au)
    assert got == expected


def test_no_per_call_allocation_of_frame_size():
    # 720p: 1.38 MB per frame. tracemalloc sees every Python-level allocation (a bytes() copy,
    # numpy.ascontiguousarray, ...); the access unit itself is the only object encode makes.
    w, h = 1280, 720
    size = w * h * 3 // 2
    base = np.zeros((h * 3 // 2, w + 64), np.uint8)
    base[:, :w] = nv12_frame(w, h, 0)
    padded = base[:, :w]
    contiguous = nv12_frame(w, h, 1)
    enc = rtenc.VtEncoder(w, h, bitrate=0, qp=40)
    enc.encode(contiguous)
    for frame in (padded, contiguous, memoryview(contiguous.tobytes())):
        tracemalloc.start()
        try:
            au = enc.encode(frame)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert peak < len(au) + 64 * 1024 < size / 4, (peak, len(au))
        assert enc.last_copy_ms == 0.0


def test_the_buffer_stays_exported_only_during_the_call():
    backing = bytearray(W * H * 3 // 2)
    enc = rtenc.VtEncoder(W, H)
    enc.encode(backing)
    backing.extend(b"x")  # resizing works again: the export was released
    del backing[-1:]
    enc.encode(backing)
