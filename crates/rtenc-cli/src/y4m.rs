//! A small streaming YUV4MPEG2 reader for 8-bit 4:2:0 files: the stream header, then
//! `FRAME` lines each followed by one planar I420 picture.

use std::io::{self, BufRead, Read};

/// The magic at the start of every YUV4MPEG2 stream.
pub const MAGIC: &[u8] = b"YUV4MPEG2";

/// Longest header or FRAME line accepted (guards against reading a binary file as one line).
const MAX_LINE: u64 = 4096;

/// The parameters of a YUV4MPEG2 stream header that matter here.
#[derive(Debug, Clone, PartialEq)]
pub struct Y4mHeader {
    /// Width in luma samples.
    pub width: u32,
    /// Height in luma samples.
    pub height: u32,
    /// Frame rate as numerator and denominator, when the header gives a valid one.
    pub fps: Option<(u32, u32)>,
    /// The `C` parameter, if present (e.g. `420jpeg`).
    pub colorspace: Option<String>,
}

impl Y4mHeader {
    /// Frame rate in frames per second, if known.
    pub fn fps(&self) -> Option<f64> {
        self.fps.map(|(n, d)| f64::from(n) / f64::from(d))
    }

    /// Bytes of one I420 picture.
    pub fn frame_len(&self) -> usize {
        let (w, h) = (self.width as usize, self.height as usize);
        w * h + 2 * (w.div_ceil(2) * h.div_ceil(2))
    }
}

/// Parses a header line (without or with its trailing newline).
pub fn parse_header(line: &str) -> Result<Y4mHeader, String> {
    let line = line.trim_end_matches(['\n', '\r']);
    let mut tokens = line.split(' ').filter(|t| !t.is_empty());
    if tokens.next() != Some("YUV4MPEG2") {
        return Err("not a YUV4MPEG2 stream (the header must start with \"YUV4MPEG2 \")".into());
    }
    let (mut width, mut height, mut fps, mut colorspace) = (None, None, None, None);
    for t in tokens {
        let (tag, value) = t.split_at(1);
        match tag {
            "W" => width = Some(parse_dim(value, "width")?),
            "H" => height = Some(parse_dim(value, "height")?),
            "F" => {
                let bad =
                    || format!("bad Y4M frame rate {value:?} (expected N:D, e.g. 30000:1001)");
                let (n, d) = value.split_once(':').ok_or_else(bad)?;
                let n: u32 = n.parse().map_err(|_| bad())?;
                let d: u32 = d.parse().map_err(|_| bad())?;
                // F0:0 means "unknown".
                fps = (n > 0 && d > 0).then_some((n, d));
            }
            "C" => colorspace = Some(value.to_string()),
            // Interlacing, aspect ratio, comments and extensions don't change the sample layout.
            _ => {}
        }
    }
    let width = width.ok_or("Y4M header has no width (W parameter)")?;
    let height = height.ok_or("Y4M header has no height (H parameter)")?;
    if let Some(c) = &colorspace {
        // Chroma siting variants of 8-bit 4:2:0 all share the I420 layout.
        if !matches!(c.as_str(), "420" | "420jpeg" | "420paldv" | "420mpeg2") {
            return Err(format!(
                "unsupported Y4M colorspace C{c}: only 8-bit 4:2:0 (C420, C420jpeg, C420paldv, \
                 C420mpeg2) is supported; convert with e.g. \
                 `ffmpeg -i in.y4m -pix_fmt yuv420p out.y4m`"
            ));
        }
    }
    Ok(Y4mHeader {
        width,
        height,
        fps,
        colorspace,
    })
}

fn parse_dim(value: &str, what: &str) -> Result<u32, String> {
    match value.parse::<u32>() {
        Ok(v) if v > 0 => Ok(v),
        _ => Err(format!("bad Y4M {what} {value:?}")),
    }
}

