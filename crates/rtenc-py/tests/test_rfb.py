"""rtenc as a pdum.rfb backend (habemus-papadum-rfb 0.3.0, Python >= 3.12).

scripts/test.sh runs this in a Python 3.12 virtualenv with pdum.rfb installed. Without pdum.rfb
the tests skip, except under CI=true on Python >= 3.12, where they fail.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys

import numpy as np
import pytest

import rtenc
from conftest import IN_CI, decode_frames, nal_types, nv12_to_i420, psnr, require

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
from pdum.rfb.encoders.h264_cpu import h264_color_vui  # noqa: E402
from pdum.rfb.types import DISPLAY_P3, SRGB, EncodedPayload, EncoderBackend, RawFrame  # noqa: E402

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


@pytest.fixture(autouse=True)
def _restore_pdum_rfb():
    yield
    rtenc.rfb.register()  # no options
    rtenc.rfb.unregister()


def i420_planes(rgb: np.ndarray):
    """pdum.rfb's NV12 of ``rgb`` as yuv420p planes (y, u, v)."""
    nv12 = _host_rgb_to_nv12(rgb, np.empty((H * 3 // 2, W), np.uint8))
    uv = nv12[H:].reshape(H // 2, W // 2, 2)
    return nv12[:H].copy(), uv[..., 0].copy(), uv[..., 1].copy()


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
        payloads += out
        # In order, and never more than pipeline_depth frames behind (a pipelined frame that
        # finished early comes out early; unpipelined, each frame comes out of its own call).
        assert [p.seq for p in payloads] == list(range(len(payloads)))
        assert seq + 1 - len(payloads) <= pipeline_depth
        if pipeline_depth == 0:
            assert len(payloads) == seq + 1
        sources.append(_host_rgb_to_nv12(rgb, np.empty((H * 3 // 2, W), np.uint8)))
    payloads += enc.flush()
    assert enc.flush() == []
    for seq, p in enumerate(payloads):
        check_payload(p, seq, 1000 * seq, enc)
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
        enc.encode(RawFrame(0, W, H, 0, "gray8", "cpu", scene(0)))
    with pytest.raises(ValueError, match="yuv420p"):
        enc.encode(RawFrame(0, W, H, 0, "yuv420p", "cpu", scene(0)))  # RGB is not I420
    y, u, v = i420_planes(scene(0))
    with pytest.raises(ValueError, match="U plane"):
        enc.encode(RawFrame(0, W, H, 0, "yuv420p", "cpu", (y, v[:, :-2], u)))
    with pytest.raises(ValueError, match="3 planes"):
        enc.encode(RawFrame(0, W, H, 0, "yuv420p", "cpu", (y, u)))
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


def stream(enc, frames, force_first=True):
    out = []
    for seq, (fmt, data) in enumerate(frames):
        out += enc.encode(RawFrame(seq, W, H, 1000 * seq, fmt, "cpu", data),
                          force_keyframe=force_first and seq == 0)
    out += enc.flush()
    enc.close()
    return out


def test_yuv420p_planes_and_i420_buffers_encode_like_the_same_nv12(tmp_path):
    pictures = [scene(t) for t in range(6)]
    nv12 = [_host_rgb_to_nv12(p, np.empty((H * 3 // 2, W), np.uint8)) for p in pictures]
    planes = [i420_planes(p) for p in pictures]
    i420 = [np.concatenate([y.ravel(), u.ravel(), v.ravel()]).reshape(H * 3 // 2, W) for y, u, v in planes]
    # Padded planes (row stride > width) are read in place too.
    padded = []
    for y, u, v in planes:
        py = np.zeros((H, W + 32), np.uint8)
        py[:, :W] = y
        pu = np.zeros((H // 2, W // 2 + 8), np.uint8)
        pu[:, : W // 2] = u
        padded.append((py[:, :W], pu[:, : W // 2], list([v])[0]))
    reference = b"".join(p.payload for p in stream(build(), [("nv12", f) for f in nv12]))
    for depth in (0, 2):
        for frames in (planes, i420, padded, [f.ravel().tobytes() for f in i420]):
            got = stream(build(pipeline_depth=depth), [("yuv420p", f) for f in frames])
            assert b"".join(p.payload for p in got) == reference, depth
    assert len(decode_frames(reference, W, H, tmp_path)) == 6
    # The conversion alone: rtenc.yuv420p_to_nv12 equals the NV12 it came from.
    assert bytes(rtenc.yuv420p_to_nv12(planes[0])) == nv12[0].tobytes()
    out = np.empty((H * 3 // 2, W), np.uint8)
    assert rtenc.yuv420p_to_nv12(padded[1], out) is out and (out == nv12[1]).all()
    with pytest.raises(ValueError, match="overlap"):
        rtenc.yuv420p_to_nv12((out[:H], planes[0][1], planes[0][2]), out)


@pytest.mark.parametrize(
    "descriptor",
    [None, {}, SRGB.to_dict(), DISPLAY_P3.to_dict(), {"primaries": "bt2020", "transfer": "pq"},
     {"primaries": "bt2020", "transfer": "hlg"}, {"primaries": "bt709", "transfer": "linear"},
     {"primaries": "bt709", "transfer": "bt709"}, {"primaries": "unknown", "transfer": "nope"},
     {"primaries": "display-p3"}],
)
def test_color_codes_are_pdum_rfbs(descriptor):
    assert rtenc.rfb.color_vui(descriptor) == h264_color_vui(descriptor)


def ffprobe_colour(data: bytes, tmp_path) -> dict:
    require("ffprobe", shutil.which("ffprobe") is not None, "apt-get install -y ffmpeg")
    path = tmp_path / "probe.h264"
    path.write_bytes(data)
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
         "stream=color_primaries,color_transfer,color_space,color_range", "-of", "json", str(path)],
        capture_output=True, text=True, check=True,
    ).stdout
    return json.loads(out)["streams"][0]


@pytest.mark.parametrize(
    "color, expect",
    [
        # rtenc's own tags, unchanged when pdum.rfb passes no descriptor.
        (None, ("smpte170m", "smpte170m", "smpte170m", "tv")),
        # Display P3 as pdum.rfb tags it: primaries 12, transfer 13, BT.601 matrix, limited.
        (DISPLAY_P3.to_dict(), ("smpte432", "iec61966-2-1", "smpte170m", "tv")),
        (SRGB.to_dict(), ("bt709", "iec61966-2-1", "smpte170m", "tv")),
        ({"primaries": "bt2020", "transfer": "pq"}, ("bt2020", "smpte2084", "smpte170m", "tv")),
    ],
)
def test_color_is_tagged_in_the_vui_as_ffprobe_reads_it(tmp_path, color, expect):
    enc = build(color=color)
    payloads = stream(enc, [("rgb24", scene(t)) for t in range(2)])
    got = ffprobe_colour(b"".join(p.payload for p in payloads), tmp_path)
    assert (got["color_primaries"], got["color_transfer"], got["color_space"], got["color_range"]) == expect


def test_pipeline_overlaps_the_callers_work_and_keeps_order():
    big_w, big_h = 1280, 720
    rtenc.rfb.register(threads=1)
    mk = lambda **kw: build_encoder(h264_selection(), width=big_w, height=big_h, fps=30,  # noqa: E731
                                    bitrate=4_000_000, video_encoder="rtenc", **kw)
    frames = []
    for t in range(8):
        img = np.zeros((big_h, big_w, 3), np.uint8)
        img[..., 0] = (np.arange(big_w) * 3 + t * 7) % 256
        img[..., 1] = (np.arange(big_h)[:, None] * 5 + t) % 256
        img[..., 2] = np.random.default_rng(t).integers(0, 255, (big_h, big_w), dtype=np.uint8)
        frames.append(img)
    sync = mk()
    reference = []
    for seq, img in enumerate(frames):
        reference += sync.encode(RawFrame(seq, big_w, big_h, 10 * seq, "rgb24", "cpu", img))
    sync.close()

    enc = mk(pipeline_depth=2)
    got, returned_early = [], 0
    for seq, img in enumerate(frames):
        data = img.copy()
        out = enc.encode(RawFrame(seq, big_w, big_h, 10 * seq, "rgb24", "cpu", data))
        # The frame is still being encoded on the worker when encode() returns ...
        returned_early += bool(enc._inflight) and not enc._inflight[-1][2].done()
        # ... from the encoder's own copy: the caller may reuse its buffer at once.
        data[:] = 0
        assert len(enc._inflight) <= 2
        got += out
    assert len(got) + len(enc._inflight) == len(frames) and len(got) >= len(frames) - 2
    got += enc.flush()
    assert enc.flush() == []
    enc.close()
    assert returned_early >= len(frames) - 1, returned_early
    assert [(p.seq, p.timestamp_us, p.keyframe) for p in got] == [
        (p.seq, p.timestamp_us, p.keyframe) for p in reference
    ]
    assert [p.payload for p in got] == [p.payload for p in reference]


def test_pipeline_errors_surface_and_closing_waits():
    enc = build(pipeline_depth=1)
    # Frame 0 comes out of this call if it finished already, else out of the flush.
    first = enc.encode(RawFrame(0, W, H, 0, "rgb24", "cpu", scene(0)))
    with pytest.raises(ValueError):
        enc.encode(RawFrame(1, W, H, 0, "nv12", "cpu", np.zeros(10, np.uint8)))
    assert [p.seq for p in first + enc.flush()] == [0]
    enc.close()
    with pytest.raises(RuntimeError, match="closed"):
        enc.encode(RawFrame(2, W, H, 0, "rgb24", "cpu", scene(2)))


def test_register_options_reach_every_encoder_and_are_checked_at_once():
    rtenc.rfb.register(threads=1, gop=4, qp=30, low_latency=False)
    enc = build_encoder(h264_selection(), width=W, height=H, fps=30, bitrate=0, video_encoder="rtenc")
    assert enc._enc.threads == 1
    keys = [p.keyframe for p in stream(enc, [("rgb24", scene(t)) for t in range(9)])]
    assert keys == [True, False, False, False, True, False, False, False, True]
    # The default name too, since default=True.
    assert isinstance(build_encoder(h264_selection(), width=W, height=H), rtenc.rfb.RtencEncoder)
    with pytest.raises(TypeError):
        rtenc.rfb.register(no_such_option=1)
    with pytest.raises(ValueError, match="qp"):
        rtenc.rfb.register(qp=99)
    with pytest.raises(TypeError, match="per stream"):
        rtenc.rfb.register(fps=60)
    # A refused registration leaves the last good one in place.
    enc = build_encoder(h264_selection(), width=W, height=H, video_encoder="rtenc")
    assert enc._enc.threads == 1
    enc.close()


def test_register_default_and_unregister():
    from pdum.rfb import server as rfb_server
    from pdum.rfb.encoders.base import _VIDEO_ENCODERS

    original_factory = _VIDEO_ENCODERS["h264_cpu"]
    original_probe = rfb_server._h264_importable
    assert original_probe() is False  # no PyAV in this venv: pdum.rfb alone would stream JPEG
    rtenc.rfb.register(default=False)
    assert _VIDEO_ENCODERS["h264_cpu"] is original_factory and rfb_server._h264_importable() is False
    rtenc.rfb.register()
    assert rfb_server._h264_importable() is True
    enc = build_encoder(h264_selection(), width=W, height=H)
    assert isinstance(enc, rtenc.rfb.RtencEncoder)
    enc.close()
    rtenc.rfb.register()  # twice: unregister still restores pdum.rfb's own
    rtenc.rfb.unregister()
    assert _VIDEO_ENCODERS["h264_cpu"] is original_factory
    assert rfb_server._h264_importable is original_probe
    assert "rtenc" in available_video_encoders()
