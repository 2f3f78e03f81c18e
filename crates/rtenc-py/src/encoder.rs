//! `rtenc.Encoder` (also exported as `rtenc.VtEncoder`): pdum.vtenc's `VtEncoder` API over
//! `rtenc::Encoder`.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList, PyTuple};

use rtenc::color::i420_chroma_to_nv12;

use rtenc::{Config, EncodedFrame, Preset, Rect, Speed};

use crate::layout::{nv12_frame, yuv420p_planes};
use crate::pybuffer::{Access, BufferView};

/// Frames' worth of bitrate in the VBV when `low_latency=True`.
pub const LOW_LATENCY_VBV_FRAMES: f64 = 4.0;

const CLOSED: &str = "encoder is closed";
const POISONED: &str =
    "encoder is unusable: an earlier call panicked inside rtenc (see that exception)";

/// H.264 Constrained Baseline encoder: NV12 frames in, one Annex B access unit out per frame.
///
/// ``Encoder(width, height, codec="h264", fps=30, gop=30, bitrate=12_000_000, realtime=True,
/// low_latency=True, *, qp=None, min_qp=None, max_qp=None, vbv=None, threads=0,
/// intra_refresh=None)``
///
/// The positional parameters mean what they mean for ``pdum.vtenc.VtEncoder``: ``fps <= 0``
/// means 30, ``gop <= 0`` keyframes only on demand (the first frame and ``force_idr``),
/// ``bitrate <= 0`` constant quality (QP 26 unless ``qp`` is given). ``low_latency`` sizes the
/// rate control's buffer (VBV) to 4 frames' worth of bitrate, so frame sizes stay even on the
/// wire; without it the buffer holds one second. Such a buffer cannot hold an IDR of detailed
/// content, so under ``low_latency`` (without ``vbv``) with a bitrate and ``gop > 0`` it uses intra
/// refresh by default: after the first frame, keyframes only on ``force_idr``, and a column of
/// intra macroblocks sweeps the picture once every ``gop`` frames (a recovery point SEI marks
/// each sweep). ``intra_refresh=True``/``False`` chooses explicitly (True needs ``gop > 0``).
/// A WebCodecs client still needs an IDR to start: force one when a viewer joins. ``preset`` picks a point on the speed ladder,
/// fastest first: ``"ultrafast"``, ``"superfast"``, ``"veryfast"``, ``"faster"``, ``"fast"``,
/// ``"medium"``; without it ``realtime=True`` means the default preset (``"veryfast"``) and
/// ``False`` ``"medium"`` (partitions, every Intra_4x4 mode).
///
/// Keyword-only: ``qp`` (0..51) fixes the QP and disables rate control; ``min_qp``/``max_qp``
/// bound rate control (defaults 10 and 51); ``vbv`` sets the VBV size in bits (overrides
/// ``low_latency``); ``threads`` is the number of threads coding each frame, one slice each
/// (0, the default: one per core; 1: a single slice on the calling thread; at most 64);
/// ``primaries`` and ``transfer`` are the VUI's colour_primaries and transfer_characteristics
/// codes (H.264 Tables E-3 and E-4; ``None``: 6, BT.601 / SMPTE 170M; Display P3 is 12 and 13),
/// tags only: the matrix stays BT.601, limited range.
///
/// Encoding releases the GIL. One instance used from several threads at once is serialised
/// (calls wait for each other); different instances run in parallel.
#[pyclass(frozen, name = "Encoder", module = "rtenc")]
pub struct PyEncoder {
    width: u32,
    height: u32,
    codec_string: String,
    fps: f64,
    slices: usize,
    /// `None` once closed.
    state: Mutex<Option<rtenc::Encoder>>,
    /// The interleaved chroma of a `yuv420p` frame (locked after `state`).
    scratch: Mutex<Vec<u8>>,
    closed: AtomicBool,
    /// f64 bits of the duration of the last `rtenc::Encoder::encode` call in ms.
    last_encode_ms: AtomicU64,
}

fn value_error(msg: String) -> PyErr {
    PyValueError::new_err(msg)
}

/// A damage hint as Python passes it: `(x, y, width, height)` tuples in luma samples.
type DamageArg = Option<Vec<(i64, i64, i64, i64)>>;

