//! `rtenc serve` end to end: the real binary on a free loopback port, WebSocket viewers made
//! with tungstenite, and ffmpeg as the judge of the received stream.
//!
//! Every test is bounded in time: sockets have read timeouts, and the server is killed if a test
//! fails before it stops it.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use tungstenite::protocol::frame::coding::CloseCode;
use tungstenite::{Message, WebSocket};

type Ws = WebSocket<TcpStream>;

/// A running `rtenc serve`.
struct Server {
    child: Child,
    /// `127.0.0.1:port`
    addr: String,
    /// The URL it printed.
    url: String,
    /// Lines the server printed on standard output and standard error.
    lines: mpsc::Receiver<String>,
    /// Those read while waiting for the URL.
    startup: Vec<String>,
}

impl Server {
    /// Starts `rtenc serve --bind 127.0.0.1:0 <args>` and waits for its URL.
    fn start(args: &[&str]) -> Server {
        Self::start_bound("127.0.0.1:0", args)
    }

    fn start_bound(bind: &str, args: &[&str]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_rtenc"))
            .arg("serve")
            .args(["--bind", bind])
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start rtenc serve");
        let (tx, lines) = mpsc::channel();
        let out = child.stdout.take().unwrap();
        let err = child.stderr.take().unwrap();
        for r in [Box::new(out) as Box<dyn Read + Send>, Box::new(err)] {
            let tx = tx.clone();
            thread::spawn(move || {
                for line in BufReader::new(r).lines() {
                    let Ok(line) = line else { break };
                    if tx.send(line).is_err() {
                        break;
                    }
                }
            });
        }
        let mut server = Server {
            child,
            addr: String::new(),
            url: String::new(),
            lines,
            startup: Vec::new(),
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        let mut seen = Vec::new();
        while server.addr.is_empty() {
            let left = deadline.saturating_duration_since(Instant::now());
            match server.lines.recv_timeout(left) {
                Ok(line) => {
                    if let Some(url) = line.strip_prefix("open http://") {
                        server.addr = url.split('/').next().unwrap().to_string();
                        server.url = line["open ".len()..].to_string();
                    }
                    seen.push(line);
                }
                Err(_) => panic!("rtenc serve printed no URL; it printed: {seen:#?}"),
            }
        }
        server.startup = seen;
        server
    }

    /// Opens a WebSocket at `/ws<query>`.
    fn connect(&self, query: &str) -> Result<Ws, tungstenite::Error> {
        let stream = TcpStream::connect(&self.addr).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        stream
            .set_write_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let url = format!("ws://{}/ws{query}", self.addr);
        tungstenite::client(url.as_str(), stream)
            .map(|(ws, _)| ws)
            .map_err(|e| match e {
                tungstenite::HandshakeError::Failure(e) => e,
                tungstenite::HandshakeError::Interrupted(_) => panic!("handshake interrupted"),
            })
    }

    fn viewer(&self) -> Ws {
        self.connect("").expect("connect a viewer")
    }

    /// GET `path`: status and body.
    fn get(&self, path: &str) -> (u16, String) {
        let mut s = TcpStream::connect(&self.addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        write!(
            s,
            "GET {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
            self.addr
        )
        .unwrap();
        let mut resp = String::new();
        s.read_to_string(&mut resp).unwrap();
        let status = resp[9..12].parse().unwrap();
        let body = resp.split_once("\r\n\r\n").unwrap().1.to_string();
        (status, body)
    }

    fn stats(&self, query: &str) -> serde_json::Value {
        let (status, body) = self.get(&format!("/stats.json{query}"));
        assert_eq!(status, 200, "{body}");
        serde_json::from_str(&body).unwrap()
    }

    /// Sends SIGINT and waits at most `limit` for the exit.
    fn interrupt(&mut self, limit: Duration) -> ExitStatus {
        let pid = self.child.id().to_string();
        let ok = Command::new("kill").args(["-INT", &pid]).status().unwrap();
        assert!(ok.success());
        let deadline = Instant::now() + limit;
        loop {
            if let Some(st) = self.child.try_wait().unwrap() {
                return st;
            }
            assert!(
                Instant::now() < deadline,
                "rtenc serve did not stop within {limit:?} of SIGINT"
            );
            thread::sleep(Duration::from_millis(20));
        }
    }

    /// Lines printed so far.
    fn output(&self) -> Vec<String> {
        let mut v = self.startup.clone();
        v.extend(self.lines.try_iter());
        v
    }

    /// Resident memory of the server in KiB (Linux), if known.
    fn rss_kib(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).ok()?;
        let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
        line.split_whitespace().nth(1)?.parse().ok()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One received frame message.
#[derive(Debug)]
struct Frame {
    seq: u64,
    key: bool,
    capture_us: u64,
    au: Vec<u8>,
}

fn parse(m: &[u8]) -> Frame {
    assert!(m.len() > 24, "frame message of {} bytes", m.len());
    assert_eq!(m[0], 1, "protocol version");
    let hl = u16::from_be_bytes([m[2], m[3]]) as usize;
    assert_eq!(hl, 24);
    Frame {
        key: m[1] & 1 != 0,
        seq: u64::from_be_bytes(m[8..16].try_into().unwrap()),
        capture_us: u64::from_be_bytes(m[16..24].try_into().unwrap()),
        au: m[hl..].to_vec(),
    }
}

fn interrupted(e: &tungstenite::Error) -> bool {
    matches!(e, tungstenite::Error::Io(e) if e.kind() == std::io::ErrorKind::Interrupted)
}

/// The next frame message (pings and pongs are skipped).
fn recv(ws: &mut Ws) -> Frame {
    loop {
        match ws.read() {
            Ok(Message::Binary(b)) => return parse(&b),
            Ok(Message::Ping(_) | Message::Pong(_)) => {}
            Ok(other) => panic!("expected a binary frame message, got {other:?}"),
            // A signal (e.g. a child's exit) interrupted the read: tungstenite resumes.
            Err(e) if interrupted(&e) => {}
            Err(e) => panic!("read a frame: {e}"),
        }
    }
}

/// NAL unit types of an Annex B access unit, which must start with a start code.
fn nal_types(au: &[u8]) -> Vec<u8> {
    assert!(
        au.starts_with(&[0, 0, 0, 1]) || au.starts_with(&[0, 0, 1]),
        "no start code"
    );
    let mut types = Vec::new();
    let mut i = 0;
    while i + 3 <= au.len() {
        if au[i] == 0 && au[i + 1] == 0 && au[i + 2] == 1 {
            if let Some(&b) = au.get(i + 3) {
                types.push(b & 0x1f);
            }
            i += 3;
        } else {
            i += 1;
        }
    }
    types
}

fn assert_idr(f: &Frame) {
    assert!(f.key, "frame {} is not flagged as an IDR", f.seq);
    let t = nal_types(&f.au);
    for want in [7, 8, 5] {
        assert!(
            t.contains(&want),
            "IDR {} lacks NAL type {want}: {t:?}",
            f.seq
        );
    }
}

/// Receives `n` frames and checks that their sequence numbers are consecutive.
fn recv_consecutive(ws: &mut Ws, n: usize) -> Vec<Frame> {
    let mut v: Vec<Frame> = Vec::with_capacity(n);
    for _ in 0..n {
        let f = recv(ws);
        if let Some(p) = v.last() {
            assert_eq!(f.seq, p.seq + 1, "a gap in the stream");
        }
        if f.key {
            assert_idr(&f);
        } else {
            assert_eq!(nal_types(&f.au), vec![1], "frame {}", f.seq);
        }
        v.push(f);
    }
    v
}

/// Reads until the server closes the socket; the close code, if it sent one.
fn expect_closed(ws: &mut Ws) -> Option<CloseCode> {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        match ws.read() {
            Ok(Message::Close(frame)) => return frame.map(|f| f.code),
            Ok(_) => {}
            Err(e) if interrupted(&e) => {}
            Err(tungstenite::Error::Io(e))
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                panic!("the server did not close the socket")
            }
            Err(_) => return None,
        }
    }
    panic!("the server did not close the socket in time")
}

fn http_status(e: tungstenite::Error) -> u16 {
    match e {
        tungstenite::Error::Http(r) => r.status().as_u16(),
        other => panic!("expected an HTTP refusal, got {other}"),
    }
}

fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("rtenc-serve-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

/// ffmpeg, or `None` after a notice; in CI (`CI=true`) a missing ffmpeg fails the test.
fn ffmpeg() -> Option<&'static str> {
    let ok = Command::new("ffmpeg")
        .arg("-version")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if ok {
        return Some("ffmpeg");
    }
    assert_ne!(
        std::env::var("CI").as_deref(),
        Ok("true"),
        "ffmpeg is required in CI"
    );
    eprintln!("notice: ffmpeg not found; skipping");
    None
}

/// Decodes `frames` (concatenated) with ffmpeg, which must report nothing, and returns the
/// number of decoded pictures.
fn ffmpeg_frame_count(ff: &str, frames: &[Frame], name: &str, w: usize, h: usize) -> usize {
    let stream: Vec<u8> = frames.iter().flat_map(|f| f.au.iter().copied()).collect();
    let input = scratch(&format!("{name}.h264"));
    let output = scratch(&format!("{name}.nv12"));
    std::fs::write(&input, &stream).unwrap();
    let o = Command::new(ff)
        .args(["-nostdin", "-v", "error", "-err_detect", "explode"])
        .args(["-threads", "1", "-f", "h264", "-i"])
        .arg(&input)
        .args([
            "-f",
            "rawvideo",
            "-pix_fmt",
            "nv12",
            "-fps_mode",
            "passthrough",
            "-y",
        ])
        .arg(&output)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success() && err.trim().is_empty(), "ffmpeg: {err}");
    let len = std::fs::metadata(&output).unwrap().len() as usize;
    assert_eq!(len % (w * h * 3 / 2), 0);
    len / (w * h * 3 / 2)
}

