//! `rtenc serve`: encodes a live source in real time and streams it to browsers over
//! WebSocket, one access unit per message, with a page that decodes it with WebCodecs.
//!
//! Threads: one encoder thread ([`live::run_encoder`]) paced to the frame rate, and a small
//! tokio runtime for HTTP and the viewers' sockets. They meet in the [`hub::Hub`]. The wire
//! format is described in [`protocol`].

mod http;
mod hub;
mod live;
mod protocol;

use std::net::{SocketAddr, ToSocketAddrs};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rtenc::{Config, Encoder};
use tokio::sync::{watch, Notify};

use crate::encode::{parse_bitrate, parse_size, CliResult, SpeedArg};
use crate::summary::fmt_fps;
use http::{App, StreamInfo};
use hub::Hub;
use live::Source;

/// Arguments of `rtenc serve`.
#[derive(clap::Args, Debug)]
pub struct ServeArgs {
    /// What to stream: `demo` (the built-in animated scene), a .y4m file or a raw NV12 file
    /// (needs --size); files play in a loop
    #[arg(long, default_value = "demo")]
    pub source: String,
    /// Picture size of the demo [default: 1280x720] or of raw NV12 input
    #[arg(long, value_parser = parse_size)]
    pub size: Option<(u32, u32)>,
    /// Frames per second [default: from the Y4M header, else 30]
    #[arg(long)]
    pub fps: Option<f64>,
    /// Target bitrate in bit/s; k and M suffixes allowed [default: about 0.09 bit per pixel, 2.5M
    /// at 1280x720 and 30 fps]
    #[arg(long, value_parser = parse_bitrate)]
    pub bitrate: Option<u32>,
    /// Constant QP, 0 (best) to 51 (smallest), instead of a bitrate
    #[arg(long, value_parser = clap::value_parser!(u8).range(0..=51), conflicts_with = "bitrate")]
    pub qp: Option<u8>,
    /// Keyframe interval in frames; 0 = only when a viewer needs one [default: 2 seconds].
    /// With --intra-refresh: the refresh period
    #[arg(long)]
    pub gop: Option<u32>,
    /// Intra refresh instead of periodic keyframes: a column of intra macroblocks sweeps the
    /// picture once per --gop frames, so frame sizes stay flat; a viewer that joins still gets
    /// an IDR (WebCodecs starts only there)
    #[arg(long)]
    pub intra_refresh: bool,
    /// Worker threads, one slice each; 0 = one per core
    #[arg(long, default_value_t = 1)]
    pub threads: u32,
    /// Speed preset, fastest first: ultrafast, superfast, veryfast (default), faster, fast,
    /// medium (each at least as fast as x264's preset of the same name; see the README)
    #[arg(long, value_parser = crate::encode::parse_preset)]
    pub preset: Option<rtenc::Preset>,
    /// Older alias of --preset: realtime = veryfast, quality = medium
    #[arg(long, value_enum, conflicts_with = "preset", hide_short_help = true)]
    pub speed: Option<SpeedArg>,
    /// Address to listen on; port 0 picks a free port
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub bind: String,
    /// Secret that viewers must give as ?token= (in the page's URL)
    #[arg(long)]
    pub token: Option<String>,
    /// Most viewers at once
    #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u32).range(1..=1024))]
    pub max_viewers: u32,
}

/// Socket send buffer per viewer, in bytes.
const SEND_BUFFER: usize = 256 * 1024;

/// The default bitrate: about 0.09 bit per pixel, at least 100 kbit/s.
fn default_bitrate(w: u32, h: u32, fps: f64) -> u32 {
    let bps = f64::from(w) * f64::from(h) * fps * 0.09;
    ((bps / 1e5).round() * 1e5).clamp(1e5, 50e6) as u32
}

