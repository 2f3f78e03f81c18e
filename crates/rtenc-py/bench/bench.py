"""Benchmarks of the Python package (printed figures, not tests).

    python crates/rtenc-py/bench/bench.py [--frames N] [--size WxH]

1. ``encode()`` called from Python against the time rtenc's Rust ``Encoder::encode`` took for
   the same frame (``last_encode_ms``, measured inside the binding around the Rust call): the
   difference is the binding's overhead (argument parsing, buffer export and checks, releasing
   and re-taking the GIL, the mutex, building the ``bytes``).
2. ``rtenc.rgb_to_nv12`` at 1080p against pdum.rfb's numpy conversion (``_host_rgb_to_nv12``
   from pdum.rfb 0.3.0's VideoToolbox backend; a verbatim copy is used when pdum.rfb is not
   installed), both writing into a reused output.

Medians over repeated runs; on a shared machine the absolute figures move with the load.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np

import rtenc

try:  # pdum.rfb 0.3.0 (Python >= 3.12)
    from pdum.rfb.encoders.vtenc import _host_rgb_to_nv12

    NUMPY_SOURCE = "pdum.rfb.encoders.vtenc._host_rgb_to_nv12"
except ImportError:
    NUMPY_SOURCE = "a copy of pdum.rfb 0.3.0's _host_rgb_to_nv12 (pdum.rfb not installed)"

    def _host_rgb_to_nv12(rgb: np.ndarray, out: np.ndarray) -> np.ndarray:
        h, w = rgb.shape[:2]
        r = rgb[..., 0].astype(np.float32)
        g = rgb[..., 1].astype(np.float32)
        b = rgb[..., 2].astype(np.float32)
        out[:h] = np.clip(0.257 * r + 0.504 * g + 0.098 * b + 16.0, 0, 255).astype(np.uint8)
        u = -0.148 * r - 0.291 * g + 0.439 * b + 128.0
        v = 0.439 * r - 0.368 * g - 0.071 * b + 128.0
        uv = out[h:].reshape(h // 2, w // 2, 2)
        uv[..., 0] = np.clip(u[::2, ::2], 0, 255).astype(np.uint8)
        uv[..., 1] = np.clip(v[::2, ::2], 0, 255).astype(np.uint8)
        return out


def scene(w: int, h: int, t: int) -> np.ndarray:
    """An RGB frame: a panning gradient, a moving checkerboard block and some noise."""
    y, x = np.mgrid[0:h, 0:w]
    img = np.empty((h, w, 3), np.uint8)
    img[..., 0] = (x // 4 + t * 3) % 256
    img[..., 1] = (y // 4 + t) % 256
    img[..., 2] = ((x // 32 + y // 32) % 2) * 160 + 40
    bx, by = (t * 24) % (w - 256), (t * 10) % (h - 256)
    img[by : by + 256, bx : bx + 256] = 255 - img[by : by + 256, bx : bx + 256]
    rng = np.random.default_rng(t)
    img[::7, ::5] = rng.integers(0, 256, img[::7, ::5].shape, dtype=np.uint8)
    return img


def bench_encode(w: int, h: int, n: int) -> None:
    frames = [np.asarray(rtenc.rgb_to_nv12(scene(w, h, t))).copy() for t in range(n)]
    for label, kw in [("6 Mbit/s, gop 30", dict(bitrate=6_000_000)), ("all intra, QP 26", dict(bitrate=0, gop=1))]:
        enc = rtenc.VtEncoder(w, h, fps=30, **kw)
        wall, rust = [], []
        for f in frames:
            t0 = time.perf_counter()
            enc.encode(f)
            wall.append((time.perf_counter() - t0) * 1e3)
            rust.append(enc.last_encode_ms)
        over = [a - b for a, b in zip(wall, rust)]
        tot_w, tot_r = sum(wall), sum(rust)
        print(
            f"encode {w}x{h} {label}, {n} frames: Python encode() median {statistics.median(wall):.2f} ms, "
            f"Rust Encoder::encode median {statistics.median(rust):.2f} ms; binding overhead "
            f"median {statistics.median(over) * 1e3:.0f} us/frame (max {max(over) * 1e3:.0f} us) = "
            f"{100 * (tot_w - tot_r) / tot_r:.3f} % of the Rust time"
        )


def timed(fn, reps: int) -> tuple[float, float]:
    """(median, best) in ms. On a busy machine the best run is the better estimate of the cost."""
    fn()
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times), min(times)


def bench_rgb_to_nv12(reps: int) -> None:
    w, h = 1920, 1080
    rgb = scene(w, h, 0)
    rgba = np.concatenate([rgb, np.full((h, w, 1), 255, np.uint8)], axis=2)
    out = np.empty((h * 3 // 2, w), np.uint8)
    numpy_med, numpy_best = timed(lambda: _host_rgb_to_nv12(rgb, out), reps)
    print(
        f"rgb_to_nv12 1920x1080, {reps} runs (median / best): numpy ({NUMPY_SOURCE}) "
        f"{numpy_med:.2f} / {numpy_best:.2f} ms"
    )
    for label, fn in [
        ("rgb, average", lambda: rtenc.rgb_to_nv12(rgb, out)),
        ("rgb, topleft", lambda: rtenc.rgb_to_nv12(rgb, out, chroma="topleft")),
        ("rgba, average", lambda: rtenc.rgb_to_nv12(rgba, out)),
        ("rgb, average, new output", lambda: rtenc.rgb_to_nv12(rgb)),
    ]:
        med, best = timed(fn, reps)
        print(
            f"  rtenc.rgb_to_nv12 ({label}): {med:.2f} / {best:.2f} ms "
            f"({numpy_med / med:.1f}x / {numpy_best / best:.1f}x faster than numpy)"
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--frames", type=int, default=30)
    ap.add_argument("--size", default="1920x1080")
    ap.add_argument("--reps", type=int, default=30)
    args = ap.parse_args()
    w, h = (int(v) for v in args.size.split("x"))
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"rtenc {rtenc.__version__}; {os.cpu_count()} CPUs, load average {load:.1f}")
    bench_rgb_to_nv12(args.reps)
    bench_encode(w, h, args.frames)


if __name__ == "__main__":
    main()
