"""Type stubs for rtenc (the native module is rtenc._rtenc)."""

from types import TracebackType
from typing import Any, Literal, Optional, Sequence, Tuple, Type, final

from typing_extensions import Self, TypeAlias

#: Any object supporting the buffer protocol (bytes, bytearray, memoryview, array.array,
#: numpy.ndarray, ...). Not ``collections.abc.Buffer``: numpy declares ``__buffer__`` only for
#: Python >= 3.12, so arrays would be rejected on 3.9 to 3.11.
_BufferLike: TypeAlias = Any
#: A damage rectangle: (x, y, width, height) in pixels.
_Rect: TypeAlias = Tuple[int, int, int, int]

__all__ = [
    "LOW_LATENCY_VBV_FRAMES",
    "Encoder",
    "VtEncoder",
    "__version__",
    "info",
    "rgb_to_nv12",
    "supported",
    "yuv420p_to_nv12",
]

__version__: str
#: VBV size, in frames' worth of bitrate, used when ``low_latency=True``.
LOW_LATENCY_VBV_FRAMES: float

@final
class Encoder:
    """H.264 Constrained Baseline encoder: NV12 in, one Annex B access unit out per frame.

    ``fps <= 0`` means 30; ``gop <= 0`` keyframes only on demand; ``bitrate <= 0`` constant
    quality (QP 26 unless ``qp`` is given); ``codec`` must be ``"h264"``; ``low_latency`` keeps
    the VBV at 4 frames' worth of bitrate (else one second) and, with a bitrate, ``gop > 0`` and
    no ``vbv``, turns intra refresh on by default: after the first IDR, keyframes only on
    ``force_idr``, and a column of intra macroblocks sweeps the picture every ``gop`` frames
    (``intra_refresh=True``/``False`` chooses explicitly); ``preset`` is a point on the speed
    ladder, fastest first: ``"ultrafast"``, ``"superfast"``, ``"veryfast"`` (the default),
    ``"faster"``, ``"fast"``, ``"medium"``; without it ``realtime=True`` means the default
    preset and ``False`` ``"medium"``. ``threads``
    threads code each frame, one slice each (0: one per core; 1: the calling thread only).
    """

    def __new__(
        cls,
        width: int,
        height: int,
        codec: str = "h264",
        fps: float = 30.0,
        gop: int = 30,
        bitrate: int = 12_000_000,
        realtime: bool = True,
        low_latency: bool = True,
        *,
        qp: Optional[int] = None,
        min_qp: Optional[int] = None,
        max_qp: Optional[int] = None,
        vbv: Optional[int] = None,
        threads: int = 0,
        primaries: Optional[int] = None,
        transfer: Optional[int] = None,
        preset: Optional[str] = None,
        intra_refresh: Optional[bool] = None,
    ) -> Self: ...
    def encode(
        self,
        frame: _BufferLike,
        force_idr: bool = False,
        *,
        damage: Optional[Sequence[_Rect]] = None,
    ) -> bytes:
        """Encode one NV12 frame (read in place) and return its Annex B access unit.

        ``frame``: a C-contiguous ``(height*3//2, width)`` uint8 array, a flat buffer of
        ``width*height*3//2`` bytes, or a 2-D uint8 array with padded rows (inner stride 1).
        Raises ``ValueError`` for a wrong dtype, shape, length or stride, ``TypeError`` for a
        non-buffer, ``RuntimeError`` once closed. ``damage``: rectangles outside which nothing
        changed since the previous frame (``[]``: nothing changed); keyframes ignore it.
        A ``(y, u, v)`` tuple of planes is a ``yuv420p`` frame (luma read in place).
        """
    def submit(
        self,
        frame: _BufferLike,
        seq: int,
        force_idr: bool = False,
        *,
        damage: Optional[Sequence[_Rect]] = None,
    ) -> list[tuple[int, bytes, bool]]:
        """Encode ``frame`` tagged ``seq``; returns ``[(seq, access_unit, keyframe)]``."""
    def flush_pipeline(self) -> list[tuple[int, bytes, bool]]:
        """Access units still in flight after ``submit``: always ``[]``."""
    def flush(self) -> bytes:
        """Buffered output: always ``b""`` (rtenc is 1-in-1-out)."""
    def close(self) -> None:
        """Free the encoder; later encode/submit raise ``RuntimeError("encoder is closed")``."""
    def __enter__(self) -> Self: ...
    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> bool: ...
    @property
    def width(self) -> int: ...
    @property
    def height(self) -> int: ...
    @property
    def fps(self) -> float: ...
    @property
    def codec_string(self) -> str:
        """RFC 6381 codec string (``avc1.42C0xx``) of the emitted SPS."""
    @property
    def last_encode_ms(self) -> float:
        """Milliseconds the last encode spent in rtenc's encoder."""
    @property
    def last_copy_ms(self) -> float:
        """Milliseconds spent copying the input: always 0.0 (frames are read in place)."""
    @property
    def threads(self) -> int:
        """Threads (slices) per frame, with ``threads=0`` resolved to the core count."""
    @property
    def closed(self) -> bool: ...

#: pdum.vtenc's name for :class:`Encoder` (the same class).
VtEncoder = Encoder

def supported() -> bool:
    """Always True: rtenc is pure software."""

def info() -> dict[str, Any]:
    """What ``rtenc info`` prints: ``version``, ``arch``, ``cpu_features`` (list of str),
    ``kernel_sets`` (list of str, lowest first) and ``kernels`` (the SIMD kernel set in use:
    ``"avx2"``, ``"sse2"``, ``"neon"`` or ``"scalar"``; ``RTENC_CPU`` caps it)."""

def rgb_to_nv12(
    rgb: _BufferLike,
    out: Optional[_BufferLike] = None,
    *,
    chroma: Literal["average", "topleft"] = "average",
    order: Literal["rgb", "bgr", "rgba", "bgra"] = "rgb",
) -> _BufferLike:
    """Convert ``(H, W, 3|4)`` uint8 RGB(A)/BGR(A) to NV12 (BT.601 limited range).

    Writes into ``out`` and returns it when given; otherwise returns a new
    ``(H*3//2, W)`` memoryview.
    """

def yuv420p_to_nv12(
    frame: Sequence[_BufferLike],
    out: Optional[_BufferLike] = None,
) -> _BufferLike:
    """Convert a ``(y, u, v)`` yuv420p picture (``y`` 2-D ``(H, W)``) to NV12.

    Writes into ``out`` and returns it when given; otherwise returns a new
    ``(H*3//2, W)`` memoryview.
    """