const SMALL: [&str; 4] = ["--size", "320x240", "--fps", "30"];

#[test]
fn first_message_is_an_idr_and_the_stream_decodes() {
    let server = Server::start(&SMALL);
    let (status, body) = server.get("/config.json");
    assert_eq!(status, 200);
    let cfg: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert!(
        cfg["codec"].as_str().unwrap().starts_with("avc1.42C0"),
        "{cfg}"
    );
    assert_eq!(
        (cfg["width"].as_u64(), cfg["height"].as_u64()),
        (Some(320), Some(240))
    );
    let (status, page) = server.get("/");
    assert!(status == 200 && page.contains("<canvas") && page.contains("app.js"));
    let (status, js) = server.get("/app.js");
    assert!(status == 200 && js.contains("VideoDecoder") && js.contains("rtencStats"));
    assert_eq!(server.get("/nothing").0, 404);

    let mut ws = server.viewer();
    let frames = recv_consecutive(&mut ws, 75);
    assert_idr(&frames[0]);
    // Capture times are real (close to now) and do not go backwards.
    let now_us = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_micros() as u64;
    assert!(frames
        .windows(2)
        .all(|w| w[0].capture_us <= w[1].capture_us));
    assert!(now_us.abs_diff(frames[74].capture_us) < 5_000_000);
    // The default GOP is 2 s: 60 frames, so another IDR comes within 75 frames.
    assert!(frames[1..].iter().any(|f| f.key), "no periodic IDR");
    if let Some(ff) = ffmpeg() {
        assert_eq!(ffmpeg_frame_count(ff, &frames, "first", 320, 240), 75);
    }
}

