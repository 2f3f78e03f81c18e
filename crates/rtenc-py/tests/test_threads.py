"""The GIL is released while encoding; one encoder shared by threads is serialised."""

from __future__ import annotations

import os
import threading
import time

import numpy as np

import rtenc
from conftest import decode_frames, is_idr_au, is_p_au, nv12_frame


def run_in_threads(jobs):
    results = [None] * len(jobs)
    errors = []

    def run(i, job):
        try:
            results[i] = job()
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i, j)) for i, j in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    return results


def test_two_encoders_in_two_threads_run_concurrently():
    w, h, n = 640, 360, 12
    frames = [[nv12_frame(w, h, t, seed=s) for t in range(n)] for s in (0, 1)]

    def job(s):
        # One thread per encoder: the concurrency measured is the two Python threads'.
        enc = rtenc.Encoder(w, h, bitrate=1_000_000, threads=1)
        return lambda: [enc.encode(f) for f in frames[s]]

    job(0)()  # warm up (page faults, allocator)
    start = time.perf_counter()
    serial = [job(0)(), job(1)()]
    serial_s = time.perf_counter() - start
    start, cpu = time.perf_counter(), time.process_time()
    parallel = run_in_threads([job(0), job(1)])
    parallel_s = time.perf_counter() - start
    parallel_cpu = time.process_time() - cpu
    # Correctness: each thread's stream is exactly what it is alone.
    assert parallel == serial
    print(
        f"\n2 encoders x {n} frames {w}x{h}: serial {serial_s * 1e3:.0f} ms, two threads "
        f"{parallel_s * 1e3:.0f} ms, speed-up {serial_s / parallel_s:.2f}x; the process used "
        f"{parallel_cpu / parallel_s:.2f} CPUs meanwhile (of {os.cpu_count()}, shared with "
        f"whatever else runs)"
    )


def test_python_threads_run_while_a_frame_is_encoded():
    # If encode held the GIL, no other Python code could run between the moment the worker
    # enters encode and the moment it returns: the main thread's timestamps could only fall at
    # the edges of an encode's time window (while the worker waits for the GIL around the call).
    # Count those in the middle half of each window instead; no threshold on any duration.
    w, h = 1920, 1080
    enc = rtenc.Encoder(w, h, gop=1, bitrate=0, threads=1)  # all intra: the slowest frames
    frame = nv12_frame(w, h, 0)
    enc.encode(frame)
    windows = []

    def work():
        for _ in range(3):
            t0 = time.perf_counter()
            enc.encode(frame)
            windows.append((t0, time.perf_counter()))

    stamps = []
    worker = threading.Thread(target=work)
    worker.start()
    while worker.is_alive():
        stamps.append(time.perf_counter())
    worker.join()
    stamps = np.array(stamps)
    inside = []
    for t0, t1 in windows:
        q = (t1 - t0) / 4
        inside.append(int(((stamps > t0 + q) & (stamps < t1 - q)).sum()))
    print(
        f"\nencode 1080p intra {enc.last_encode_ms:.0f} ms; main thread iterations in the middle "
        f"half of each of the 3 encodes: {inside}"
    )
    assert sum(n > 0 for n in inside) >= 1, inside


def test_one_encoder_shared_by_threads_is_serialised(tmp_path):
    w, h, n = 160, 96, 10
    enc = rtenc.VtEncoder(w, h, gop=0, bitrate=0)
    frames = [nv12_frame(w, h, t) for t in range(n)]
    out = run_in_threads([lambda: [enc.encode(f) for f in frames] for _ in range(4)])
    aus = [au for stream in out for au in stream]
    assert len(aus) == 4 * n
    # gop=0: exactly one IDR (the first frame in lock order) and P frames otherwise, whatever
    # the interleaving; a corrupted state would show here or in the decode below.
    assert sum(is_idr_au(au) for au in aus) == 1
    assert all(is_p_au(au) for au in aus if not is_idr_au(au))
    # The encoder is intact: a forced IDR and what follows decode.
    tail = [enc.encode(frames[0], force_idr=True)] + [enc.encode(f) for f in frames[1:]]
    decoded = decode_frames(b"".join(tail), w, h, tmp_path)
    assert len(decoded) == n


def test_close_while_another_thread_encodes():
    w, h = 640, 360
    enc = rtenc.VtEncoder(w, h)
    frame = nv12_frame(w, h, 0)
    outcomes = []

    def encode_until_closed():
        # Until the close lands (a repeated frame takes well under a millisecond, so no fixed
        # count is safe), with a time limit so a broken close fails instead of hanging.
        deadline = time.monotonic() + 30.0
        while time.monotonic() < deadline:
            try:
                enc.encode(frame)
                outcomes.append("ok")
            except RuntimeError as exc:
                outcomes.append(str(exc))
                return

    t = threading.Thread(target=encode_until_closed)
    t.start()
    time.sleep(0.05)
    enc.close()
    t.join()
    assert outcomes[-1] == "encoder is closed", outcomes[-3:]
