"""rtenc as pdum.rfb's H.264 encoder.

The two lines a pdum.rfb user adds::

    import rtenc.rfb
    display = await rtenc.rfb.serve(1280, 720, port=8765)    # instead of pdum.rfb.serve(...)

or, keeping ``pdum.rfb.serve`` / ``Server.add_stream`` / anything else that builds encoders::

    import rtenc.rfb
    rtenc.rfb.register(threads=2)   # rtenc becomes the H.264 encoder pdum.rfb picks

:class:`RtencEncoder` implements pdum.rfb's ``EncoderBackend`` protocol (``encode``,
``encode_still``, ``flush``, ``close``): CPU frames in ``rgb24``, ``rgba8``, ``bgra8``, ``nv12``
or ``yuv420p`` become H.264 Annex B ``EncodedPayload``\\ s. RGB(A) is converted to NV12 by
:func:`rtenc.rgb_to_nv12` (BT.601 limited range, pdum.rfb's coefficients) into a buffer reused
from frame to frame; NV12 frames are read in place, ``yuv420p`` frames' luma too (only the
chroma is interleaved). With ``pipeline_depth > 0`` frames are encoded on a worker thread while
the caller goes on (see :class:`RtencEncoder`).

pdum.rfb (``habemus-papadum-rfb``, Python >= 3.12) is not a dependency of rtenc: it is imported
only when a payload is built or :func:`register` / :func:`serve` is called.
"""

from __future__ import annotations

import collections
import concurrent.futures
import warnings
from typing import Any, Literal

from . import Encoder, rgb_to_nv12, yuv420p_to_nv12

__all__ = [
    "ENCODER_NAME",
    "DEFAULT_ENCODER_NAME",
    "RtencEncoder",
    "color_vui",
    "register",
    "serve",
    "unregister",
]

#: The name :func:`register` registers the backend under.
ENCODER_NAME = "rtenc"
#: The video encoder name pdum.rfb's server picks when it has no NVENC (and, for 0.3.0, only
#: if PyAV imports): ``register(default=True)`` puts rtenc under this name too.
DEFAULT_ENCODER_NAME = "h264_cpu"

_RGB_ORDERS: dict[str, Literal["rgb", "rgba", "bgra"]] = {
    "rgb24": "rgb",
    "rgba8": "rgba",
    "bgra8": "bgra",
}

# pdum.rfb's own VUI codes (pdum/rfb/encoders/h264_cpu.py, ``h264_color_vui``): primaries and
# transfer from the descriptor, the matrix fixed to BT.601 limited range (what every pdum.rfb
# RGB->YUV conversion, and rtenc's, computes). tests/test_rfb.py checks this copy against
# pdum.rfb's function.
_PRIMARIES = {"bt709": 1, "display-p3": 12, "bt2020": 9}
_TRANSFER = {"srgb": 13, "bt709": 1, "linear": 8, "pq": 16, "hlg": 18}
_MATRIX_BT601 = 6
_RANGE_LIMITED = 1


def color_vui(color: dict | None) -> tuple[int, int, int, int] | None:
    """``(primaries, transfer, matrix, range)`` codes for a pdum.rfb colour descriptor, exactly
    as pdum.rfb's PyAV encoders tag it; ``None`` (no change to the stream) for ``None`` or
    ``{}``. rtenc's default tags (no descriptor) are BT.601 / SMPTE 170M (6, 6, 6)."""
    if not color:
        return None
    primaries = _PRIMARIES.get(color.get("primaries", "bt709"), 1)
    transfer = _TRANSFER.get(color.get("transfer", "srgb"), 13)
    return (primaries, transfer, _MATRIX_BT601, _RANGE_LIMITED)


