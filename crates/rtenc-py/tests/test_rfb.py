"""rtenc as a pdum.rfb backend (habemus-papadum-rfb 0.3.0, Python >= 3.12).

scripts/test.sh runs this in a Python 3.12 virtualenv with pdum.rfb installed. Without pdum.rfb
the tests skip, except under CI=true on Python >= 3.12, where they fail.
"""

from __future__ import annotations

import importlib.util
import sys

import numpy as np
import pytest

import rtenc
from conftest import IN_CI, decode_frames, nal_types, nv12_to_i420, psnr

HAVE_RFB = importlib.util.find_spec("pdum") is not None and importlib.util.find_spec("pdum.rfb") is not None

if not HAVE_RFB:
    if IN_CI and sys.version_info >= (3, 12):
        pytest.fail(
            "pdum.rfb is required in CI on Python >= 3.12 (pip install habemus-papadum-rfb==0.3.0)",
            pytrace=False,
        )
    pytest.skip(
        "pdum.rfb not installed (habemus-papadum-rfb needs Python >= 3.12)", allow_module_level=True
    )

import rtenc.rfb  # noqa: E402
from pdum.rfb.encoders import available_video_encoders, build_encoder  # noqa: E402
from pdum.rfb.encoders.vtenc import _host_rgb_to_nv12  # noqa: E402
from pdum.rfb.protocol import BackendSelection, select_transport  # noqa: E402
from pdum.rfb.types import EncodedPayload, EncoderBackend, RawFrame  # noqa: E402

W, H = 128, 96


def scene(t: int, channels: int = 3) -> np.ndarray:
    y, x = np.mgrid[0:H, 0:W]
    img = np.empty((H, W, channels), np.uint8)
    img[..., 0] = (x * 2 + t * 3) % 256
    img[..., 1] = (y * 2 + t) % 256
    img[..., 2] = ((x // 16 + y // 16 + t) % 2) * 200 + 20
    if channels == 4:
        img[..., 3] = 255
    return img


def h264_selection() -> BackendSelection:
    # What a WebCodecs client negotiates.
    return select_transport(["webcodecs/h264-annexb"], has_h264=True)


def build(**kw):
    rtenc.rfb.register()
    return build_encoder(h264_selection(), width=W, height=H, fps=30, bitrate=2_000_000,
                         video_encoder="rtenc", **kw)


def check_payload(p, seq, ts, enc):
    assert isinstance(p, EncodedPayload)
    assert (p.seq, p.timestamp_us, p.kind) == (seq, ts, "video")
    assert (p.width, p.height) == (W, H)
    assert isinstance(p.payload, bytes) and p.payload[:4] == b"\x00\x00\x00\x01"
    assert p.codec == enc.codec_string and p.codec.startswith("avc1.42")
    assert p.keyframe == (5 in nal_types(p.payload))
    assert p.duration_us == 1_000_000 // 30
    assert p.metadata == {"bitstream": "annexb", "encoder": "rtenc"}


def test_register_makes_rtenc_buildable():
    enc = build()
    assert "rtenc" in available_video_encoders()
    assert isinstance(enc, rtenc.rfb.RtencEncoder)
    assert isinstance(enc, EncoderBackend)
    assert enc.encoder_label == "rtenc"
    # The codec string is the one of the emitted SPS, not the transport's default.
    assert enc.codec_string == rtenc.VtEncoder(W, H, fps=30, bitrate=2_000_000).codec_string
    enc.close()


@pytest.mark.parametrize("pipeline_depth", [0, 2])
def test_rgb24_rgba8_and_nv12_frames_make_a_stream_ffmpeg_decodes(tmp_path, pipeline_depth):
    enc = build(pipeline_depth=pipeline_depth)
    payloads, sources = [], []
    for seq in range(12):
        rgb = scene(seq)
        kind = ("rgb24", "rgba8", "nv12")[seq % 3]
        if kind == "rgb24":
            data = rgb
        elif kind == "rgba8":
            data = scene(seq, 4)
        else:
            data = _host_rgb_to_nv12(rgb, np.empty((H * 3 // 2, W), np.uint8))
        frame = RawFrame(seq, W, H, 1000 * seq, kind, "cpu", data)
        out = enc.encode(frame, force_keyframe=(seq == 0))
        assert len(out) == 1
        check_payload(out[0], seq, 1000 * seq, enc)
        payloads += out
        sources.append(_host_rgb_to_nv12(rgb, np.empty((H * 3 // 2, W), np.uint8)))
    payloads += enc.flush()
    assert enc.flush() == []
    assert payloads[0].keyframe
    enc.close()
    decoded = decode_frames(b"".join(p.payload for p in payloads), W, H, tmp_path)
    assert len(decoded) == 12
    for src, dec in zip(sources, decoded):
        # pdum.rfb's own conversion of the same picture (top-left chroma, so only luma compares
        # tightly); the encode is lossy.
        assert psnr(nv12_to_i420(src, W, H)[: W * H], dec[: W * H]) > 30


def test_encode_still_returns_a_keyframe(tmp_path):
    enc = build()
    for seq in range(3):
        enc.encode(RawFrame(seq, W, H, seq, "rgb24", "cpu", scene(seq)))
    [still] = enc.encode_still(RawFrame(3, W, H, 3, "rgb24", "cpu", scene(3)))
    check_payload(still, 3, 3, enc)
    assert still.keyframe
    assert nal_types(still.payload)[:3] == [7, 8, 5]
    # Decodable on its own.
    assert len(decode_frames(still.payload, W, H, tmp_path)) == 1
    enc.close()


def test_bad_frames_are_refused():
    enc = build()
    with pytest.raises(TypeError, match="yuv420p"):
        enc.encode(RawFrame(0, W, H, 0, "yuv420p", "cpu", scene(0)))
    with pytest.raises(TypeError, match="CPU"):
        enc.encode(RawFrame(0, W, H, 0, "rgb24", "cuda", scene(0)))
    with pytest.raises(ValueError, match="encoder was built for"):
        enc.encode(RawFrame(0, W + 2, H, 0, "rgb24", "cpu", scene(0)))
    enc.close()
    with pytest.raises(RuntimeError, match="encoder is closed"):
        enc.encode(RawFrame(0, W, H, 0, "rgb24", "cpu", scene(0)))
    with pytest.raises(ValueError, match="even"):
        build_encoder(h264_selection(), width=W + 1, height=H, video_encoder="rtenc")


def test_factory_accepts_every_build_encoder_keyword():
    rtenc.rfb.register()
    from pdum.rfb.encoders.base import _VIDEO_ENCODERS

    factory = _VIDEO_ENCODERS["rtenc"]
    enc = factory(width=W, height=H, fps=0, bitrate=0, codec_string="avc1.42E01F",
                  pipeline_depth=1, color={"primaries": "bt709"})
    assert enc.fps == 30 and enc.pipeline_depth == 1
    enc.close()
