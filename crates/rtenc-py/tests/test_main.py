"""``python -m rtenc``: ``info`` and ``bench``."""

from __future__ import annotations

import subprocess
import sys

import rtenc


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "rtenc", *args], capture_output=True, text=True, timeout=300
    )


def test_info_reports_version_features_and_kernels():
    r = run("info")
    assert r.returncode == 0, r.stderr
    i = rtenc.info()
    assert f"rtenc {rtenc.__version__}" in r.stdout
    assert f"kernels: {i['kernels']}" in r.stdout
    assert i["kernels"] in i["kernel_sets"]
    assert "cpu features:" in r.stdout


def test_bench_times_rtenc_and_reports_the_bitrate():
    r = run("bench", "--size", "160x96", "--frames", "12", "--bitrate", "400000", "--no-pyav",
            "--preset", "ultrafast")
    assert r.returncode == 0, r.stderr
    assert "160x96, 12 frames at 30 fps" in r.stdout
    line = next(l for l in r.stdout.splitlines() if l.startswith("rtenc ultrafast"))
    kbps = float(line.split()[-2])
    assert 50 < kbps < 4000, line


def test_bench_refuses_bad_arguments():
    r = run("bench", "--size", "161x96")
    assert r.returncode == 2 and "even" in r.stderr
    r = run("bench", "--size", "160x96", "--frames", "2", "--preset", "placebo", "--no-pyav")
    assert r.returncode == 2 and "unknown preset" in r.stderr
    r = run("nonsense")
    assert r.returncode == 2