/// Reads one line of at most [`MAX_LINE`] bytes; `None` at the end of the stream.
fn read_line(r: &mut impl BufRead, what: &str) -> Result<Option<String>, String> {
    let mut buf = Vec::new();
    r.take(MAX_LINE)
        .read_until(b'\n', &mut buf)
        .map_err(|e| format!("reading the Y4M {what}: {e}"))?;
    if buf.is_empty() {
        return Ok(None);
    }
    if buf.last() != Some(&b'\n') {
        return Err(format!("Y4M {what} is not terminated by a newline"));
    }
    buf.pop();
    String::from_utf8(buf)
        .map(Some)
        .map_err(|_| format!("Y4M {what} is not text"))
}

/// Streams the pictures of a YUV4MPEG2 file, one at a time.
#[derive(Debug)]
pub struct Y4mReader<R> {
    r: R,
    header: Y4mHeader,
    frames: u64,
}

impl<R: BufRead> Y4mReader<R> {
    /// Reads and checks the stream header.
    pub fn new(mut r: R) -> Result<Self, String> {
        let line = read_line(&mut r, "header")?.ok_or("empty input: no Y4M header")?;
        let header = parse_header(&line)?;
        Ok(Y4mReader {
            r,
            header,
            frames: 0,
        })
    }

    /// The stream header.
    pub fn header(&self) -> &Y4mHeader {
        &self.header
    }

    /// Reads the next picture as planar I420 into `buf` (resized to
    /// [`Y4mHeader::frame_len`]). Returns `false` at the end of the stream; a stream that ends
    /// inside a frame is an error.
    pub fn read_frame(&mut self, buf: &mut Vec<u8>) -> Result<bool, String> {
        let n = self.frames;
        let Some(line) = read_line(&mut self.r, &format!("FRAME line of frame {n}"))? else {
            return Ok(false);
        };
        if line != "FRAME" && !line.starts_with("FRAME ") {
            return Err(format!(
                "expected a FRAME line before frame {n}, found {:?}",
                trunc(&line)
            ));
        }
        buf.resize(self.header.frame_len(), 0);
        read_full(&mut self.r, buf).map_err(|got| {
            format!(
                "input ends inside frame {n}: got {got} of {} bytes",
                buf.len()
            )
        })?;
        self.frames += 1;
        Ok(true)
    }
}

fn trunc(s: &str) -> String {
    s.chars().take(40).collect()
}

/// Fills `buf` completely; on a short read returns how many bytes arrived (an I/O error counts
/// as the end).
pub fn read_full(r: &mut impl Read, buf: &mut [u8]) -> Result<(), usize> {
    let mut got = 0;
    while got < buf.len() {
        match r.read(&mut buf[got..]) {
            Ok(0) => return Err(got),
            Ok(k) => got += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => return Err(got),
        }
    }
    Ok(())
}

