"""pdum.rfb end to end with rtenc: pdum.rfb's own server, chosen through rtenc's public path
(``rtenc.rfb.serve`` / ``rtenc.rfb.register``), WebSocket viewers speaking pdum.rfb's protocol,
and pdum.rfb's own browser client (the widget JavaScript shipped in its wheel) decoding in
headless Chromium.

Runs in the Python 3.12 venv scripts/python-tests.sh builds with habemus-papadum-rfb==0.3.0 and
without PyAV. Without pdum.rfb, Chromium or ffmpeg the tests skip, except under CI=true.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import http.server
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import numpy as np
import pytest

from conftest import IN_CI, decode_frames, nal_types, require, sps_codec_string

HAVE_RFB = importlib.util.find_spec("pdum") is not None and importlib.util.find_spec("pdum.rfb") is not None
if not HAVE_RFB:
    if IN_CI and sys.version_info >= (3, 12):
        pytest.fail("pdum.rfb is required in CI on Python >= 3.12", pytrace=False)
    pytest.skip("pdum.rfb not installed (needs Python >= 3.12)", allow_module_level=True)

import websockets  # noqa: E402  (a pdum.rfb dependency)
from websockets.sync.client import connect as sync_connect  # noqa: E402

import pdum.rfb  # noqa: E402
import rtenc  # noqa: E402
import rtenc.rfb  # noqa: E402
from pdum.rfb.protocol import unpack_binary_message  # noqa: E402

W, H = 640, 360
#: Solid patches (RGB) in the four quadrants; a small square moves in the middle band.
PATCHES = {
    (0, 0): (200, 30, 40),
    (0, 1): (40, 180, 60),
    (1, 0): (30, 60, 200),
    (1, 1): (128, 128, 128),
}
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def picture(t: int) -> np.ndarray:
    img = np.empty((H, W, 3), np.uint8)
    for (r, c), rgb in PATCHES.items():
        img[r * H // 2 : (r + 1) * H // 2, c * W // 2 : (c + 1) * W // 2] = rgb
    x = (t * 8) % (W - 32)
    img[H // 2 - 16 : H // 2 + 16, x : x + 32] = (255, 255, 0)
    return img


@pytest.fixture(autouse=True)
def _restore_pdum_rfb():
    yield
    rtenc.rfb.unregister()


def test_no_pyav_here():
    # The point of rtenc.rfb: H.264 without PyAV. This venv must not have it.
    assert importlib.util.find_spec("av") is None


# --- a viewer speaking pdum.rfb's protocol ----------------------------------------------------


class Viewer:
    """A WebSocket client as pdum.rfb's browser client behaves: hello with its capabilities,
    then one ack per frame; collects every (header, payload)."""

    def __init__(self, url: str, supported=("webcodecs/h264-annexb", "image/jpeg")):
        self.url = url
        self.supported = list(supported)
        self.config: dict | None = None
        self.frames: list[tuple[dict, bytes]] = []
        self.arrived = asyncio.Event()

    async def run(self) -> None:
        async with websockets.connect(self.url, max_size=None) as ws:
            self.ws = ws
            await ws.send(json.dumps({"type": "hello", "supported": self.supported, "device_pixel_ratio": 1}))
            async for msg in ws:
                if isinstance(msg, str):
                    data = json.loads(msg)
                    if data.get("type") == "config":
                        self.config = data
                    continue
                header, payload = unpack_binary_message(msg)
                self.frames.append((header, payload))
                self.arrived.set()
                await ws.send(json.dumps({"type": "ack", "seq": header["seq"], "decode_queue_size": 0, "displayed": True}))

    async def request_keyframe(self) -> int:
        """Asks for a keyframe; returns how many frames had arrived then."""
        n = len(self.frames)
        await self.ws.send(json.dumps({"type": "request_keyframe", "reason": "test"}))
        return n

    async def wait_frames(self, n: int, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while len(self.frames) < n:
            assert time.monotonic() < deadline, f"{self.url}: {len(self.frames)} of {n} frames after {timeout} s"
            self.arrived.clear()
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self.arrived.wait(), 0.5)


async def publish_loop(display, stop: asyncio.Event, fps: float = 30.0) -> None:
    t = 0
    while not stop.is_set():
        display.publish(picture(t))  # a fresh buffer each call (pdum.rfb borrows it)
        t += 1
        await asyncio.sleep(1 / fps)


@contextlib.asynccontextmanager
async def running(display):
    stop = asyncio.Event()
    task = asyncio.create_task(publish_loop(display, stop))
    try:
        yield
    finally:
        stop.set()
        await task
        await display.aclose()


def check_h264_stream(frames, tmp_path, expect_codec: str) -> None:
    """Every message is an H.264 chunk whose codec is the SPS's; the stream decodes."""
    assert frames, "no frames"
    for header, payload in frames:
        assert header["type"] == "video_chunk", header
        assert header["codec"] == expect_codec, header
        assert header["bitstream"] == "annexb"
        assert header["keyframe"] == (5 in nal_types(payload)), header
        if header["keyframe"]:
            assert sps_codec_string(payload) == header["codec"], "the browser is told what the SPS says"
    assert frames[0][0]["keyframe"], "a viewer starts at a keyframe"
    tmp_path.mkdir(parents=True, exist_ok=True)
    decoded = decode_frames(b"".join(p for _, p in frames), W, H, tmp_path)
    assert len(decoded) == len(frames)