/// Percent-encodes everything but RFC 3986's unreserved characters.
fn url_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The configuration the server encodes with.
fn config(args: &ServeArgs, w: u32, h: u32, file_fps: Option<f64>) -> Config {
    let mut cfg = Config::new(w, h);
    cfg.fps = args.fps.or(file_fps).unwrap_or(30.0);
    cfg.qp = args.qp;
    cfg.bitrate = match (args.qp, args.bitrate) {
        (Some(_), _) => 0,
        (None, Some(b)) => b,
        (None, None) => default_bitrate(w, h, cfg.fps),
    };
    cfg.gop = args
        .gop
        .unwrap_or_else(|| (cfg.fps * 2.0).round().clamp(1.0, 10_000.0) as u32);
    cfg.intra_refresh = args.intra_refresh;
    cfg.threads = args.threads;
    cfg.preset = crate::encode::preset_of(args.preset, args.speed);
    cfg
}

fn resolve(bind: &str) -> CliResult<SocketAddr> {
    bind.to_socket_addrs()
        .map_err(|e| format!("cannot use --bind {bind}: {e} (expected e.g. 127.0.0.1:8080)"))?
        .next()
        .ok_or_else(|| format!("--bind {bind} names no address"))
}

/// Ctrl-C (SIGINT) and SIGTERM, listened for from the moment this exists (a signal that comes
/// before the server runs must not kill the process the default way).
struct StopSignals {
    #[cfg(unix)]
    int: tokio::signal::unix::Signal,
    #[cfg(unix)]
    term: tokio::signal::unix::Signal,
}