/// Converts planar I420 (`Y`, `U`, `V`) to NV12 (`Y`, interleaved `UV`) for even `w`, `h`.
pub fn i420_to_nv12(src: &[u8], w: usize, h: usize, dst: &mut Vec<u8>) {
    let (ys, cs) = (w * h, (w / 2) * (h / 2));
    assert_eq!(src.len(), ys + 2 * cs, "I420 buffer size for {w}x{h}");
    dst.clear();
    dst.extend_from_slice(&src[..ys]);
    let (u, v) = src[ys..].split_at(cs);
    dst.extend(u.iter().zip(v).flat_map(|(&a, &b)| [a, b]));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stream(header: &str, frames: &[&[u8]]) -> Vec<u8> {
        let mut s = header.as_bytes().to_vec();
        for f in frames {
            s.extend_from_slice(b"FRAME\n");
            s.extend_from_slice(f);
        }
        s
    }

    #[test]
    fn parses_common_headers() {
        let h = parse_header("YUV4MPEG2 W1920 H1080 F30000:1001 Ip A1:1 C420jpeg XYSCSS=420JPEG\n")
            .unwrap();
        assert_eq!((h.width, h.height), (1920, 1080));
        assert_eq!(h.fps, Some((30000, 1001)));
        assert!((h.fps().unwrap() - 29.97).abs() < 0.01);
        assert_eq!(h.colorspace.as_deref(), Some("420jpeg"));
        assert_eq!(h.frame_len(), 1920 * 1080 * 3 / 2);

        let h = parse_header("YUV4MPEG2 H2 W4").unwrap();
        assert_eq!((h.width, h.height, h.fps, h.colorspace), (4, 2, None, None));
        for c in ["C420", "C420paldv", "C420mpeg2"] {
            assert!(parse_header(&format!("YUV4MPEG2 W4 H2 {c}")).is_ok(), "{c}");
        }
        assert_eq!(parse_header("YUV4MPEG2 W4 H2 F0:0").unwrap().fps, None);
        assert_eq!(
            parse_header("YUV4MPEG2 W3 H3").unwrap().frame_len(),
            9 + 2 * 4
        );
    }

    #[test]
    fn rejects_bad_headers() {
        let err = |s: &str| parse_header(s).unwrap_err();
        assert!(err("YUV4MPEG W4 H2").contains("not a YUV4MPEG2"));
        assert!(err("YUV4MPEG2 H2").contains("width"));
        assert!(err("YUV4MPEG2 W4").contains("height"));
        assert!(err("YUV4MPEG2 W0 H2").contains("width"));
        assert!(err("YUV4MPEG2 Wabc H2").contains("width"));
        assert!(err("YUV4MPEG2 W4 H2 F30").contains("frame rate"));
        assert!(err("YUV4MPEG2 W4 H2 C444").contains("C444"));
        assert!(err("YUV4MPEG2 W4 H2 C420p10").contains("C420p10"));
        assert!(err("YUV4MPEG2 W4 H2 Cmono").contains("unsupported"));
    }

    #[test]
    fn streams_frames_and_detects_truncation() {
        let f0: Vec<u8> = (0..12).collect();
        let f1: Vec<u8> = (100..112).collect();
        let data = stream("YUV4MPEG2 W4 H2 F25:1 C420jpeg\n", &[&f0, &f1]);
        let mut r = Y4mReader::new(&data[..]).unwrap();
        assert_eq!(r.header().fps(), Some(25.0));
        let mut buf = Vec::new();
        assert!(r.read_frame(&mut buf).unwrap());
        assert_eq!(buf, f0);
        assert!(r.read_frame(&mut buf).unwrap());
        assert_eq!(buf, f1);
        assert!(!r.read_frame(&mut buf).unwrap());

        // FRAME lines may carry parameters.
        let mut data = b"YUV4MPEG2 W2 H2\nFRAME Ixyz\n".to_vec();
        data.extend_from_slice(&[1, 2, 3, 4, 5, 6]);
        let mut r = Y4mReader::new(&data[..]).unwrap();
        assert!(r.read_frame(&mut buf).unwrap());
        assert_eq!(buf, [1, 2, 3, 4, 5, 6]);

        let data = stream("YUV4MPEG2 W4 H2\n", &[&f0[..7]]);
        let mut r = Y4mReader::new(&data[..]).unwrap();
        let e = r.read_frame(&mut buf).unwrap_err();
        assert!(e.contains("inside frame 0") && e.contains("7 of 12"), "{e}");

        let data = b"YUV4MPEG2 W4 H2\nFRAMX\n".to_vec();
        let e = Y4mReader::new(&data[..])
            .unwrap()
            .read_frame(&mut buf)
            .unwrap_err();
        assert!(e.contains("expected a FRAME line"), "{e}");

        assert!(Y4mReader::new(&b""[..]).is_err());
        assert!(Y4mReader::new(&b"YUV4MPEG2 W4 H2"[..])
            .unwrap_err()
            .contains("newline"));
        assert!(Y4mReader::new(&vec![b'Y'; 10_000][..]).is_err());
    }

    #[test]
    fn converts_i420_to_nv12() {
        // 4x2: 8 luma, 2 U, 2 V.
        let src = [0, 1, 2, 3, 4, 5, 6, 7, 10, 11, 20, 21];
        let mut dst = Vec::new();
        i420_to_nv12(&src, 4, 2, &mut dst);
        assert_eq!(dst, [0, 1, 2, 3, 4, 5, 6, 7, 10, 20, 11, 21]);
    }
}