class RtencEncoder:
    """Encode host frames to H.264 Annex B with rtenc (pdum.rfb ``EncoderBackend``).

    Keyword arguments are those pdum.rfb's ``build_encoder`` passes to every video factory:

    - ``width``, ``height`` (even), ``fps``, ``bitrate``;
    - ``codec_string``: what pdum.rfb's transport would advertise. The payloads carry the codec
      string of the SPS rtenc actually writes (``avc1.42C0xx``: the level follows size, rate and
      bitrate), and that is what pdum.rfb's browser client configures its ``VideoDecoder``
      with; ``codec_string`` is only kept as :attr:`requested_codec_string`;
    - ``pipeline_depth``: 0 encodes each frame in the calling thread and returns its payload.
      ``n > 0`` copies (or converts) the frame into one of ``n + 1`` buffers the encoder owns
      and encodes it on a worker thread (the GIL is released while rtenc works), so the caller
      can go on while the frame encodes; ``encode`` returns the payloads finished so far, in
      order, each labelled with its own frame's ``seq`` and timestamp, and never lets more than
      ``n`` frames wait; ``flush`` returns the rest;
    - ``color``: a pdum.rfb colour descriptor (``dict``): tagged in the SPS VUI exactly as
      pdum.rfb's own encoders tag it (:func:`color_vui`; Display P3 is primaries 12, transfer
      13, with the BT.601 limited-range matrix); ``None`` keeps rtenc's tags.

    Further keyword arguments tune rtenc: ``gop`` (frames between IDRs; default one second,
    ``fps``, as in pdum.rfb's backends), ``low_latency`` (default True), ``preset`` (rtenc's speed
    ladder, ``"ultrafast"`` to ``"medium"``), ``realtime`` (default True; False is the
    ``"medium"`` preset without ``preset``), ``chroma`` (``"average"`` or ``"topleft"``) and
    every keyword-only option of :class:`rtenc.Encoder` (``threads``, ``qp``, ``min_qp``,
    ``max_qp``, ``vbv``); anything else is a ``TypeError``.
    """

    encoder_label = "rtenc"

    def __init__(
        self,
        *,
        width: int,
        height: int,
        fps: int = 30,
        bitrate: int = 12_000_000,
        codec_string: str | None = None,
        pipeline_depth: int = 0,
        color: dict | None = None,
        gop: int | None = None,
        low_latency: bool = True,
        realtime: bool = True,
        chroma: Literal["average", "topleft"] = "average",
        **options: Any,
    ) -> None:
        if width % 2 or height % 2:
            raise ValueError(f"NV12 requires even dimensions; got {width}x{height}")
        if chroma not in ("average", "topleft"):
            raise ValueError(f"chroma must be 'average' or 'topleft', got {chroma!r}")
        self.width = width
        self.height = height
        self.fps = fps if fps and fps > 0 else 30
        self.bitrate = bitrate
        self.color = color
        self.requested_codec_string = codec_string
        self.pipeline_depth = max(0, int(pipeline_depth))
        self._chroma = chroma
        vui = color_vui(color)
        if vui is not None:
            options["primaries"], options["transfer"] = vui[0], vui[1]
        self._enc = Encoder(
            width,
            height,
            "h264",
            self.fps,
            int(self.fps) if gop is None else gop,
            bitrate,
            realtime,
            low_latency,
            **options,
        )
        #: The codec string of the SPS rtenc emits (what every payload carries).
        self.codec_string = self._enc.codec_string
        self._duration_us = int(1_000_000 / self.fps)
        self._nv12 = bytearray(width * height * 3 // 2)
        # The pipeline: frames in flight, oldest first, as (seq, timestamp_us, future, buffer).
        self._inflight: collections.deque = collections.deque()
        self._free: list[bytearray] = []
        self._pool: concurrent.futures.ThreadPoolExecutor | None = None
        if self.pipeline_depth > 0:
            self._pool = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="rtenc-rfb")

    # --- EncoderBackend ---------------------------------------------------------------------

    def encode(self, frame: Any, *, force_keyframe: bool = False) -> list:
        """Encode one ``RawFrame``: its payload (or, pipelined, those finished so far)."""
        if self._pool is not None:
            return self._encode_pipelined(frame, force_keyframe)
        source = self._source_of(frame)
        return [
            self._payload(seq, frame.timestamp_us, data, keyframe)
            for seq, data, keyframe in self._enc.submit(source, frame.seq, force_idr=force_keyframe)
        ]

    def encode_still(self, frame: Any) -> list:
        """A settled-scene still: the frame as a self-contained keyframe (a forced IDR)."""
        return self.encode(frame, force_keyframe=True)

    def flush(self) -> list:
        """Waits for every frame in flight and returns their payloads (``[]`` unpipelined)."""
        out = self._collect(wait_all=True)
        data = self._enc.flush()
        if data:  # never: rtenc holds nothing back
            out.append(self._payload(-1, 0, data, False))
        return out

    def close(self) -> None:
        """Frees the encoder (frames still in flight are finished first, their output dropped)."""
        try:
            self._collect(wait_all=True)
        except Exception:  # noqa: BLE001 - an error of a dropped frame is no longer anyone's
            pass
        if self._pool is not None:
            self._pool.shutdown(wait=True)
        self._enc.close()

    # --- pipeline -----------------------------------------------------------------------------

    def _encode_pipelined(self, frame: Any, force_keyframe: bool) -> list:
        if self._enc.closed:
            raise RuntimeError("encoder is closed")
        buf = self._free.pop() if self._free else bytearray(self.width * self.height * 3 // 2)
        try:
            self._copy_into(frame, buf)
        except BaseException:
            self._free.append(buf)
            raise
        assert self._pool is not None
        future = self._pool.submit(self._enc.submit, buf, frame.seq, force_idr=force_keyframe)
        self._inflight.append((frame.seq, frame.timestamp_us, future, buf))
        return self._collect(wait_all=False)

    def _collect(self, *, wait_all: bool) -> list:
        """Payloads of the frames in flight that are done, oldest first: all of them with
        ``wait_all``, else those finished plus enough to leave at most ``pipeline_depth``."""
        out = []
        while self._inflight and (
            wait_all or len(self._inflight) > self.pipeline_depth or self._inflight[0][2].done()
        ):
            seq, ts, future, buf = self._inflight.popleft()
            try:
                result = future.result()
            finally:
                self._free.append(buf)
            out += [self._payload(s, ts, data, key) for s, data, key in result]
        return out

    # --- frames -------------------------------------------------------------------------------

    def _check(self, frame: Any) -> None:
        if frame.memory != "cpu":
            raise TypeError(f"RtencEncoder encodes CPU frames, got memory={frame.memory!r}")
        if (frame.width, frame.height) != (self.width, self.height):
            raise ValueError(
                f"frame is {frame.width}x{frame.height}, the encoder was built for "
                f"{self.width}x{self.height}"
            )

    def _planes(self, data: Any) -> tuple:
        """A ``yuv420p`` frame's ``(y, u, v)``: given as three planes, or as one I420 buffer
        (``(H * 3 // 2, W)`` array or flat ``W * H * 3 // 2`` bytes, PyAV's and ffmpeg's layout),
        split without a copy where it is contiguous."""
        if isinstance(data, (tuple, list)):
            if len(data) != 3:
                raise ValueError(f"yuv420p: expected 3 planes (y, u, v), got {len(data)}")
            return tuple(data)
        import numpy as np

        w, h = self.width, self.height
        if isinstance(data, (bytes, bytearray, memoryview)):
            flat = np.frombuffer(data, np.uint8)
        else:
            flat = np.ascontiguousarray(data, dtype=np.uint8).reshape(-1)
        if flat.size != w * h * 3 // 2:
            raise ValueError(
                f"yuv420p: expected (y, u, v) planes or {w * h * 3 // 2} bytes of I420 for "
                f"{w}x{h}, got {flat.size} bytes"
            )
        q = w * h // 4
        return (
            flat[: w * h].reshape(h, w),
            flat[w * h : w * h + q].reshape(h // 2, w // 2),
            flat[w * h + q :].reshape(h // 2, w // 2),
        )

    def _source_of(self, frame: Any) -> Any:
        """What ``Encoder.submit`` reads: NV12 or yuv420p planes in place, RGB converted."""
        self._check(frame)
        if frame.pixel_format == "nv12":
            return frame.data
        if frame.pixel_format == "yuv420p":
            return self._planes(frame.data)
        return self._rgb_to_nv12(frame, self._nv12)

    def _copy_into(self, frame: Any, buf: bytearray) -> None:
        """Copies or converts ``frame`` into ``buf`` (contiguous NV12) for the worker."""
        self._check(frame)
        if frame.pixel_format == "nv12":
            import numpy as np

            src = np.asarray(frame.data, dtype=np.uint8)
            dst = np.frombuffer(buf, np.uint8)
            if src.size != dst.size or src.ndim not in (1, 2):
                raise ValueError(
                    f"nv12: expected a ({self.height * 3 // 2}, {self.width}) uint8 array or "
                    f"{dst.size} bytes, got shape {src.shape}"
                )
            np.copyto(dst.reshape(src.shape), src)
        elif frame.pixel_format == "yuv420p":
            yuv420p_to_nv12(self._planes(frame.data), buf)
        else:
            self._rgb_to_nv12(frame, buf)

    def _rgb_to_nv12(self, frame: Any, out: Any) -> Any:
        order = _RGB_ORDERS.get(frame.pixel_format)
        if order is None:
            raise TypeError(
                f"RtencEncoder cannot encode {frame.pixel_format!r} frames "
                f"(rgb24, rgba8, bgra8, nv12 or yuv420p)"
            )
        return rgb_to_nv12(frame.data, out, chroma=self._chroma, order=order)

    def _payload(self, seq: int, timestamp_us: int, data: bytes, keyframe: bool):
        from pdum.rfb.types import EncodedPayload  # type: ignore[import-not-found, unused-ignore]

        return EncodedPayload(
            seq=seq,
            kind="video",
            timestamp_us=timestamp_us,
            width=self.width,
            height=self.height,
            payload=data,
            codec=self.codec_string,
            keyframe=keyframe,
            duration_us=self._duration_us,
            metadata={"bitstream": "annexb", "encoder": self.encoder_label},
        )


# --- registration ---------------------------------------------------------------------------

#: Options :func:`register` passes to every encoder pdum.rfb builds through it.
_options: dict[str, Any] = {}
#: What register(default=True) replaced, for unregister(): pdum.rfb's "h264_cpu" factory and
#: its server's PyAV probe.
_saved: dict[str, Any] = {}


def _factory(**kwargs: Any) -> RtencEncoder:
    # build_encoder's own arguments win over register()'s options of the same name (none
    # overlap: register() refuses width, height, fps, bitrate, codec_string, pipeline_depth
    # and color).
    return RtencEncoder(**{**_options, **kwargs})


_BUILD_ENCODER_ARGS = {"width", "height", "fps", "bitrate", "codec_string", "pipeline_depth", "color"}


def _rfb_modules() -> tuple[Any, Any]:
    try:
        from pdum.rfb import server as rfb_server  # type: ignore[import-not-found, unused-ignore]
        from pdum.rfb.encoders import base  # type: ignore[import-not-found, unused-ignore]
    except ImportError as exc:  # pragma: no cover - exercised without pdum.rfb
        raise ImportError(
            "rtenc.rfb needs pdum.rfb: pip install habemus-papadum-rfb (Python >= 3.12)"
        ) from exc
    return base, rfb_server


def register(default: bool = True, *, name: str = ENCODER_NAME, **encoder_options: Any) -> None:
    """Register :class:`RtencEncoder` with pdum.rfb, as ``name`` (default ``"rtenc"``).

    ``encoder_options`` (``threads``, ``gop``, ``qp``, ``low_latency``, ``preset``, ``realtime``,
    ``chroma``, ``min_qp``, ``max_qp``, ``vbv``) are passed to every encoder pdum.rfb builds
    through this registration; they are checked now by building a small encoder, so a name rtenc
    does not know is a ``TypeError`` and a bad value a ``ValueError`` here, not on the first
    viewer. Calling ``register`` again replaces them.

    With ``default=True`` (the default) rtenc becomes the H.264 encoder pdum.rfb picks: it is
    also registered as ``"h264_cpu"``, the name pdum.rfb's server chooses when no NVENC GPU is
    present, and, since pdum.rfb 0.3.0 offers H.264 to browsers only when PyAV imports (and
    otherwise silently streams JPEG), pdum.rfb's PyAV probe (``pdum.rfb.server._h264_importable``)
    is made to answer True. :func:`unregister` undoes both. On a host with an NVENC GPU pdum.rfb
    still prefers NVENC unless the stream is built with ``has_nvenc=False`` (which
    :func:`serve` passes).
    """
    clash = _BUILD_ENCODER_ARGS & encoder_options.keys()
    if clash:
        raise TypeError(
            f"register() options {sorted(clash)} are set per stream by pdum.rfb, not here"
        )
    RtencEncoder(width=16, height=16, **encoder_options).close()  # validates the options
    base, rfb_server = _rfb_modules()
    _options.clear()
    _options.update(encoder_options)
    base.register_video_encoder(name, _factory)
    if not default:
        return
    current = base._VIDEO_ENCODERS.get(DEFAULT_ENCODER_NAME)
    if current is not _factory and "factory" not in _saved:
        _saved["factory"] = current
    base.register_video_encoder(DEFAULT_ENCODER_NAME, _factory)
    probe = getattr(rfb_server, "_h264_importable", None)
    if probe is None:
        warnings.warn(
            "this pdum.rfb has no server._h264_importable: pass has_h264=True to serve() / "
            "add_stream() or use rtenc.rfb.serve(), or pdum.rfb may stream JPEG instead of H.264",
            RuntimeWarning,
            stacklevel=2,
        )
    elif probe is not _h264_available:
        _saved["probe"] = probe
        rfb_server._h264_importable = _h264_available


def _h264_available() -> bool:
    """pdum.rfb's "can this server encode H.264?": rtenc always can."""
    return True


def unregister() -> None:
    """Undo :func:`register`'s ``default=True``: pdum.rfb's own ``"h264_cpu"`` factory and PyAV
    probe come back (``"rtenc"`` stays registered)."""
    base, rfb_server = _rfb_modules()
    if "factory" in _saved:
        factory = _saved.pop("factory")
        if factory is None:
            base._VIDEO_ENCODERS.pop(DEFAULT_ENCODER_NAME, None)
        else:
            base.register_video_encoder(DEFAULT_ENCODER_NAME, factory)
    if "probe" in _saved:
        rfb_server._h264_importable = _saved.pop("probe")


async def serve(width: int, height: int, *, encoder_options: dict | None = None, **kwargs: Any):
    """pdum.rfb's ``serve()`` with rtenc as its H.264 encoder; returns pdum.rfb's ``Display``.

    ``await rtenc.rfb.serve(1280, 720, port=8765)`` takes every keyword argument of
    ``pdum.rfb.serve`` (``host``, ``port``, ``fps``, ``bitrate``, ``encode_pipeline_depth``
    (rtenc's ``pipeline_depth``), ``still_after``, ...) and ``encoder_options``, passed to
    :func:`register` (``{"threads": 2, "gop": 60}``). PyAV is not needed: H.264 is offered to
    every browser that supports WebCodecs (``has_h264=True``) and NVENC is not probed
    (``has_nvenc=False``) unless given.
    """
    register(default=True, **(encoder_options or {}))
    from pdum.rfb.server import serve as rfb_serve  # type: ignore[import-not-found, unused-ignore]

    kwargs.setdefault("has_h264", True)
    kwargs.setdefault("has_nvenc", False)
    return await rfb_serve(width, height, **kwargs)