#[test]
fn two_viewers_receive_continuous_streams() {
    let server = Server::start(&SMALL);
    let mut a = server.viewer();
    let mut b = server.viewer();
    let fa = recv(&mut a);
    let fb = recv(&mut b);
    assert_idr(&fa);
    assert_idr(&fb);
    let mut last = (fa.seq, fb.seq);
    let (mut got_a, mut got_b) = (vec![fa], vec![fb]);
    for _ in 0..45 {
        let x = recv(&mut a);
        let y = recv(&mut b);
        assert_eq!((x.seq, y.seq), (last.0 + 1, last.1 + 1), "a gap");
        last = (x.seq, y.seq);
        got_a.push(x);
        got_b.push(y);
    }
    let st = server.stats("");
    assert_eq!(st["viewers"], 2, "{st}");
    assert_eq!(st["frames_dropped"], 0, "{st}");
    if let Some(ff) = ffmpeg() {
        assert_eq!(ffmpeg_frame_count(ff, &got_a, "two-a", 320, 240), 46);
        assert_eq!(ffmpeg_frame_count(ff, &got_b, "two-b", 320, 240), 46);
    }
}

#[test]
fn a_keyframe_request_yields_an_idr_soon() {
    // --gop 0: the only IDRs are the ones asked for.
    let server = Server::start(&["--size", "320x240", "--fps", "30", "--gop", "0"]);
    let mut ws = server.viewer();
    let first = recv(&mut ws);
    assert_idr(&first);
    let p = recv_consecutive(&mut ws, 10);
    assert!(p.iter().all(|f| !f.key), "an IDR nobody asked for");
    for round in 0..3 {
        ws.send(Message::text(r#"{"type":"keyframe"}"#)).unwrap();
        let asked_after = p.last().unwrap().seq;
        let mut found = None;
        for _ in 0..15 {
            let f = recv(&mut ws);
            if f.key {
                assert_idr(&f);
                found = Some(f.seq);
                break;
            }
        }
        let seq = found.unwrap_or_else(|| panic!("round {round}: no IDR within 15 frames"));
        assert!(seq > asked_after);
        // Past the rate limit for one viewer's requests.
        thread::sleep(Duration::from_millis(250));
    }
    let st = server.stats("");
    assert_eq!(st["keyframe_requests"], 3, "{st}");
    assert!(st["forced_idrs"].as_u64().unwrap() >= 4, "{st}"); // the join and three requests
}

#[test]
fn tokens_are_checked() {
    let server = Server::start(&["--size", "64x48", "--token", "open sesame"]);
    assert_eq!(http_status(server.connect("").unwrap_err()), 401);
    assert_eq!(http_status(server.connect("?token=open").unwrap_err()), 403);
    assert_eq!(http_status(server.connect("?token=").unwrap_err()), 403);
    assert_eq!(server.get("/config.json").0, 401);
    assert_eq!(server.get("/stats.json?token=x").0, 403);
    // The page itself is public, so it can say what is wrong.
    assert_eq!(server.get("/").0, 200);
    let mut ws = server.connect("?token=open%20sesame").unwrap();
    assert_idr(&recv(&mut ws));
    let st = server.stats("?token=open+sesame");
    assert_eq!(st["unauthorized"], 5, "{st}");
    assert_eq!(st["viewers_total"], 1, "{st}");
}

#[test]
fn the_printed_url_carries_the_token_and_other_origins_are_refused() {
    let server = Server::start(&["--size", "64x48", "--token", "a&b c"]);
    // The page passes its own query on to /ws: the printed URL must work as it is.
    let (page, query) = server.url.split_once('?').expect("no token in the URL");
    assert_eq!(page, format!("http://{}/", server.addr));
    assert_eq!(query, "token=a%26b%20c");
    let mut ws = server.connect(&format!("?{query}")).unwrap();
    assert_idr(&recv(&mut ws));
    // A page of another origin may not connect (browsers send Origin).
    let stream = TcpStream::connect(&server.addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let req = tungstenite::client::IntoClientRequest::into_client_request(format!(
        "ws://{}/ws?token=a%26b%20c",
        server.addr
    ))
    .unwrap();
    let mut req = req;
    req.headers_mut()
        .insert("Origin", "http://evil.example".parse().unwrap());
    match tungstenite::client(req, stream) {
        Err(tungstenite::HandshakeError::Failure(e)) => assert_eq!(http_status(e), 403),
        _ => panic!("a foreign origin was accepted"),
    }
}

#[test]
fn the_viewer_limit_refuses_extra_viewers() {
    let server = Server::start(&["--size", "64x48", "--max-viewers", "2"]);
    let mut a = server.viewer();
    let mut b = server.viewer();
    assert_idr(&recv(&mut a));
    assert_idr(&recv(&mut b));
    assert_eq!(http_status(server.connect("").unwrap_err()), 503);
    // A place is given back when a viewer leaves.
    a.close(None).unwrap();
    drop(a);
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut c = loop {
        match server.connect("") {
            Ok(ws) => break ws,
            Err(e) => {
                assert_eq!(http_status(e), 503);
                assert!(Instant::now() < deadline, "the place was not given back");
                thread::sleep(Duration::from_millis(50));
            }
        }
    };
    assert_idr(&recv(&mut c));
    recv(&mut b);
    let st = server.stats("");
    assert!(st["viewers_refused"].as_u64().unwrap() >= 1, "{st}");
    assert_eq!(st["viewers"], 2, "{st}");
}

#[test]
fn bad_client_messages_close_only_that_socket() {
    let server = Server::start(&SMALL);
    let mut good = server.viewer();
    let mut last = recv(&mut good).seq;
    let mut keep_reading = |good: &mut Ws| {
        for _ in 0..5 {
            let f = recv(good);
            assert_eq!(f.seq, last + 1, "the good viewer lost frames");
            last = f.seq;
        }
    };
    let cases: Vec<(Message, Option<CloseCode>)> = vec![
        (Message::text("not json"), Some(CloseCode::Policy)),
        (
            Message::text(r#"{"type":"reboot"}"#),
            Some(CloseCode::Policy),
        ),
        (
            Message::binary(vec![1u8, 2, 3]),
            Some(CloseCode::Unsupported),
        ),
        // Longer than the protocol allows but within the WebSocket limit.
        (
            Message::text(format!(
                r#"{{"type":"keyframe","pad":"{}"}}"#,
                "x".repeat(400)
            )),
            Some(CloseCode::Policy),
        ),
        // Far beyond the WebSocket limit: refused before it is read whole.
        (Message::binary(vec![0u8; 1 << 20]), None),
        (Message::text("x".repeat(64 * 1024)), None),
    ];
    let n = cases.len();
    for (msg, want) in cases {
        let mut bad = server.viewer();
        let _ = bad.send(msg);
        let code = expect_closed(&mut bad);
        if want.is_some() {
            assert_eq!(code, want);
        }
        keep_reading(&mut good);
    }
    let st = server.stats("");
    assert_eq!(st["rejected_messages"], n, "{st}");
    assert_eq!(st["viewers"], 1, "{st}");
}

#[test]
fn a_slow_viewer_does_not_stall_the_others() {
    // Big frames (QP 4, 640x360) fill the slow viewer's socket buffers quickly.
    let server = Server::start(&["--size", "640x360", "--fps", "30", "--qp", "4"]);
    let mut fast = server.viewer();
    // The slow viewer never reads.
    let slow = server.viewer();
    let first = recv(&mut fast);
    let t0 = Instant::now();
    let mut last = first.seq;
    // Read until the slow viewer has overflowed and then for 60 more frames (2 s of video):
    // no frame rate is asserted, since the machine may be busy, only that the stream goes on
    // without a gap.
    let mut rss = Vec::new();
    let mut n = 0u64;
    let mut overflow_at = None;
    loop {
        let f = recv(&mut fast);
        assert_eq!(f.seq, last + 1, "the fast viewer lost frames");
        last = f.seq;
        n += 1;
        if n % 10 == 0 {
            if overflow_at.is_none() && server.stats("")["overflows"].as_u64() >= Some(1) {
                overflow_at = Some(n);
            }
            if overflow_at.is_some() {
                rss.extend(server.rss_kib());
            }
        }
        if overflow_at.is_some_and(|k| n >= k + 60) {
            break;
        }
        assert!(
            t0.elapsed() < Duration::from_secs(60),
            "the slow viewer never overflowed: {}",
            server.stats("")
        );
    }
    let st = server.stats("");
    assert!(st["frames_dropped"].as_u64() > Some(0), "{st}");
    // The slow viewer is still there with at most a full queue, unless this test ran so slowly
    // that its socket had accepted nothing for 10 s and the server disconnected it.
    let viewers = st["viewer"].as_array().unwrap();
    match viewers.iter().find(|v| v["dropped"].as_u64().unwrap() > 0) {
        Some(v) => assert!(v["queued"].as_u64().unwrap() <= 8, "{st}"),
        None => assert_eq!(st["stalled_viewers"], 1, "{st}"),
    }
    // The stuck viewer does not make every frame an IDR (it asks only once it has drained).
    let keyframes = st["keyframes"].as_u64().unwrap();
    let frames = st["frames_encoded"].as_u64().unwrap();
    assert!(
        keyframes * 4 < frames,
        "{keyframes} IDRs in {frames} frames: {st}"
    );
    // Memory stays bounded: no growth while the slow viewer is stuck.
    if let (Some(early), Some(late)) = (rss.first(), rss.last()) {
        assert!(
            *late < early + 16 * 1024,
            "resident memory grew from {early} KiB to {late} KiB"
        );
    }
    drop(slow);
}

#[test]
fn a_file_source_loops() {
    let (w, h) = (96usize, 64usize);
    let scene = rtenc_synth::DemoScene::new(w as u32, h as u32);
    let mut y4m = format!("YUV4MPEG2 W{w} H{h} F25:1 Ip A1:1 C420jpeg\n").into_bytes();
    for i in 0..7 {
        let f = scene.frame(i);
        y4m.extend_from_slice(b"FRAME\n");
        y4m.extend_from_slice(&f[..w * h]);
        y4m.extend(f[w * h..].iter().step_by(2));
        y4m.extend(f[w * h + 1..].iter().step_by(2));
    }
    let input = scratch("loop.y4m");
    std::fs::write(&input, &y4m).unwrap();
    let server = Server::start(&["--source", input.to_str().unwrap()]);
    let cfg: serde_json::Value = serde_json::from_str(&server.get("/config.json").1).unwrap();
    assert_eq!(cfg["fps"], 25.0);
    let mut ws = server.viewer();
    let frames = recv_consecutive(&mut ws, 20);
    assert_idr(&frames[0]);
    if let Some(ff) = ffmpeg() {
        assert_eq!(ffmpeg_frame_count(ff, &frames, "loop", w, h), 20);
    }
}

#[test]
fn clear_errors_for_bad_arguments() {
    let run = |args: &[&str]| {
        let o = Command::new(env!("CARGO_BIN_EXE_rtenc"))
            .arg("serve")
            .args(args)
            .output()
            .unwrap();
        (
            o.status.code(),
            String::from_utf8_lossy(&o.stderr).to_string(),
        )
    };
    let (code, err) = run(&["--source", "missing.y4m"]);
    assert_eq!(code, Some(1));
    assert!(err.contains("cannot open missing.y4m"), "{err}");
    let (code, err) = run(&["--source", "-"]);
    assert!(code == Some(1) && err.contains("not supported"), "{err}");
    let (code, err) = run(&["--size", "15x16"]);
    assert!(code == Some(1) && err.contains("even"), "{err}");
    let (code, err) = run(&["--bind", "nonsense", "--size", "64x48"]);
    assert!(code == Some(1) && err.contains("--bind"), "{err}");
    let (code, err) = run(&["--token", "", "--size", "64x48"]);
    assert!(code == Some(1) && err.contains("token"), "{err}");
    // A port in use.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let (code, err) = run(&["--bind", &addr, "--size", "64x48"]);
    assert!(code == Some(1) && err.contains("cannot listen"), "{err}");
}

#[test]
fn sigint_stops_the_server_cleanly() {
    let mut server = Server::start(&SMALL);
    let mut ws = server.viewer();
    assert_idr(&recv(&mut ws));
    let st = server.interrupt(Duration::from_secs(10));
    assert!(st.success(), "exit status {st:?}");
    // The viewer was told why.
    assert_eq!(expect_closed(&mut ws), Some(CloseCode::Away));
    thread::sleep(Duration::from_millis(100));
    let out = server.output();
    assert!(out.iter().any(|l| l.contains("stopped after")), "{out:#?}");
    assert!(!out.iter().any(|l| l.contains("panicked")), "{out:#?}");
    // At once after the URL, with nobody watching, too.
    let mut idle = Server::start(&SMALL);
    let st = idle.interrupt(Duration::from_secs(10));
    assert!(st.success(), "exit status {st:?}");
}

#[test]
fn a_slow_viewer_does_not_delay_shutdown_and_other_addresses_warn() {
    let mut server = Server::start_bound("0.0.0.0:0", &["--size", "640x360", "--qp", "4"]);
    thread::sleep(Duration::from_millis(100));
    let out = server.output();
    assert!(
        out.iter()
            .any(|l| l.contains("warning") && l.contains("not loopback")),
        "{out:#?}"
    );
    let _slow = server.viewer(); // never reads
    thread::sleep(Duration::from_secs(2));
    let st = server.interrupt(Duration::from_secs(10));
    assert!(st.success(), "exit status {st:?}");
}

#[test]
fn the_page_script_parses() {
    // Node is not a CI requirement: without it this check is skipped (the browser test covers
    // the page for real).
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/src/serve/page.js");
    match Command::new("node").arg("--check").arg(script).output() {
        Ok(o) => assert!(
            o.status.success(),
            "page.js: {}",
            String::from_utf8_lossy(&o.stderr)
        ),
        Err(_) => eprintln!("notice: node not found; page.js not checked"),
    }
}