def test_rtenc_serve_streams_h264_keyframes_on_request_and_to_a_second_viewer(tmp_path):
    expect_codec = rtenc.VtEncoder(W, H, fps=30, bitrate=2_000_000).codec_string

    async def scenario():
        # gop 0: IDRs only on demand, so every keyframe after the first was asked for.
        display = await rtenc.rfb.serve(W, H, port=0, fps=30, bitrate=2_000_000,
                                        encoder_options={"gop": 0, "threads": 1})
        assert isinstance(display, pdum.rfb.Display)
        async with running(display):
            url = display.ws_url
            first = Viewer(url)
            t1 = asyncio.create_task(first.run())
            await first.wait_frames(20)
            assert first.config["transport"] == "webcodecs", first.config
            keys_before = [i for i, (h, _) in enumerate(first.frames) if h["keyframe"]]
            # Only the first frame was an IDR (no drops, no periodic IDRs) ...
            assert keys_before == [0], keys_before
            # ... until a keyframe is asked for: one of the next frames is an IDR.
            n = await first.request_keyframe()
            await first.wait_frames(n + 15)
            keys_after = [i for i, (h, _) in enumerate(first.frames) if h["keyframe"] and i >= n]
            assert keys_after and keys_after[0] <= n + 5, (n, keys_after)
            # A second viewer joins: it starts with a keyframe, the first keeps going.
            second = Viewer(url)
            t2 = asyncio.create_task(second.run())
            m = len(first.frames)
            await second.wait_frames(15)
            await first.wait_frames(m + 15)
            for t in (t1, t2):
                t.cancel()
            await asyncio.gather(t1, t2, return_exceptions=True)
        return first, second

    first, second = asyncio.run(scenario())
    check_h264_stream(first.frames, tmp_path / "a", expect_codec)
    check_h264_stream(second.frames, tmp_path / "b", expect_codec)
    seqs = [h["seq"] for h, _ in first.frames]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)