fn damage_rects(damage: DamageArg) -> PyResult<Option<Vec<Rect>>> {
    damage
        .map(|rects| {
            rects
                .into_iter()
                .map(|(x, y, w, h)| {
                    let field = |v: i64| u32::try_from(v).ok();
                    match (field(x), field(y), field(w), field(h)) {
                        (Some(x), Some(y), Some(w), Some(h)) => Ok(Rect::new(x, y, w, h)),
                        _ => Err(value_error(format!(
                            "damage rectangles are (x, y, width, height) with values in \
                             0..2**32, got ({x}, {y}, {w}, {h})"
                        ))),
                    }
                })
                .collect()
        })
        .transpose()
}

/// The three buffers of a `yuv420p` frame passed as a `(y, u, v)` tuple or list.
pub(crate) fn plane_views(frame: &Bound<'_, PyAny>) -> PyResult<[BufferView; 3]> {
    let items: Vec<Bound<'_, PyAny>> = if let Ok(t) = frame.cast::<PyTuple>() {
        t.iter().collect()
    } else if let Ok(l) = frame.cast::<PyList>() {
        l.iter().collect()
    } else {
        return Err(value_error(format!(
            "yuv420p: expected a (y, u, v) tuple of planes, got {}",
            crate::pybuffer::type_name(frame)
        )));
    };
    let [y, u, v] = <[_; 3]>::try_from(items).map_err(|items: Vec<_>| {
        value_error(format!(
            "yuv420p: expected 3 planes (y, u, v), got {}",
            items.len()
        ))
    })?;
    Ok([
        BufferView::get(&y, Access::Read, "Y plane")?,
        BufferView::get(&u, Access::Read, "U plane")?,
        BufferView::get(&v, Access::Read, "V plane")?,
    ])
}

/// A colour tag given as a Python int: `None` keeps rtenc's default (6, BT.601).
fn colour_code(v: Option<i64>, name: &str) -> PyResult<u8> {
    match v {
        None => Ok(rtenc::DEFAULT_COLOUR_CODE),
        Some(c) => u8::try_from(c).map_err(|_| {
            value_error(format!(
                "{name} must be an H.264 VUI code (0..=255), got {c}"
            ))
        }),
    }
}

/// Converts the Python-level parameters to an rtenc [`Config`].
#[allow(clippy::too_many_arguments)]
fn config(
    width: i64,
    height: i64,
    fps: f64,
    gop: i64,
    bitrate: i64,
    realtime: bool,
    low_latency: bool,
    qp: Option<i64>,
    min_qp: Option<i64>,
    max_qp: Option<i64>,
    vbv: Option<i64>,
    threads: i64,
    primaries: Option<i64>,
    transfer: Option<i64>,
    preset: Option<&str>,
    intra_refresh: Option<bool>,
) -> PyResult<Config> {
    let dim = |v: i64, name: &str| {
        u32::try_from(v)
            .ok()
            .filter(|&d| d >= 16 && d % 2 == 0)
            .ok_or_else(|| {
                value_error(format!(
                    "{name} must be an even number of pixels >= 16 (NV12), got {v}"
                ))
            })
    };
    let qp_value = |v: Option<i64>, name: &str| -> PyResult<Option<u8>> {
        v.map(|q| {
            u8::try_from(q)
                .ok()
                .filter(|&q| q <= 51)
                .ok_or_else(|| value_error(format!("{name} must be in 0..=51, got {q}")))
        })
        .transpose()
    };
    let mut cfg = Config::new(dim(width, "width")?, dim(height, "height")?);
    if fps.is_nan() {
        return Err(value_error("fps must be a number, got nan".into()));
    }
    cfg.fps = if fps <= 0.0 { 30.0 } else { fps };
    cfg.gop = u32::try_from(gop.max(0))
        .map_err(|_| value_error(format!("gop must be < 2**32, got {gop}")))?;
    cfg.bitrate = u32::try_from(bitrate.max(0))
        .map_err(|_| value_error(format!("bitrate {bitrate} bit/s is too large")))?;
    cfg.qp = qp_value(qp, "qp")?;
    if let Some(q) = qp_value(min_qp, "min_qp")? {
        cfg.min_qp = q;
    }
    if let Some(q) = qp_value(max_qp, "max_qp")? {
        cfg.max_qp = q;
    }
    cfg.vbv_size = match vbv {
        Some(v) => Some(u32::try_from(v).ok().filter(|&v| v > 0).ok_or_else(|| {
            value_error(format!(
                "vbv must be a positive number of bits < 2**32, got {v}"
            ))
        })?),
        None if low_latency && cfg.bitrate > 0 => {
            let frames = f64::from(cfg.bitrate) * LOW_LATENCY_VBV_FRAMES / cfg.fps;
            // At least the 10 ms rtenc requires.
            Some(frames.max(f64::from(cfg.bitrate) / 100.0).ceil() as u32)
        }
        None => None,
    };
    cfg.preset = match preset {
        Some(name) => name.parse::<Preset>().map_err(value_error)?,
        None if realtime => Speed::Realtime.into(),
        None => Speed::Quality.into(),
    };
    cfg.threads = u32::try_from(threads).map_err(|_| {
        value_error(format!(
            "threads must be >= 0 (0 = one per core), got {threads}"
        ))
    })?;
    // Under low_latency, a rate-controlled stream with a keyframe period refreshes instead of
    // sending periodic IDRs its small buffer cannot hold.
    cfg.intra_refresh = intra_refresh
        .unwrap_or(low_latency && vbv.is_none() && cfg.constant_qp().is_none() && cfg.gop > 0);
    cfg.colour_primaries = colour_code(primaries, "primaries")?;
    cfg.transfer_characteristics = colour_code(transfer, "transfer")?;
    cfg.validate().map_err(|e| value_error(e.to_string()))?;
    Ok(cfg)
}

