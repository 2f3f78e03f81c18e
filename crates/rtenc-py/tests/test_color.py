"""rgb_to_nv12: pdum.rfb's BT.601 coefficients, chroma sitings, orders, out reuse."""

from __future__ import annotations

import threading

import numpy as np
import pytest

import rtenc

H, W = 36, 50


def float_reference(rgb: np.ndarray, chroma: str) -> np.ndarray:
    """The issue's formula in float64, as an (H*3//2, W) NV12 array (rounded)."""
    h, w = rgb.shape[:2]
    r, g, b = (rgb[..., i].astype(np.float64) for i in range(3))
    y = 0.257 * r + 0.504 * g + 0.098 * b + 16
    if chroma == "average":
        def pool(p):
            return p.reshape(h // 2, 2, w // 2, 2).mean(axis=(1, 3))
        r, g, b = pool(r), pool(g), pool(b)
    else:
        r, g, b = r[::2, ::2], g[::2, ::2], b[::2, ::2]
    u = -0.148 * r - 0.291 * g + 0.439 * b + 128
    v = 0.439 * r - 0.368 * g - 0.071 * b + 128
    uv = np.stack([u, v], axis=-1).reshape(h // 2, w)
    return np.clip(np.round(np.vstack([y, uv])), 0, 255)


def pdum_rfb_kernel(rgb: np.ndarray) -> np.ndarray:
    """pdum.rfb 0.3.0's _host_rgb_to_nv12 (encoders/vtenc.py), verbatim in effect: float32,
    truncating casts, top-left chroma."""
    h, w = rgb.shape[:2]
    out = np.empty((h + h // 2, w), np.uint8)
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


def random_rgb(seed=0, channels=3, h=H, w=W):
    return np.random.default_rng(seed).integers(0, 256, (h, w, channels), dtype=np.uint8)


@pytest.mark.parametrize("chroma", ["average", "topleft"])
def test_matches_the_formula_within_one(chroma):
    rgb = random_rgb()
    got = np.asarray(rtenc.rgb_to_nv12(rgb, chroma=chroma)).astype(int)
    assert got.shape == (H * 3 // 2, W)
    assert np.abs(got - float_reference(rgb, chroma)).max() <= 1


def test_topleft_matches_pdum_rfb_within_one():
    for seed in range(3):
        rgb = random_rgb(seed)
        got = np.asarray(rtenc.rgb_to_nv12(rgb, chroma="topleft")).astype(int)
        assert np.abs(got - pdum_rfb_kernel(rgb).astype(int)).max() <= 1


def test_average_differs_from_topleft_on_detail():
    rgb = random_rgb()
    avg = np.asarray(rtenc.rgb_to_nv12(rgb, chroma="average"))
    tl = np.asarray(rtenc.rgb_to_nv12(rgb, chroma="topleft"))
    assert (avg[:H] == tl[:H]).all()  # luma is the same
    assert (avg[H:] != tl[H:]).mean() > 0.5


def test_orders_and_alpha():
    rgb = random_rgb(1)
    expected = np.asarray(rtenc.rgb_to_nv12(rgb))
    alpha = np.random.default_rng(9).integers(0, 256, (H, W, 1), dtype=np.uint8)
    rgba = np.concatenate([rgb, alpha], axis=2)
    bgr = np.ascontiguousarray(rgb[..., ::-1])
    bgra = np.concatenate([bgr, alpha], axis=2)
    assert (np.asarray(rtenc.rgb_to_nv12(rgba)) == expected).all()
    assert (np.asarray(rtenc.rgb_to_nv12(rgba, order="rgba")) == expected).all()
    assert (np.asarray(rtenc.rgb_to_nv12(bgr, order="bgr")) == expected).all()
    assert (np.asarray(rtenc.rgb_to_nv12(bgra, order="bgra")) == expected).all()
    assert (np.asarray(rtenc.rgb_to_nv12(bgra, order="bgr")) == expected).all()
    assert not (np.asarray(rtenc.rgb_to_nv12(bgr)) == expected).all()


def test_padded_rows_and_views_are_read_in_place():
    rgb = random_rgb(2)
    expected = np.asarray(rtenc.rgb_to_nv12(rgb))
    big = np.zeros((H + 4, W + 10, 3), np.uint8)
    big[2 : 2 + H, 3 : 3 + W] = rgb
    assert (np.asarray(rtenc.rgb_to_nv12(big[2 : 2 + H, 3 : 3 + W])) == expected).all()
    # A bytes-backed read-only buffer works too.
    ro = np.frombuffer(rgb.tobytes(), np.uint8).reshape(H, W, 3)
    assert (np.asarray(rtenc.rgb_to_nv12(ro)) == expected).all()


def test_out_is_reused_and_returned():
    rgb_a, rgb_b = random_rgb(3), random_rgb(4)
    for out in (np.zeros((H * 3 // 2, W), np.uint8), bytearray(W * H * 3 // 2),
                memoryview(bytearray(W * H * 3 // 2)), np.zeros(W * H * 3 // 2, np.uint8)):
        ret = rtenc.rgb_to_nv12(rgb_a, out)
        assert ret is out
        flat = np.frombuffer(out, np.uint8) if not isinstance(out, np.ndarray) else out.ravel()
        assert (flat == np.asarray(rtenc.rgb_to_nv12(rgb_a)).ravel()).all()
        rtenc.rgb_to_nv12(rgb_b, out)  # overwritten in place
        assert (flat == np.asarray(rtenc.rgb_to_nv12(rgb_b)).ravel()).all()


def test_output_feeds_the_encoder_directly():
    rgb = random_rgb(5, h=48, w=64)
    enc = rtenc.VtEncoder(64, 48)
    assert enc.encode(rtenc.rgb_to_nv12(rgb))[:4] == b"\x00\x00\x00\x01"


def test_runs_in_parallel_threads_correctly():
    frames = [random_rgb(s, h=360, w=640) for s in range(4)]
    expected = [np.asarray(rtenc.rgb_to_nv12(f)).copy() for f in frames]
    outs = [np.zeros((540, 640), np.uint8) for _ in frames]
    threads = [threading.Thread(target=lambda i=i: [rtenc.rgb_to_nv12(frames[i], outs[i]) for _ in range(5)])
               for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for got, exp in zip(outs, expected):
        assert (got == exp).all()


@pytest.mark.parametrize("h,w", [(722, 1280), (1080, 1920)])
def test_large_pictures_converted_in_bands_match(h, w):
    # Above 512x512 pixels the conversion is split into bands of rows on several threads; 722
    # rows do not split evenly.
    rgb = random_rgb(7, h=h, w=w)
    for chroma in ("average", "topleft"):
        got = np.asarray(rtenc.rgb_to_nv12(rgb, chroma=chroma)).astype(int)
        assert np.abs(got - float_reference(rgb, chroma)).max() <= 1
    got = np.asarray(rtenc.rgb_to_nv12(rgb, chroma="topleft")).astype(int)
    assert np.abs(got - pdum_rfb_kernel(rgb).astype(int)).max() <= 1
    # Identical to converting the picture in small pieces (each below the threshold).
    whole = np.asarray(rtenc.rgb_to_nv12(rgb))
    for top in range(0, h, 38):
        piece = np.asarray(rtenc.rgb_to_nv12(rgb[top : top + 38]))
        rows = piece.shape[0] * 2 // 3
        assert (piece[:rows] == whole[top : top + rows]).all()
        assert (piece[rows:] == whole[h + top // 2 : h + top // 2 + rows // 2]).all()
