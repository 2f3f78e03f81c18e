//! Arbitrary buffers, strides and sizes into `Nv12Frame::new` / `from_contiguous`, then into an
//! encoder: every malformed frame is an `InvalidFrame` error (never a panic), a well-formed one
//! is accepted exactly when the documented conditions hold, and a frame of the wrong size is
//! refused by `encode` while the encoder keeps working.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use rtenc::{Config, Encoder, Error, Nv12Frame};

#[derive(Debug, Arbitrary)]
struct Input {
    width: u32,
    height: u32,
    small: bool,
    y_stride: u64,
    uv_stride: u64,
    y_len: u32,
    uv_len: u32,
    contiguous_len: u32,
    value: u8,
}

fn is_frame_error(e: &Error) -> bool {
    matches!(e, Error::InvalidFrame(m) if !m.is_empty())
}

fuzz_target!(|input: Input| {
    let (width, height) = if input.small {
        (input.width % 80, input.height % 80)
    } else {
        (input.width, input.height)
    };
    // Strides: near the width most of the time, anything (up to usize::MAX) otherwise.
    let stride = |s: u64| -> usize {
        if s >> 62 == 0 {
            width as usize + (s % 64) as usize
        } else if s >> 62 == 1 {
            (s % 128) as usize
        } else {
            s as usize
        }
    };
    let (ys, uvs) = (stride(input.y_stride), stride(input.uv_stride));
    let cap = 1 << 18;
    let y = vec![input.value; input.y_len as usize % cap];
    let uv = vec![input.value ^ 0x80; input.uv_len as usize % cap];
    let (w, h) = (width as u128, height as u128);
    let dims_ok = width > 0 && height > 0 && width % 2 == 0 && height % 2 == 0;
    let new = Nv12Frame::new(width, height, &y, ys, &uv, uvs);
    let expect_ok = dims_ok
        && ys as u128 >= w
        && uvs as u128 >= w
        && (y.len() as u128) >= ys as u128 * (h - 1) + w
        && (uv.len() as u128) >= uvs as u128 * (h / 2 - 1) + w;
    match &new {
        Ok(_) => assert!(expect_ok, "accepted a malformed frame: {input:?}"),
        Err(e) => {
            assert!(!expect_ok, "refused a well-formed frame: {e}");
            assert!(is_frame_error(e), "{e:?}");
        }
    }
    let data = vec![input.value; input.contiguous_len as usize % cap];
    let contiguous = Nv12Frame::from_contiguous(&data, width, height);
    let expect_ok = dims_ok && data.len() as u128 == w * h * 3 / 2;
    match &contiguous {
        Ok(_) => assert!(expect_ok, "accepted a malformed contiguous frame"),
        Err(e) => {
            assert!(!expect_ok, "refused a well-formed contiguous frame: {e}");
            assert!(is_frame_error(e), "{e:?}");
        }
    }
    // Into an encoder of 32x32: only 32x32 frames are taken, the rest refused, and the encoder
    // keeps working afterwards.
    let mut enc = Encoder::new(Config::new(32, 32)).expect("valid config");
    for f in [new.ok(), contiguous.ok()].into_iter().flatten() {
        // Every accepted frame can be read whole.
        let (fw, fh) = (f.width() as usize, f.height() as usize);
        if fw * fh <= 1 << 20 {
            for r in 0..fh {
                assert_eq!(f.y_row(r).len(), fw);
            }
            for r in 0..fh / 2 {
                assert_eq!(f.uv_row(r).len(), fw);
            }
        }
        match enc.encode(&f, false) {
            Ok(au) => assert_eq!((f.width(), f.height()), (32, 32), "{}", au.size()),
            Err(e) => {
                assert_ne!((f.width(), f.height()), (32, 32), "{e}");
                assert!(is_frame_error(&e), "{e:?}");
            }
        }
    }
    let ok = vec![16u8; 32 * 32 * 3 / 2];
    let f = Nv12Frame::from_contiguous(&ok, 32, 32).unwrap();
    enc.encode(&f, false).expect("the encoder keeps working");
});
