"""rtenc as a pdum.rfb video encoder backend.

    import rtenc.rfb
    rtenc.rfb.register()          # registers "rtenc" with pdum.rfb's encoder registry
    # ... then ask pdum.rfb for video_encoder="rtenc", e.g.
    # build_encoder(selection, width=..., height=..., video_encoder="rtenc")

:class:`RtencEncoder` implements pdum.rfb's ``EncoderBackend`` protocol (``encode``,
``encode_still``, ``flush``, ``close``) like its ``vtenc`` backend: CPU frames in ``rgb24``,
``rgba8``, ``bgra8`` or ``nv12`` become H.264 Annex B ``EncodedPayload``\\ s, one per frame.
RGB(A) is converted to NV12 by :func:`rtenc.rgb_to_nv12` (BT.601 limited range, pdum.rfb's
coefficients, 2x2-averaged chroma) into a buffer reused from frame to frame; NV12 frames are
read in place.

pdum.rfb (``habemus-papadum-rfb``, Python >= 3.12) is not a dependency of rtenc: it is imported
only when a payload is built or :func:`register` is called.
"""

from __future__ import annotations

from typing import Any, Literal

from . import Encoder, rgb_to_nv12

__all__ = ["RtencEncoder", "register", "ENCODER_NAME"]

#: The name :func:`register` registers the backend under.
ENCODER_NAME = "rtenc"

_RGB_ORDERS: dict[str, Literal["rgb", "rgba", "bgra"]] = {
    "rgb24": "rgb",
    "rgba8": "rgba",
    "bgra8": "bgra",
}


class RtencEncoder:
    """Encode host frames to H.264 Annex B with rtenc (pdum.rfb ``EncoderBackend``).

    Keyword arguments are those pdum.rfb's ``build_encoder`` passes to every video factory:
    ``width``, ``height`` (even), ``fps``, ``bitrate``, ``codec_string`` (only a fallback: the
    codec of the payloads is the one of the SPS rtenc emits), ``pipeline_depth`` (> 0 uses the
    pipelined ``submit`` path; with rtenc's 1-in-1-out core each frame still comes out at once)
    and ``color`` (accepted and ignored, as by pdum.rfb's VideoToolbox backend: rtenc's VUI
    always declares BT.601 limited range). Further keyword arguments (``qp``, ``min_qp``,
    ``max_qp``, ``vbv``, ``gop``, ``low_latency``, ``chroma``) tune the encoder; the default
    keyframe interval is one second (``gop = fps``), as in pdum.rfb's backends.
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
        chroma: Literal["average", "topleft"] = "average",
        **options: Any,
    ) -> None:
        if width % 2 or height % 2:
            raise ValueError(f"NV12 requires even dimensions; got {width}x{height}")
        self.width = width
        self.height = height
        self.fps = fps if fps and fps > 0 else 30
        self.bitrate = bitrate
        self.color = color
        self.pipeline_depth = max(0, int(pipeline_depth))
        self._chroma = chroma
        self._enc = Encoder(
            width,
            height,
            "h264",
            self.fps,
            int(self.fps) if gop is None else gop,
            bitrate,
            True,
            low_latency,
            **options,
        )
        # The real codec string (the level depends on size, rate and bitrate), not the
        # transport's default.
        self.codec_string = self._enc.codec_string or codec_string
        self._duration_us = int(1_000_000 / self.fps)
        self._nv12 = bytearray(width * height * 3 // 2)

    # --- EncoderBackend ---------------------------------------------------------------------

    def encode(self, frame: Any, *, force_keyframe: bool = False) -> list:
        """Encode one ``RawFrame``; returns its one ``EncodedPayload``."""
        nv12 = self._nv12_of(frame)
        return [
            self._payload(seq, frame.timestamp_us, data, keyframe)
            for seq, data, keyframe in self._enc.submit(nv12, frame.seq, force_idr=force_keyframe)
        ]

    def encode_still(self, frame: Any) -> list:
        """A settled-scene still: the frame as a self-contained keyframe (a forced IDR)."""
        return self.encode(frame, force_keyframe=True)

    def flush(self) -> list:
        """Nothing is ever buffered: returns ``[]``."""
        if self.pipeline_depth > 0:
            return [self._payload(s, 0, d, k) for s, d, k in self._enc.flush_pipeline()]
        data = self._enc.flush()
        return [self._payload(-1, 0, data, False)] if data else []

    def close(self) -> None:
        self._enc.close()

    # --- helpers ------------------------------------------------------------------------------

    def _nv12_of(self, frame: Any):
        if frame.memory != "cpu":
            raise TypeError(f"RtencEncoder encodes CPU frames, got memory={frame.memory!r}")
        if (frame.width, frame.height) != (self.width, self.height):
            raise ValueError(
                f"frame is {frame.width}x{frame.height}, the encoder was built for "
                f"{self.width}x{self.height}"
            )
        if frame.pixel_format == "nv12":
            return frame.data
        order = _RGB_ORDERS.get(frame.pixel_format)
        if order is None:
            raise TypeError(
                f"RtencEncoder cannot encode {frame.pixel_format!r} frames "
                f"(rgb24, rgba8, bgra8 or nv12)"
            )
        return rgb_to_nv12(frame.data, self._nv12, chroma=self._chroma, order=order)

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


def _factory(**kwargs: Any) -> RtencEncoder:
    return RtencEncoder(**kwargs)


def register(name: str = ENCODER_NAME) -> None:
    """Register :class:`RtencEncoder` with pdum.rfb as ``name`` (default ``"rtenc"``).

    Afterwards ``pdum.rfb.encoders.build_encoder(..., video_encoder="rtenc")`` (and servers
    configured with that video encoder) build rtenc encoders. Needs pdum.rfb installed
    (``pip install habemus-papadum-rfb``, Python >= 3.12).
    """
    try:
        from pdum.rfb.encoders.base import (  # type: ignore[import-not-found, unused-ignore]
            register_video_encoder,
        )
    except ImportError as exc:  # pragma: no cover - exercised without pdum.rfb
        raise ImportError(
            "rtenc.rfb.register() needs pdum.rfb: pip install habemus-papadum-rfb"
        ) from exc
    register_video_encoder(name, _factory)