@pytest.mark.parametrize("registered", [True, False])
def test_register_makes_pdum_rfbs_own_serve_stream_h264_without_pyav(tmp_path, registered):
    """``rtenc.rfb.register()`` then pdum.rfb's own ``serve()``: H.264 from rtenc. Without the
    registration the same code streams JPEG (what pdum.rfb does without PyAV)."""
    if registered:
        rtenc.rfb.register(threads=1)
    else:
        rtenc.rfb.unregister()

    async def scenario():
        display = await pdum.rfb.serve(W, H, port=0, fps=30, bitrate=2_000_000)
        async with running(display):
            v = Viewer(display.ws_url)
            task = asyncio.create_task(v.run())
            await v.wait_frames(5)
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        return v

    v = asyncio.run(scenario())
    if registered:
        assert v.config["transport"] == "webcodecs"
        check_h264_stream(v.frames, tmp_path, rtenc.VtEncoder(W, H, fps=30, bitrate=2_000_000).codec_string)
    else:
        assert v.config["transport"] == "image"
        assert {h["type"] for h, _ in v.frames} == {"image_frame"}


# --- pdum.rfb's browser client in headless Chromium -------------------------------------------


def chromium_bin() -> str | None:
    path = os.environ.get("RTENC_CHROMIUM", "/usr/bin/chromium")
    return path if os.path.exists(path) else shutil.which("chromium")


class Chromium:
    """Headless Chromium driven over CDP (a websocket per tab)."""

    def __init__(self, binary: str):
        self.profile = tempfile.mkdtemp(prefix="rtenc-chromium-")
        self.proc = subprocess.Popen(
            [binary, *CHROMIUM_FLAGS, f"--user-data-dir={self.profile}", "--remote-debugging-port=0",
             "about:blank"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 30
        self.port = None
        lines = []
        while time.monotonic() < deadline:
            line = self.proc.stderr.readline()
            if not line:
                break
            lines.append(line)
            m = re.search(r"DevTools listening on ws://127\.0\.0\.1:(\d+)/", line)
            if m:
                self.port = int(m.group(1))
                break
        if self.port is None:
            self.close()
            raise AssertionError("Chromium did not start:\n" + "".join(lines[-20:]))
        # Keep draining stderr so Chromium never blocks on a full pipe.
        threading.Thread(target=self.proc.stderr.read, daemon=True).start()
        self.tabs = []

    def open(self, url: str) -> "Tab":
        req = urllib.request.Request(f"http://127.0.0.1:{self.port}/json/new?{url}", method="PUT")
        with urllib.request.urlopen(req, timeout=10) as r:
            target = json.loads(r.read())
        tab = Tab(target["webSocketDebuggerUrl"])
        self.tabs.append(tab)
        return tab

    def close(self) -> None:
        for tab in getattr(self, "tabs", []):
            with contextlib.suppress(Exception):
                tab.ws.close()
        self.proc.kill()
        self.proc.wait()
        shutil.rmtree(self.profile, ignore_errors=True)


class Tab:
    def __init__(self, ws_url: str):
        self.ws = sync_connect(ws_url, max_size=None, open_timeout=10).__enter__()
        self.next_id = 0

    def eval(self, expression: str, timeout: float = 20.0):
        """Evaluates ``expression`` (awaiting a promise) and returns its JSON value."""
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": "Runtime.evaluate", "params": {
            "expression": expression, "awaitPromise": True, "returnByValue": True}}))
        deadline = time.monotonic() + timeout
        while True:
            msg = json.loads(self.ws.recv(timeout=max(0.1, deadline - time.monotonic())))
            if msg.get("id") == self.next_id:
                break
        result = msg.get("result", {})
        if "exceptionDetails" in result or "error" in msg:
            raise AssertionError(f"{expression[:80]}: {msg}")
        return result["result"].get("value")

    def wait_for(self, expression: str, timeout: float = 30.0):
        deadline = time.monotonic() + timeout
        while True:
            value = self.eval(expression)
            if value:
                return value
            assert time.monotonic() < deadline, f"timed out waiting for {expression}"
            time.sleep(0.2)


PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><link rel="stylesheet" href="widget.css"></head>
<body style="margin:0">
<div id="view" style="width:{w}px;height:{h}px"></div>
<script type="module">
import widget from "./widget.js";
// pdum.rfb's anywidget front end with a minimal stand-in for the notebook's model.
const values = {{url: {url!r}, main_thread_present: false, show_toolbar: false,
                 show_stats: false, height: {h}}};
