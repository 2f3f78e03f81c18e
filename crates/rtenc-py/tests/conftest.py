"""Shared helpers: Annex B parsing, the ffmpeg reference decoder, synthetic frames."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

IN_CI = os.environ.get("CI") == "true"


def require(what: str, available: bool, hint: str) -> None:
    """Skip without ``what``, but fail under CI=true (CI must run every test)."""
    if available:
        return
    if IN_CI:
        pytest.fail(f"{what} is required in CI ({hint})")
    pytest.skip(f"{what} not available ({hint})")


def ffmpeg_bin() -> str:
    bin_ = os.environ.get("RTENC_FFMPEG", "ffmpeg")
    require("ffmpeg", shutil.which(bin_) is not None, "apt-get install -y ffmpeg, as .ci/run does")
    return bin_


def nal_units(au: bytes) -> list[bytes]:
    """The NAL units of an Annex B buffer (start codes of 3 or 4 bytes)."""
    units = []
    i = au.find(b"\x00\x00\x01")
    while i >= 0:
        start = i + 3
        j = au.find(b"\x00\x00\x01", start)
        end = len(au) if j < 0 else j
        # A 4-byte start code leaves a zero byte at the end of the previous unit.
        unit = au[start:end]
        if j >= 0 and unit.endswith(b"\x00"):
            unit = unit[:-1]
        units.append(unit)
        i = j
    return units


def nal_types(au: bytes) -> list[int]:
    return [u[0] & 0x1F for u in nal_units(au) if u]


def is_idr_au(au: bytes) -> bool:
    """SPS, PPS, then one IDR slice per thread of the encoder."""
    types = nal_types(au)
    return types[:2] == [7, 8] and len(types) > 2 and set(types[2:]) == {5}


def is_p_au(au: bytes) -> bool:
    """Only non-IDR slices (one per thread)."""
    types = nal_types(au)
    return len(types) > 0 and set(types) == {1}


def sps_codec_string(au: bytes) -> str:
    """avc1.PPCCLL from the first SPS (NAL type 7) in ``au``."""
    for unit in nal_units(au):
        if unit and unit[0] & 0x1F == 7:
            return "avc1.%02X%02X%02X" % (unit[1], unit[2], unit[3])
    raise AssertionError("no SPS in the access unit")


def ffmpeg_decode(stream: bytes, tmp_path: Path, pix_fmt: str = "yuv420p") -> bytes:
    """Decodes an Annex B stream with ``-err_detect explode``; fails on any stderr output."""
    bin_ = ffmpeg_bin()
    src = tmp_path / "stream.h264"
    src.write_bytes(stream)
    out = tmp_path / "decoded.raw"
    proc = subprocess.run(
        [bin_, "-nostdin", "-hide_banner", "-v", "error", "-err_detect", "explode",
         "-threads", "1", "-f", "h264", "-i", str(src),
         "-f", "rawvideo", "-pix_fmt", pix_fmt, "-fps_mode", "passthrough", "-y", str(out)],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0 and proc.stderr.strip() == "", (
        f"ffmpeg rejected the stream ({len(stream)} bytes, exit {proc.returncode}):\n{proc.stderr}"
    )
    return out.read_bytes()


def decode_frames(stream: bytes, w: int, h: int, tmp_path: Path) -> list[np.ndarray]:
    """I420 frames (as flat uint8 arrays) decoded by ffmpeg."""
    raw = ffmpeg_decode(stream, tmp_path)
    size = w * h * 3 // 2
    assert len(raw) % size == 0, f"{len(raw)} bytes is not a whole number of {w}x{h} frames"
    return [np.frombuffer(raw, np.uint8, size, k * size) for k in range(len(raw) // size)]


def nv12_frame(w: int, h: int, t: int, seed: int = 0) -> np.ndarray:
    """A (h*3//2, w) NV12 frame: a moving gradient with some texture, different per ``t``."""
    y, x = np.mgrid[0:h, 0:w]
    luma = (x * 3 + y * 2 + t * 5) % 220 + 16
    luma = luma + ((x // 8 + y // 8 + seed) % 2) * 20
    cy, cx = np.mgrid[0 : h // 2, 0:w]
    chroma = np.where(cx % 2 == 0, (cy + t) % 100 + 78, (cx // 2 + t * 3) % 100 + 78)
    return np.vstack([luma, chroma]).astype(np.uint8)


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return 100.0 if mse == 0 else 10 * np.log10(255.0**2 / mse)


def nv12_to_i420(nv12: np.ndarray, w: int, h: int) -> np.ndarray:
    nv12 = np.asarray(nv12).reshape(h * 3 // 2, w)
    uv = nv12[h:].reshape(h // 2, w // 2, 2)
    return np.concatenate([nv12[:h].ravel(), uv[..., 0].ravel(), uv[..., 1].ravel()])
