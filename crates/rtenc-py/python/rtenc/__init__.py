"""rtenc: a real-time H.264 encoder (Constrained Baseline, Annex B) written in Rust.

``rtenc.VtEncoder`` is a drop-in for ``pdum.vtenc.VtEncoder`` (same constructor and methods);
``rtenc.Encoder`` is the same class under rtenc's own name, with extra keyword-only options.

    >>> import rtenc
    >>> enc = rtenc.VtEncoder(64, 48, fps=30, bitrate=0)
    >>> au = enc.encode(bytes(64 * 48 * 3 // 2))
    >>> au[:4]
    b'\\x00\\x00\\x00\\x01'

``rtenc.rgb_to_nv12`` converts RGB(A)/BGR(A) pictures to NV12; ``rtenc.rfb`` plugs the encoder
into pdum.rfb (``import rtenc.rfb; rtenc.rfb.register()``).
"""

from ._rtenc import (
    LOW_LATENCY_VBV_FRAMES,
    Encoder,
    VtEncoder,
    __version__,
    info,
    rgb_to_nv12,
    supported,
    yuv420p_to_nv12,
)

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
