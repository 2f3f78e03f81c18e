"""The VtEncoder API: stream structure, the seed's behaviours, configuration, lifecycle."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
import threading

import numpy as np
import pytest

import rtenc
from conftest import (
    decode_frames,
    is_idr_au,
    is_p_au,
    nal_types,
    nv12_frame,
    nv12_to_i420,
    psnr,
    sps_codec_string,
)

W, H = 96, 64


def encode_all(enc, frames, **kw):
    return [enc.encode(f, **kw) for f in frames]


def test_module_surface():
    assert rtenc.VtEncoder is rtenc.Encoder
    assert rtenc.supported() is True
    assert isinstance(rtenc.__version__, str)
    assert rtenc.Encoder.__doc__ and "NV12" in rtenc.Encoder.__doc__
    assert rtenc.Encoder.encode.__doc__ and rtenc.rgb_to_nv12.__doc__


def test_info_reports_the_kernels_in_use():
    import os
    import platform
    import subprocess
    import sys

    i = rtenc.info()
    assert i["version"] == rtenc.__version__
    assert i["kernels"] in i["kernel_sets"] and i["kernel_sets"][0] == "scalar"
    assert i["kernels"] in ("avx2", "sse2", "neon", "scalar")
    machine = platform.machine().lower()
    if machine in ("x86_64", "amd64"):
        assert i["arch"] == "x86_64" and "sse2" in i["cpu_features"]
    elif machine in ("aarch64", "arm64"):
        assert i["arch"] == "aarch64" and "neon" in i["cpu_features"]
    if "RTENC_CPU" not in os.environ:
        assert i["kernels"] == i["kernel_sets"][-1]
    # RTENC_CPU=scalar forces the portable kernels (read once per process: a fresh one).
    env = dict(os.environ, RTENC_CPU="scalar")
    out = subprocess.run(
        [sys.executable, "-c", "import rtenc; print(rtenc.info()['kernels'])"],
        env=env, capture_output=True, text=True, check=True,
    )
    assert out.stdout.strip() == "scalar"


def test_first_access_unit_holds_sps_pps_idr_and_deltas_are_p_slices(tmp_path):
    enc = rtenc.VtEncoder(W, H, fps=30, gop=0, bitrate=0)
    frames = [nv12_frame(W, H, t) for t in range(8)]
    aus = encode_all(enc, frames)
    assert aus[0][:4] == b"\x00\x00\x00\x01"
    assert nal_types(aus[0])[:3] == [7, 8, 5] and is_idr_au(aus[0])
    for au in aus[1:]:
        types = nal_types(au)
        assert 1 in types, types
        assert not {5, 7, 8} & set(types), types
    decoded = decode_frames(b"".join(aus), W, H, tmp_path)
    assert len(decoded) == len(frames)
    for src, dec in zip(frames, decoded):
        assert psnr(nv12_to_i420(src, W, H), dec) > 35


def test_mid_stream_force_idr_gives_sps_pps_idr(tmp_path):
    enc = rtenc.VtEncoder(W, H, gop=0, bitrate=0)
    frames = [nv12_frame(W, H, t) for t in range(6)]
    aus = [enc.encode(f, force_idr=(i == 3)) for i, f in enumerate(frames)]
    assert [is_idr_au(au) for au in aus] == [True, False, False, True, False, False]
    assert [is_p_au(au) for au in aus] == [False, True, True, False, True, True]
    # The forced IDR starts a stream of its own.
    assert len(decode_frames(b"".join(aus[3:]), W, H, tmp_path)) == 3


def test_codec_string_is_valid_from_construction_and_matches_the_sps():
    for (w, h, fps, bitrate) in [(W, H, 30, 0), (1280, 720, 30, 4_000_000), (1920, 1080, 60, 12_000_000)]:
        enc = rtenc.VtEncoder(w, h, fps=fps, bitrate=bitrate)
        before = enc.codec_string
        assert before.startswith("avc1.42"), before
        au = enc.encode(np.zeros((h * 3 // 2, w), np.uint8))
        assert sps_codec_string(au) == before == enc.codec_string


def test_solid_colours_from_rgb_to_nv12_decode_back(tmp_path):
    w, h = 64, 48
    for rgb in [(255, 0, 0), (0, 255, 0), (0, 0, 255), (128, 128, 128), (200, 120, 40), (20, 60, 220)]:
        img = np.empty((h, w, 3), np.uint8)
        img[:] = rgb
        enc = rtenc.VtEncoder(w, h, bitrate=0, qp=20)
        au = enc.encode(rtenc.rgb_to_nv12(img))
        out = tmp_path / f"{rgb}"
        out.mkdir()
        from conftest import ffmpeg_decode

        dec = np.frombuffer(ffmpeg_decode(au, out, pix_fmt="rgb24"), np.uint8).reshape(h, w, 3)
        err = np.abs(dec.astype(int) - np.array(rgb)).max()
        assert err <= 6, f"{rgb} decoded as {dec[h // 2, w // 2]} (max error {err})"


def test_submit_returns_its_own_frame_in_order(tmp_path):
    enc = rtenc.VtEncoder(W, H, gop=4, bitrate=0)
    ref = rtenc.VtEncoder(W, H, gop=4, bitrate=0)
    seqs, stream = [], []
    for i, seq in enumerate(range(100, 110)):
        frame = nv12_frame(W, H, i)
        out = enc.submit(frame, seq, force_idr=(i == 6))
        assert isinstance(out, list) and len(out) == 1
        s, au, key = out[0]
        assert isinstance(s, int) and isinstance(au, bytes) and isinstance(key, bool)
        assert key == (5 in nal_types(au))
        assert au == ref.encode(frame, force_idr=(i == 6))
        seqs.append(s)
        stream.append(au)
    assert seqs == list(range(100, 110))
    assert enc.flush_pipeline() == []
    assert len(decode_frames(b"".join(stream), W, H, tmp_path)) == 10


def test_flush_close_and_context_manager():
    with rtenc.Encoder(W, H) as enc:
        assert enc.encode(nv12_frame(W, H, 0))
        assert enc.flush() == b""
        assert enc.flush_pipeline() == []
        assert not enc.closed
    assert enc.closed
    for call in (lambda: enc.encode(nv12_frame(W, H, 1)), lambda: enc.submit(nv12_frame(W, H, 1), 1)):
        with pytest.raises(RuntimeError, match="^encoder is closed$"):
            call()
    assert enc.flush() == b""
    assert enc.flush_pipeline() == []
    enc.close()  # twice is fine
    # Properties stay readable after close.
    assert (enc.width, enc.height) == (W, H) and enc.codec_string.startswith("avc1.42")
    # The context manager closes on an exception too, and does not swallow it.
    with pytest.raises(KeyError):
        with rtenc.Encoder(W, H) as enc2:
            raise KeyError("boom")
    assert enc2.closed


def test_properties():
    enc = rtenc.VtEncoder(W, H, fps=25)
    assert (enc.width, enc.height, enc.fps) == (W, H, 25)
    assert enc.last_encode_ms == 0.0 and enc.last_copy_ms == 0.0
    enc.encode(nv12_frame(W, H, 0))
    assert enc.last_encode_ms > 0.0
    assert enc.last_copy_ms == 0.0  # read in place
    for name in ("width", "height", "codec_string", "last_encode_ms", "last_copy_ms"):
        with pytest.raises(AttributeError):
            setattr(enc, name, 1)


def test_deleting_open_encoders_is_safe():
    # Unclosed, mid-stream, dropped in another thread, and alive at interpreter exit.
    enc = rtenc.VtEncoder(W, H)
    enc.encode(nv12_frame(W, H, 0))
    del enc
    gc.collect()
    holder = [rtenc.VtEncoder(W, H)]
    t = threading.Thread(target=holder.clear)
    t.start()
    t.join()
    code = (
        "import rtenc\n"
        f"e = rtenc.VtEncoder({W}, {H})\n"
        f"e.encode(bytes({W * H * 3 // 2}))\n"
        "f = rtenc.Encoder(64, 64); f.close()\n"
        "print('ok')\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stderr


def stream_of(frames, *args, **kw):
    enc = rtenc.Encoder(W, H, *args, **kw)
    return [enc.encode(f) for f in frames]


def test_config_mapping():
    frames = [nv12_frame(W, H, t) for t in range(12)]
    # bitrate <= 0: constant quality at rtenc's default QP 26 (unless qp is given).
    assert stream_of(frames, bitrate=0) == stream_of(frames, bitrate=0, qp=26)
    assert stream_of(frames, bitrate=-5) == stream_of(frames, bitrate=0)
    assert stream_of(frames, bitrate=0) != stream_of(frames, bitrate=0, qp=40)
    # fps <= 0: 30.
    assert rtenc.Encoder(W, H, fps=0).fps == 30 and rtenc.Encoder(W, H, fps=-1).fps == 30
    assert stream_of(frames, fps=0, bitrate=500_000) == stream_of(frames, fps=30, bitrate=500_000)
    # gop <= 0: keyframes only on demand; gop=N: an IDR every N frames.
    keys = lambda aus: [i for i, au in enumerate(aus) if 5 in nal_types(au)]
    assert keys(stream_of(frames, gop=0)) == [0]
    assert keys(stream_of(frames, gop=-3)) == [0]
    assert keys(stream_of(frames, gop=5, low_latency=False)) == [0, 5, 10]
    assert keys(stream_of(frames, gop=5, intra_refresh=False)) == [0, 5, 10]
    # low_latency: a VBV of LOW_LATENCY_VBV_FRAMES frames' worth (otherwise one second) and,
    # with a bitrate, gop > 0 and no vbv, intra refresh: one IDR, then a recovery point SEI
    # (NAL type 6) opening each sweep of gop frames.
    assert keys(stream_of(frames, gop=5)) == [0]
    sei = lambda aus: [i for i, au in enumerate(aus) if 6 in nal_types(au)]
    assert sei(stream_of(frames, gop=5)) == [1, 6, 11]
    assert sei(stream_of(frames, gop=5, bitrate=0, intra_refresh=True)) == [1, 6, 11]
    assert keys(stream_of(frames, gop=5, bitrate=0)) == [0, 5, 10]
    assert keys(stream_of(frames, gop=5, vbv=1_000_000)) == [0, 5, 10]
    assert keys(stream_of(frames, gop=0)) == [0] and sei(stream_of(frames, gop=0)) == []
    with pytest.raises(ValueError, match="intra_refresh"):
        rtenc.Encoder(W, H, gop=0, intra_refresh=True)
    br, fps = 400_000, 30
    tight = int(np.ceil(br * rtenc.LOW_LATENCY_VBV_FRAMES / fps))
    ll = stream_of(frames, fps=fps, bitrate=br)
    assert ll == stream_of(
        frames, fps=fps, bitrate=br, low_latency=False, vbv=tight, intra_refresh=True
    )
    assert stream_of(frames, fps=fps, bitrate=br, low_latency=False) == stream_of(
        frames, fps=fps, bitrate=br, vbv=br
    )
    # realtime=False: the medium preset (partitions); a valid stream of its own.
    quality = stream_of(frames, realtime=False, threads=1)
    assert quality != stream_of(frames, realtime=True, threads=1)
    assert [is_idr_au(au) for au in quality] == [True] + [False] * 11
    # preset= names a point on the ladder; it overrides realtime.
    assert quality == stream_of(frames, preset="medium", threads=1)
    assert stream_of(frames, threads=1) == stream_of(frames, preset="VeryFast", threads=1)
    ultra = stream_of(frames, preset="ultrafast", realtime=False, threads=1)
    assert ultra != stream_of(frames, threads=1)
    assert [is_idr_au(au) for au in ultra] == [True] + [False] * 11
    # Positional parameters in pdum.vtenc's order.
    enc = rtenc.VtEncoder(W, H, "h264", 60, 0, 0, True, False)
    assert enc.fps == 60


def test_rate_control_honours_the_bitrate():
    w, h, fps, br = 160, 96, 30, 2_000_000
    rng = np.random.default_rng(1)
    # Fresh noise every frame: nothing to predict, so only the rate control limits the size.
    frames = [rng.integers(0, 256, (h * 3 // 2, w), dtype=np.uint8) for _ in range(60)]
    for low_latency in (True, False):
        enc = rtenc.VtEncoder(w, h, fps=fps, gop=30, bitrate=br, low_latency=low_latency)
        total = sum(len(enc.encode(f)) for f in frames) * 8
        achieved = total / (len(frames) / fps)
        assert 0.8 * br < achieved < 1.2 * br, (low_latency, achieved)


def test_threads_code_one_slice_each(tmp_path):
    frames = [nv12_frame(W, H, t) for t in range(5)]  # 96x64: 4 macroblock rows
    for threads, slices in [(1, 1), (2, 2), (3, 3), (8, 4), (0, min(os.cpu_count() or 1, 4))]:
        enc = rtenc.Encoder(W, H, gop=0, bitrate=0, threads=threads)
        assert enc.threads == slices
        aus = [enc.encode(f) for f in frames]
        assert nal_types(aus[0]) == [7, 8] + [5] * slices
        assert all(nal_types(au) == [1] * slices for au in aus[1:])
        out = tmp_path / str(threads)
        out.mkdir()
        decoded = decode_frames(b"".join(aus), W, H, out)
        assert len(decoded) == len(frames)
        for src, dec in zip(frames, decoded):
            assert psnr(nv12_to_i420(src, W, H), dec) > 35


def moving_box(t: int) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """A flat frame with a 16x16 box at a position depending on t, and the box's rectangle."""
    f = np.full((H * 3 // 2, W), 128, np.uint8)
    x, y = 8 + 4 * t, 8 + 2 * t
    f[y : y + 16, x : x + 16] = 230
    return f, (x, y, 16, 16)


def test_damage_hints(tmp_path):
    frames = [moving_box(t) for t in range(6)]
    plain = rtenc.Encoder(W, H, bitrate=0, threads=1)
    hinted = rtenc.Encoder(W, H, bitrate=0, threads=1)
    expected = [plain.encode(f) for f, _ in frames]
    got = [hinted.encode(frames[0][0])]
    for t in range(1, len(frames)):
        # True hints (the box's old and new places) change nothing in the stream.
        got.append(hinted.encode(frames[t][0], damage=[frames[t - 1][1], frames[t][1]]))
    assert got == expected
    # submit takes it too; [] promises that nothing changed.
    [(_, same, key)] = hinted.submit(frames[-1][0], 9, damage=[])
    assert not key and same == plain.encode(frames[-1][0])
    # A wrong hint is believed: the change outside it is not coded (the stale picture
    # stays), until a keyframe, which ignores the hint.
    changed = frames[0][0]
    stale = hinted.encode(changed, damage=[(W - 16, H - 16, 16, 16)])  # away from both boxes
    fresh = hinted.encode(changed, force_idr=True, damage=[])
    decoded = decode_frames(b"".join(got + [same, stale, fresh]), W, H, tmp_path)
    last_box = nv12_to_i420(frames[-1][0], W, H)
    assert psnr(decoded[-2], last_box) > 40
    assert psnr(decoded[-2], nv12_to_i420(changed, W, H)) < 30
    assert psnr(decoded[-1], nv12_to_i420(changed, W, H)) > 40


def test_yuv420p_planes_encode_like_the_same_nv12():
    w, h = 96, 64
    frames = [nv12_frame(w, h, t) for t in range(4)]

    def planes(nv12):
        uv = nv12[h:].reshape(h // 2, w // 2, 2)
        return nv12[:h], uv[..., 0].copy(), uv[..., 1].copy()

    with rtenc.VtEncoder(w, h, gop=0, bitrate=0) as a, rtenc.VtEncoder(w, h, gop=0, bitrate=0) as b:
        for f in frames:
            y, u, v = planes(f)
            assert a.encode(f) == b.encode((y, u, v))
        y, u, v = planes(frames[0])
        with pytest.raises(ValueError, match="V plane"):
            b.encode([y, u, v[:-1]])
        with pytest.raises(ValueError, match="Y plane"):
            b.encode((y[:, :-2], u, v))
        with pytest.raises(TypeError):
            b.encode((y, u, 7))


def test_colour_tags_are_checked():
    assert rtenc.Encoder(64, 48, primaries=12, transfer=13).codec_string.startswith("avc1.42")
    for kw in ({"primaries": 0}, {"primaries": 3}, {"transfer": 19}, {"primaries": 300}, {"transfer": -1}):
        with pytest.raises(ValueError, match="primaries|transfer"):
            rtenc.Encoder(64, 48, **kw)