const model = {{get: k => values[k], set: (k, v) => {{ values[k] = v; }}, save_changes() {{}},
               on() {{}}, off() {{}}, send() {{}}}};
window.rfbModel = values;
widget.render({{model, el: document.getElementById("view")}});
</script></body></html>
"""

#: The stats of pdum.rfb's view (window.__rfb is its own observability hook).
STATS = "window.__rfb && window.__rfb.stats()"


def sample(tab: Tab) -> dict:
    """Captures the displayed frame (pdum.rfb's capture hook) and reads each patch's centre."""
    points = {f"{r}{c}": [int((c + 0.5) * W / 2), int((r + 0.5) * H / 2)] for r, c in PATCHES}
    return tab.eval(
        "(async () => { const img = await window.__rfb.capture(); const pts = %s; const out = {};"
        " for (const [k, [x, y]] of Object.entries(pts)) {"
        "   const sx = Math.round(x * img.width / %d), sy = Math.round(y * img.height / %d);"
        "   const i = 4 * (sy * img.width + sx); out[k] = Array.from(img.data.slice(i, i + 3)); }"
        " out.size = [img.width, img.height]; return out; })()" % (json.dumps(points), W, H)
    )


def test_pdum_rfb_browser_client_decodes_rtenc_in_chromium(tmp_path):
    binary = chromium_bin()
    require("Chromium", binary is not None, "apt-get install -y chromium chromium-driver")
    static = Path(pdum.rfb.__file__).parent / "static"
    site = tmp_path / "site"
    site.mkdir()
    for name in ("widget.js", "widget.css"):
        shutil.copy(static / name, site / name)

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):  # noqa: D102 - no access log in the test output
            pass

    handler = functools.partial(Quiet, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()

    def browse(ws_url: str) -> dict:
        (site / "index.html").write_text(PAGE.format(w=W, h=H, url=ws_url))
        page = f"http://127.0.0.1:{httpd.server_address[1]}/index.html"
        browser = Chromium(binary)
        try:
            first = browser.open(page)
            stats = first.wait_for(f"({STATS}) && {STATS}.framesDisplayed >= 30 && {STATS}", 60)
            colours = sample(first)
            second = browser.open(page)
            stats2 = second.wait_for(f"({STATS}) && {STATS}.framesDisplayed >= 30 && {STATS}", 60)
            later = first.eval(STATS)
            return {"stats": stats, "colours": colours, "stats2": stats2, "later": later,
                    "state": first.eval("window.__rfb.state()")}
        finally:
            browser.close()

    async def scenario():
        display = await rtenc.rfb.serve(W, H, port=0, fps=30, bitrate=3_000_000,
                                        encoder_options={"threads": 1})
        async with running(display):
            v = Viewer(display.ws_url)  # a protocol viewer alongside the browsers
            task = asyncio.create_task(v.run())
            result = await asyncio.to_thread(browse, display.ws_url)
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        return result, v

    try:
        result, viewer = asyncio.run(scenario())
    finally:
        httpd.shutdown()
    print("\nbrowser:", json.dumps(result))
    codec = rtenc.VtEncoder(W, H, fps=30, bitrate=3_000_000).codec_string
    for key in ("stats", "stats2"):
        s = result[key]
        assert s["transport"] == "webcodecs", s
        assert s["codec"] == codec, s  # the last chunk's codec: the SPS's
        assert s["framesDisplayed"] >= 30, s
    assert result["later"]["framesDisplayed"] > result["stats"]["framesDisplayed"], "the first tab kept playing"
    colours = result["colours"]
    assert colours["size"] == [W, H], colours
    for (r, c), rgb in PATCHES.items():
        got = colours[f"{r}{c}"]
        assert max(abs(a - b) for a, b in zip(got, rgb)) <= 6, f"patch {r}{c}: {got} != {rgb}"
    assert viewer.frames and all(h["type"] == "video_chunk" for h, _ in viewer.frames)