impl PyEncoder {
    fn check_open(&self) -> PyResult<()> {
        if self.closed.load(Ordering::Acquire) {
            return Err(PyRuntimeError::new_err(CLOSED));
        }
        Ok(())
    }

    /// Reads `frame` in place and encodes it with the GIL released.
    fn encode_frame(
        &self,
        py: Python<'_>,
        frame: &Bound<'_, PyAny>,
        force_idr: bool,
        damage: DamageArg,
    ) -> PyResult<EncodedFrame> {
        self.check_open()?;
        let damage = damage_rects(damage)?;
        // NV12 in one buffer, or yuv420p as a (y, u, v) tuple/list of planes.
        // (A tuple or list of any other length is no frame: the buffer path says so.)
        let planar = (frame.is_instance_of::<PyTuple>() || frame.is_instance_of::<PyList>())
            && frame.len().is_ok_and(|n| n == 3);
        let (view, planes) = if planar {
            (None, Some(plane_views(frame)?))
        } else {
            (Some(BufferView::get(frame, Access::Read, "frame")?), None)
        };
        let nv12 = match &view {
            Some(view) => Some(nv12_frame(view, self.width, self.height)?),
            None => None,
        };
        let yuv = match &planes {
            Some(views) => Some(yuv420p_planes(views, self.width, self.height)?),
            None => None,
        };
        let (w, h) = (self.width as usize, self.height as usize);
        let result = py.detach(|| {
            let mut state = self
                .state
                .lock()
                .map_err(|_| PyRuntimeError::new_err(POISONED))?;
            let encoder = state
                .as_mut()
                .ok_or_else(|| PyRuntimeError::new_err(CLOSED))?;
            let mut scratch = self
                .scratch
                .lock()
                .map_err(|_| PyRuntimeError::new_err(POISONED))?;
            let nv12 = match (nv12, &yuv) {
                (Some(nv12), _) => nv12,
                (None, Some([y, u, v])) => {
                    // The luma is read in place; only the chroma is interleaved.
                    scratch.resize(w * h / 2, 0);
                    i420_chroma_to_nv12(
                        u.data,
                        u.stride,
                        v.data,
                        v.stride,
                        w / 2,
                        h / 2,
                        &mut scratch,
                        w,
                    )
                    .and_then(|()| {
                        rtenc::Nv12Frame::new(
                            self.width,
                            self.height,
                            y.data,
                            y.stride,
                            &scratch,
                            w,
                        )
                    })
                    .map_err(|e| value_error(format!("yuv420p: {e}")))?
                }
                (None, None) => unreachable!("one of the two inputs was mapped"),
            };
            let start = Instant::now();
            // A panic leaves the encoder in an unknown state: it is dropped (closed).
            let au = crate::panic_guard(|| {
                Ok(match &damage {
                    Some(rects) => encoder.encode_with_damage(&nv12, force_idr, rects),
                    None => encoder.encode(&nv12, force_idr),
                })
            });
            let au = match au {
                Ok(au) => au,
                Err(e) => {
                    *state = None;
                    self.closed.store(true, Ordering::Release);
                    return Err(e);
                }
            };
            let ms = start.elapsed().as_secs_f64() * 1e3;
            self.last_encode_ms.store(ms.to_bits(), Ordering::Release);
            au.map_err(|e| value_error(e.to_string()))
        });
        drop(view);
        drop(planes);
        result
    }
}