impl StopSignals {
    /// Installs the handlers; needs a runtime context.
    fn install() -> CliResult<Self> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            let err = |e: std::io::Error| format!("cannot handle signals: {e}");
            Ok(StopSignals {
                int: signal(SignalKind::interrupt()).map_err(err)?,
                term: signal(SignalKind::terminate()).map_err(err)?,
            })
        }
        #[cfg(not(unix))]
        Ok(StopSignals {})
    }

    /// The next Ctrl-C or SIGTERM.
    async fn recv(&mut self) {
        #[cfg(unix)]
        tokio::select! {
            _ = self.int.recv() => {}
            _ = self.term.recv() => {}
        }
        #[cfg(not(unix))]
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// Stops the server when the encoder thread ends with an error or a panic.
struct EncoderGuard {
    hub: Arc<Hub>,
    failed: Arc<Notify>,
    ok: bool,
}

impl Drop for EncoderGuard {
    fn drop(&mut self) {
        if !self.ok {
            self.hub.stop();
            self.failed.notify_one();
        }
    }
}

/// `rtenc serve`.
pub fn cmd(args: ServeArgs) -> CliResult<()> {
    let opened = Source::open(&args.source, args.size)?;
    let (w, h) = (opened.width, opened.height);
    let cfg = config(&args, w, h, opened.fps);
    cfg.validate().map_err(|e| e.to_string())?;
    let codec = Encoder::new(cfg.clone())
        .map_err(|e| e.to_string())?
        .codec_string();
    let mut source = opened.source;
    source.set_fps(cfg.fps);
    if args.token.as_deref() == Some("") {
        return Err("--token must not be empty".into());
    }
    let addr = resolve(&args.bind)?;

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("rtenc-serve")
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))?;
    let listener = rt
        .block_on(tokio::net::TcpListener::bind(addr))
        .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    let local = listener
        .local_addr()
        .map_err(|e| format!("cannot listen on {addr}: {e}"))?;

    let mut signals = {
        let _in_runtime = rt.enter();
        StopSignals::install()?
    };

    let hub = Hub::new(args.max_viewers as usize);
    let (shutdown_tx, shutdown_rx) = watch::channel(false);
    let info = StreamInfo {
        codec: codec.clone(),
        width: w,
        height: h,
        fps: cfg.fps,
        bitrate: cfg.bitrate,
        qp: cfg.constant_qp(),
        gop: cfg.gop,
        source: args.source.clone(),
        protocol: protocol::VERSION,
        queue_frames: hub::QUEUE_FRAMES,
    };
    let app = Arc::new(App {
        hub: hub.clone(),
        token: args.token.clone(),
        info,
        shutdown: shutdown_rx,
        started: Instant::now(),
    });

    // The encoder thread; if it fails, the server stops.
    let failed = Arc::new(Notify::new());
    let encoder = {
        let (hub, failed, cfg) = (hub.clone(), failed.clone(), cfg.clone());
        std::thread::Builder::new()
            .name("rtenc-encoder".into())
            .spawn(move || {
                let mut guard = EncoderGuard {
                    hub: hub.clone(),
                    failed,
                    ok: false,
                };
                let r = live::run_encoder(cfg, source, hub);
                guard.ok = r.is_ok();
                r
            })
            .map_err(|e| format!("cannot start the encoder thread: {e}"))?
    };

    let rate = match cfg.constant_qp() {
        Some(qp) => format!("QP {qp}"),
        None => format!("{} kbit/s", cfg.bitrate / 1000),
    };
    let keyframes = if cfg.intra_refresh {
        format!("intra refresh every {} frames", cfg.gop)
    } else {
        format!("an IDR every {} frames", cfg.gop)
    };
    println!(
        "rtenc serve: {} {w}x{h} at {} fps, {rate}, {keyframes}, codec {codec}",
        args.source,
        fmt_fps(cfg.fps),
    );
    if !local.ip().is_loopback() {
        eprintln!(
            "rtenc: warning: listening on {local}, not loopback: other machines can connect{}. \
             Browsers enable WebCodecs only on https:// or localhost pages, so remote viewers \
             need an HTTPS proxy or an SSH tunnel.",
            if args.token.is_some() {
                " (with the token)"
            } else {
                " and watch; consider --token"
            }
        );
    }
    let host = if local.ip().is_unspecified() {
        SocketAddr::new([127, 0, 0, 1].into(), local.port())
    } else {
        local
    };
    let query = args
        .token
        .as_deref()
        .map(|t| format!("?token={}", url_encode(t)))
        .unwrap_or_default();
    println!("open http://{host}/{query}");
    println!("(Ctrl-C stops the server)");

    let served = rt.block_on(async {
        let stop = {
            let (hub, failed) = (hub.clone(), failed.clone());
            async move {
                tokio::select! {
                    _ = signals.recv() => {}
                    _ = failed.notified() => {}
                }
                hub.stop();
                let _ = shutdown_tx.send(true);
                // A second Ctrl-C while shutting down quits at once.
                tokio::spawn(async move {
                    signals.recv().await;
                    eprintln!("rtenc: interrupted again, quitting");
                    std::process::exit(130);
                });
            }
        };
        let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
            // Latency over throughput: send small messages at once, and keep little in the
            // kernel, so that a viewer on a slow link falls behind in its own queue, where it
            // skips to the next IDR, rather than in seconds of buffered video.
            let _ = tcp.set_nodelay(true);
            let _ = socket2::SockRef::from(&*tcp).set_send_buffer_size(SEND_BUFFER);
        });
        let service = http::router(app.clone()).into_make_service_with_connect_info::<SocketAddr>();
        let r = axum::serve(listener, service)
            .with_graceful_shutdown(stop)
            .await;
        // WebSocket viewers outlive the HTTP connections: give them a moment to close.
        let deadline = Instant::now() + Duration::from_secs(3);
        while hub.admitted() > 0 && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        r
    });
    hub.stop();
    let encoded = encoder
        .join()
        .map_err(|_| "the encoder thread panicked".to_string())?;
    rt.shutdown_timeout(Duration::from_secs(1));
    served.map_err(|e| format!("server error: {e}"))?;
    encoded?;
    let c = &hub.counters;
    use std::sync::atomic::Ordering::Relaxed;
    println!(
        "rtenc serve: stopped after {} frames; {} viewers in all",
        c.frames_encoded.load(Relaxed),
        c.viewers_total.load(Relaxed)
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults() {
        assert_eq!(default_bitrate(1280, 720, 30.0), 2_500_000);
        assert_eq!(default_bitrate(16, 16, 1.0), 100_000);
        assert_eq!(url_encode("a b&c=d/é~"), "a%20b%26c%3Dd%2F%C3%A9~");
        assert!(resolve("127.0.0.1:0").is_ok());
        assert!(resolve("nonsense").is_err());
    }
}
