"""``python -m rtenc``: what this machine runs, and how fast.

    python -m rtenc info                       # version, CPU features, the kernel set in use
    python -m rtenc bench [--size 1920x1080] [--frames 60] [--fps 30] [--bitrate 6000000]
                          [--preset veryfast] [--threads 1] [--no-pyav]

``bench`` encodes a synthetic moving picture (a textured pan with grain, drawn with numpy) with
rtenc and, when PyAV is installed, with PyAV's libx264 (``ultrafast``, ``zerolatency``, Baseline,
the same bitrate and thread count), and prints the median and 99th-percentile time per frame and
the bitrate each produced. Only the encode calls are timed; PyAV's include the NV12 -> I420
conversion its libx264 needs (as a PyAV user pays it).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from typing import Callable, Sequence

import rtenc


def _size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a size like 1280x720, got {text!r}") from None
    if w < 16 or h < 16 or w % 2 or h % 2:
        raise argparse.ArgumentTypeError(f"width and height must be even and >= 16, got {text!r}")
    return w, h


def _frames(w: int, h: int, n: int) -> list:
    """``n`` NV12 frames: a smooth texture panned 1.5 samples right and 0.5 down per frame,
    with +-3 of grain (what a camera gives)."""
    import numpy as np

    rng = np.random.default_rng(7)
    yy, xx = np.mgrid[0 : h + n, 0 : w + 2 * n].astype(np.float32)
    base = 128 + 60 * np.sin(xx / 23.0) * np.cos(yy / 31.0) + 30 * np.sin((xx + yy) / 7.0)
    out = []
    for t in range(n):
        x0, y0 = int(1.5 * t), int(0.5 * t)
        y = base[y0 : y0 + h, x0 : x0 + w] + rng.integers(-3, 4, (h, w))
        uv = np.full((h // 2, w), 128, np.uint8)
        uv[:, 0::2] = (base[y0 : y0 + h : 2, x0 : x0 + w : 2] // 2 + 64).astype(np.uint8)
        out.append(np.concatenate([np.clip(y, 16, 235).astype(np.uint8), uv]))
    return out


def _time(encode: Callable[[object], int], frames: Sequence) -> tuple[float, float, int]:
    """Encodes every frame; (p50 ms, p99 ms, total bytes)."""
    times, total = [], 0
    for f in frames:
        t0 = time.perf_counter()
        total += encode(f)
        times.append((time.perf_counter() - t0) * 1000.0)
    times.sort()
    p99 = times[min(len(times) - 1, int(round(0.99 * (len(times) - 1))))]
    return statistics.median(times), p99, total


def _pyav_encoder(w: int, h: int, fps: int, bitrate: int, threads: int):
    from fractions import Fraction

    import av  # type: ignore[import-not-found]  # ImportError when PyAV is missing
    import numpy as np

    codec = av.CodecContext.create("libx264", "w")
    codec.width, codec.height, codec.pix_fmt = w, h, "yuv420p"
    codec.framerate = Fraction(fps)
    codec.time_base = Fraction(1, fps)
    codec.bit_rate = bitrate
    codec.options = {
        "preset": "ultrafast",
        "tune": "zerolatency",
        "profile": "baseline",
        "threads": str(threads),
    }

    pts = [0]

    def encode(nv12) -> int:
        y = nv12[:h]
        uv = nv12[h:]
        i420 = np.concatenate([y.reshape(-1), uv[:, 0::2].reshape(-1), uv[:, 1::2].reshape(-1)])
        frame = av.VideoFrame.from_ndarray(i420.reshape(h * 3 // 2, w), format="yuv420p")
        frame.pts = pts[0]
        pts[0] += 1
        return sum(p.size for p in codec.encode(frame))

    return encode


def cmd_info(_: argparse.Namespace) -> int:
    i = rtenc.info()
    print(f"rtenc {i['version']}")
    print(f"arch: {i['arch']}")
    print(f"cpu features: {' '.join(i['cpu_features']) or '(none detected)'}")
    print(f"kernel sets: {' '.join(i['kernel_sets'])}")
    print(f"kernels: {i['kernels']}")
    return 0


def cmd_bench(a: argparse.Namespace) -> int:
    w, h = a.size
    frames = _frames(w, h, a.frames)
    enc = rtenc.Encoder(
        w, h, fps=a.fps, gop=a.fps, bitrate=a.bitrate, threads=a.threads, preset=a.preset
    )
    rows = [("rtenc " + a.preset, *_time(lambda f: len(enc.encode(f)), frames))]
    if not a.no_pyav:
        try:
            x264 = _pyav_encoder(w, h, a.fps, a.bitrate, a.threads)
        except ImportError:
            print("PyAV is not installed: rtenc alone (pip install av for libx264)")
        else:
            rows.append(("PyAV libx264 ultrafast", *_time(x264, frames)))
    print(f"{w}x{h}, {a.frames} frames at {a.fps} fps, target {a.bitrate / 1000:.0f} kbit/s, "
          f"{a.threads} thread(s)")
    for name, p50, p99, total in rows:
        kbps = total * 8 * a.fps / len(frames) / 1000
        print(f"{name:<24} {p50:8.2f} ms p50 {p99:8.2f} ms p99 {kbps:10.1f} kbit/s")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m rtenc", description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("info", help="version, CPU features and the kernel set in use")
    b = sub.add_parser("bench", help="encode speed on this machine (and PyAV's libx264)")
    b.add_argument("--size", type=_size, default=(1920, 1080))
    b.add_argument("--frames", type=int, default=60)
    b.add_argument("--fps", type=int, default=30)
    b.add_argument("--bitrate", type=int, default=6_000_000)
    b.add_argument("--preset", default="veryfast")
    b.add_argument("--threads", type=int, default=1)
    b.add_argument("--no-pyav", action="store_true", help="rtenc only")
    a = p.parse_args(argv)
    if a.command == "bench" and a.frames < 1:
        p.error("--frames must be at least 1")
    try:
        return cmd_info(a) if a.command == "info" else cmd_bench(a)
    except ValueError as e:
        print(f"python -m rtenc: error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