#[pymethods]
impl PyEncoder {
    #[new]
    #[pyo3(signature = (
        width, height, codec = "h264", fps = 30.0, gop = 30, bitrate = 12_000_000,
        realtime = true, low_latency = true, *,
        qp = None, min_qp = None, max_qp = None, vbv = None, threads = 0,
        primaries = None, transfer = None, preset = None, intra_refresh = None
    ))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        width: i64,
        height: i64,
        codec: &str,
        fps: f64,
        gop: i64,
        bitrate: i64,
        realtime: bool,
        low_latency: bool,
        qp: Option<i64>,
        min_qp: Option<i64>,
        max_qp: Option<i64>,
        vbv: Option<i64>,
        threads: i64,
        primaries: Option<i64>,
        transfer: Option<i64>,
        preset: Option<&str>,
        intra_refresh: Option<bool>,
    ) -> PyResult<Self> {
        if codec != "h264" {
            return Err(value_error(format!(
                "only codec='h264' is supported, got {codec:?}"
            )));
        }
        let cfg = config(
            width,
            height,
            fps,
            gop,
            bitrate,
            realtime,
            low_latency,
            qp,
            min_qp,
            max_qp,
            vbv,
            threads,
            primaries,
            transfer,
            preset,
            intra_refresh,
        )?;
        let fps = cfg.fps;
        let slices = cfg.slice_count();
        let encoder = crate::panic_guard(|| {
            rtenc::Encoder::new(cfg).map_err(|e| value_error(e.to_string()))
        })?;
        Ok(PyEncoder {
            width: width as u32,
            height: height as u32,
            codec_string: encoder.codec_string(),
            fps,
            slices,
            state: Mutex::new(Some(encoder)),
            scratch: Mutex::new(Vec::new()),
            closed: AtomicBool::new(false),
            last_encode_ms: AtomicU64::new(0f64.to_bits()),
        })
    }

    /// encode(frame, force_idr=False, *, damage=None) -> bytes
    ///
    /// Encodes one NV12 frame and returns its complete H.264 Annex B access unit (SPS, PPS and
    /// an IDR slice for keyframes). ``frame`` is read in place, never copied: a C-contiguous
    /// ``(height * 3 // 2, width)`` uint8 array, a flat buffer of exactly
    /// ``width * height * 3 // 2`` bytes, or a 2-D uint8 array whose rows are padded (row
    /// stride > width, inner stride 1). Do not modify it from another thread during the call.
    /// ``force_idr`` makes this frame a keyframe. A ``(y, u, v)`` tuple (or list) of planes is
    /// a ``yuv420p`` (I420) frame: ``y`` ``(height, width)``, ``u`` and ``v`` ``(height // 2,
    /// width // 2)`` uint8 arrays (inner stride 1, rows may be padded) or flat buffers of
    /// exactly that size; the luma is read in place, the chroma interleaved into a buffer the
    /// encoder keeps.
    ///
    /// ``damage``, a list of ``(x, y, width, height)`` rectangles in pixels, promises that
    /// nothing outside them changed since the previous frame: the encoder then looks only
    /// inside them (``[]``: nothing changed). A wrong hint leaves stale content on screen until
    /// the next keyframe; keyframes ignore it.
    #[pyo3(signature = (frame, force_idr = false, *, damage = None))]
    fn encode<'py>(
        &self,
        py: Python<'py>,
        frame: &Bound<'py, PyAny>,
        force_idr: bool,
        damage: DamageArg,
    ) -> PyResult<Bound<'py, PyBytes>> {
        let au = self.encode_frame(py, frame, force_idr, damage)?;
        Ok(PyBytes::new(py, &au.data))
    }

    /// submit(frame, seq, force_idr=False, *, damage=None) -> list[tuple[int, bytes, bool]]
    ///
    /// The pipelined interface of pdum.vtenc: encodes ``frame`` tagged ``seq`` and returns the
    /// access units ready now as ``(seq, access_unit, keyframe)`` tuples. rtenc never holds a
    /// frame back, so this is always exactly this frame's. ``damage`` as for ``encode``.
    #[pyo3(signature = (frame, seq, force_idr = false, *, damage = None))]
    fn submit<'py>(
        &self,
        py: Python<'py>,
        frame: &Bound<'py, PyAny>,
        seq: i64,
        force_idr: bool,
        damage: DamageArg,
    ) -> PyResult<Bound<'py, PyList>> {
        let au = self.encode_frame(py, frame, force_idr, damage)?;
        let item = PyTuple::new(
            py,
            [
                seq.into_pyobject(py)?.into_any(),
                PyBytes::new(py, &au.data).into_any(),
                pyo3::types::PyBool::new(py, au.keyframe)
                    .to_owned()
                    .into_any(),
            ],
        )?;
        PyList::new(py, [item])
    }

    /// flush_pipeline() -> list[tuple[int, bytes, bool]]
    ///
    /// Returns the access units still in flight after ``submit``: always ``[]`` (1-in-1-out).
    fn flush_pipeline<'py>(&self, py: Python<'py>) -> Bound<'py, PyList> {
        PyList::empty(py)
    }

    /// flush() -> bytes
    ///
    /// Returns any buffered output: always ``b""`` (rtenc never holds a frame back), also after
    /// ``close()``.
    fn flush<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        let data = py.detach(|| -> PyResult<Vec<u8>> {
            let mut state = self
                .state
                .lock()
                .map_err(|_| PyRuntimeError::new_err(POISONED))?;
            let Some(encoder) = state.as_mut() else {
                return Ok(Vec::new());
            };
            let frames = crate::panic_guard(|| Ok(encoder.flush()))?
                .map_err(|e| value_error(e.to_string()))?;
            Ok(frames.into_iter().flat_map(|f| f.data).collect())
        })?;
        Ok(PyBytes::new(py, &data))
    }

    /// close() -> None
    ///
    /// Frees the encoder. Later ``encode``/``submit`` calls raise
    /// ``RuntimeError("encoder is closed")``; ``flush`` returns ``b""``. Closing twice is fine.
    /// Waits for an ``encode`` running in another thread to finish.
    fn close(&self, py: Python<'_>) -> PyResult<()> {
        self.closed.store(true, Ordering::Release);
        let encoder = py.detach(|| match self.state.lock() {
            Ok(mut state) => state.take(),
            Err(poisoned) => poisoned.into_inner().take(),
        });
        // Dropping runs rtenc's code too (worker threads are joined): guarded like the rest.
        crate::panic_guard(|| {
            drop(encoder);
            Ok(())
        })
    }

    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    #[pyo3(signature = (*_args))]
    fn __exit__(&self, py: Python<'_>, _args: &Bound<'_, PyTuple>) -> PyResult<bool> {
        self.close(py)?;
        Ok(false)
    }

    /// Picture width in pixels.
    #[getter]
    fn width(&self) -> u32 {
        self.width
    }

    /// Picture height in pixels.
    #[getter]
    fn height(&self) -> u32 {
        self.height
    }

    /// Frames per second the stream is timed at (``fps <= 0`` was taken as 30).
    #[getter]
    fn fps(&self) -> f64 {
        self.fps
    }

    /// RFC 6381 codec string of the stream (``avc1.42C0xx``), read from the SPS the encoder
    /// emits; valid from construction.
    #[getter]
    fn codec_string(&self) -> &str {
        &self.codec_string
    }

    /// Milliseconds the last ``encode``/``submit`` spent in rtenc's encoder (0.0 before the
    /// first frame).
    #[getter]
    fn last_encode_ms(&self) -> f64 {
        f64::from_bits(self.last_encode_ms.load(Ordering::Acquire))
    }

    /// Milliseconds the last ``encode`` spent copying the input before encoding: always 0.0,
    /// since frames are read in place.
    #[getter]
    fn last_copy_ms(&self) -> f64 {
        0.0
    }

    /// Threads (slices) coding each frame, as resolved from ``threads`` (0 = one per core).
    #[getter]
    fn threads(&self) -> usize {
        self.slices
    }

    /// True once ``close()`` was called.
    #[getter]
    fn closed(&self) -> bool {
        self.closed.load(Ordering::Acquire)
    }

    fn __repr__(&self) -> String {
        format!(
            "rtenc.Encoder({}x{}, {}{})",
            self.width,
            self.height,
            self.codec_string,
            if self.closed() { ", closed" } else { "" }
        )
    }
}
