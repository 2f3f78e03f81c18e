//! HTTP routes and the WebSocket side of each viewer.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use futures_util::{SinkExt, StreamExt};
use serde::Serialize;
use tokio::sync::{mpsc, watch};

use super::hub::{Hub, Ticket, KEYFRAME_REQUEST_INTERVAL, QUEUE_FRAMES};
use super::protocol::{self, ClientMessage, MAX_CLIENT_MESSAGE};

const PAGE: &str = include_str!("page.html");
const SCRIPT: &str = include_str!("page.js");

/// A viewer whose socket accepts nothing for this long is disconnected.
pub const SEND_TIMEOUT: Duration = Duration::from_secs(10);

/// The stream's parameters, for `/config.json`.
#[derive(Serialize, Clone)]
pub struct StreamInfo {
    /// RFC 6381 codec string for `VideoDecoder.configure`.
    pub codec: String,
    /// Picture width.
    pub width: u32,
    /// Picture height.
    pub height: u32,
    /// Frames per second.
    pub fps: f64,
    /// Target bitrate in bit/s, 0 for constant QP.
    pub bitrate: u32,
    /// Constant QP, if used.
    pub qp: Option<u8>,
    /// Keyframe interval in frames (0: on demand only).
    pub gop: u32,
    /// What is encoded: `demo` or a file name.
    pub source: String,
    /// Version of the frame header (see `protocol`).
    pub protocol: u8,
    /// Frames a viewer may have queued before it drops to the next IDR.
    pub queue_frames: usize,
}

/// What every handler shares.
pub struct App {
    /// The hub.
    pub hub: Arc<Hub>,
    /// `--token`.
    pub token: Option<String>,
    /// `/config.json`.
    pub info: StreamInfo,
    /// Becomes `true` when the server stops.
    pub shutdown: watch::Receiver<bool>,
    /// When the server started.
    pub started: Instant,
}

/// The routes.
pub fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/", get(page))
        .route("/index.html", get(page))
        .route("/app.js", get(script))
        .route("/config.json", get(config))
        .route("/stats.json", get(stats))
        .route("/ws", get(ws))
        .with_state(app)
}

fn static_response(ctype: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(ctype)),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
        ],
        body,
    )
        .into_response()
}

async fn page() -> Response {
    static_response("text/html; charset=utf-8", PAGE)
}

async fn script() -> Response {
    static_response("text/javascript; charset=utf-8", SCRIPT)
}

/// Compares without stopping at the first difference.
fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |d, (x, y)| d | (x ^ y)) == 0
}

/// With `--token`: 401 when `?token=` is missing, 403 when it is wrong.
/// A refusal: status and message.
type Refusal = (StatusCode, &'static str);

fn check_token(app: &App, query: &HashMap<String, String>) -> Result<(), Refusal> {
    let Some(want) = &app.token else {
        return Ok(());
    };
    let refuse = |code, msg| {
        app.hub.counters.unauthorized.fetch_add(1, Relaxed);
        Err((code, msg))
    };
    match query.get("token") {
        None => refuse(StatusCode::UNAUTHORIZED, "this server needs ?token=\n"),
        Some(t) if !same_secret(t, want) => refuse(StatusCode::FORBIDDEN, "wrong token\n"),
        Some(_) => Ok(()),
    }
}

/// Browsers send `Origin` with WebSocket requests and let any page connect anywhere: refuse
/// pages of other origins, so that a web site cannot watch a local stream. Clients that send no
/// `Origin` (not browsers) pass.
fn check_origin(app: &App, headers: &HeaderMap) -> Result<(), Refusal> {
    let Some(origin) = headers.get(header::ORIGIN) else {
        return Ok(());
    };
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    let origin_host = origin
        .to_str()
        .ok()
        .and_then(|o| o.split_once("://"))
        .map(|(_, rest)| rest.trim_end_matches('/'));
    match (origin_host, host) {
        (Some(o), Some(h)) if o.eq_ignore_ascii_case(h) => Ok(()),
        _ => {
            app.hub.counters.unauthorized.fetch_add(1, Relaxed);
            Err((
                StatusCode::FORBIDDEN,
                "WebSocket from a page of another origin\n",
            ))
        }
    }
}

async fn config(State(app): State<Arc<App>>, Query(q): Query<HashMap<String, String>>) -> Response {
    if let Err(r) = check_token(&app, &q) {
        return r.into_response();
    }
    let mut r = Json(app.info.clone()).into_response();
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

async fn stats(State(app): State<Arc<App>>, Query(q): Query<HashMap<String, String>>) -> Response {
    if let Err(r) = check_token(&app, &q) {
        return r.into_response();
    }
    let c = &app.hub.counters;
    let get = |a: &std::sync::atomic::AtomicU64| a.load(Relaxed);
    let body = serde_json::json!({
        "uptime_s": app.started.elapsed().as_secs_f64(),
        "frames_encoded": get(&c.frames_encoded),
        "keyframes": get(&c.keyframes),
        "forced_idrs": get(&c.forced_idrs),
        "bytes_encoded": get(&c.bytes_encoded),
        "last_encode_ms": get(&c.last_encode_us) as f64 / 1000.0,
        "keyframe_requests": get(&c.keyframe_requests),
        "keyframe_requests_ignored": get(&c.keyframe_requests_ignored),
        "viewers": app.hub.viewer_count(),
        "viewers_total": get(&c.viewers_total),
        "viewers_refused": get(&c.viewers_refused),
        "unauthorized": get(&c.unauthorized),
        "frames_dropped": get(&c.frames_dropped),
        "overflows": get(&c.overflows),
        "rejected_messages": get(&c.rejected_messages),
        "stalled_viewers": get(&c.stalled_viewers),
        "queue_frames": QUEUE_FRAMES,
        "viewer": app.hub.viewer_stats(),
    });
    let mut r = Json(body).into_response();
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

async fn ws(
    State(app): State<Arc<App>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Response {
    if let Err(r) = check_token(&app, &q).and_then(|()| check_origin(&app, &headers)) {
        return r.into_response();
    }
    let Some(ticket) = app.hub.admit() else {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            "the viewer limit is reached (or the server is stopping)\n",
        )
            .into_response();
    };
    // Messages longer than this fail in the WebSocket layer; shorter ones that are still too
    // long for the protocol are refused by `protocol::parse_client`.
    upgrade
        .max_message_size(4 * MAX_CLIENT_MESSAGE)
        .max_frame_size(4 * MAX_CLIENT_MESSAGE)
        .on_upgrade(move |socket| viewer(socket, ticket, app, peer))
}

/// Why a viewer's socket is closed, sent in the close frame.
fn close_frame(code: u16, reason: &str) -> Message {
    let mut end = reason.len().min(120);
    while !reason.is_char_boundary(end) {
        end -= 1;
    }
    Message::Close(Some(CloseFrame {
        code,
        reason: reason[..end].into(),
    }))
}

/// Close codes (RFC 6455).
const GOING_AWAY: u16 = 1001;
const PROTOCOL_ERROR: u16 = 1002;
const UNSUPPORTED_DATA: u16 = 1003;
const POLICY_VIOLATION: u16 = 1008;
const MESSAGE_TOO_BIG: u16 = 1009;

async fn viewer(socket: WebSocket, ticket: Ticket, app: Arc<App>, peer: SocketAddr) {
    let (tx, mut rx) = mpsc::channel::<Bytes>(QUEUE_FRAMES);
    let me = ticket.join(tx);
    let id = me.id;
    eprintln!(
        "rtenc serve: viewer {id} joined from {peer} ({} watching)",
        app.hub.viewer_count()
    );
    let (mut sink, mut stream) = socket.split();
    let mut shutdown = app.shutdown.clone();
    let counters = &app.hub.counters;
    let mut last_request: Option<Instant> = None;
    let close = loop {
        if *shutdown.borrow_and_update() {
            break Some(close_frame(GOING_AWAY, "server shutting down"));
        }
        tokio::select! {
            m = rx.recv() => {
                let Some(m) = m else { break None };
                tokio::select! {
                    r = tokio::time::timeout(SEND_TIMEOUT, sink.send(Message::Binary(m))) => {
                        match r {
                            Ok(Ok(())) => {}
                            Ok(Err(_)) => break None,
                            Err(_) => {
                                counters.stalled_viewers.fetch_add(1, Relaxed);
                                break None;
                            }
                        }
                    }
                    _ = shutdown.changed() => break None,
                }
            }
            m = stream.next() => match m {
                None | Some(Ok(Message::Close(_))) => break None,
                Some(Err(e)) => {
                    // Oversized messages and protocol violations end here, and so does a
                    // client that vanished without a close handshake.
                    let inner = e.into_inner();
                    match inner.downcast_ref::<tungstenite::Error>() {
                        Some(tungstenite::Error::Capacity(_)) => {
                            counters.rejected_messages.fetch_add(1, Relaxed);
                            break Some(close_frame(MESSAGE_TOO_BIG, &inner.to_string()));
                        }
                        Some(tungstenite::Error::Protocol(_) | tungstenite::Error::Utf8(_)) => {
                            counters.rejected_messages.fetch_add(1, Relaxed);
                            break Some(close_frame(PROTOCOL_ERROR, &inner.to_string()));
                        }
                        _ => break None,
                    }
                }
                Some(Ok(Message::Text(t))) => match protocol::parse_client(t.as_str()) {
                    Ok(ClientMessage::Keyframe) => {
                        let now = Instant::now();
                        if last_request.is_some_and(|t| now - t < KEYFRAME_REQUEST_INTERVAL) {
                            counters.keyframe_requests_ignored.fetch_add(1, Relaxed);
                        } else {
                            last_request = Some(now);
                            counters.keyframe_requests.fetch_add(1, Relaxed);
                            app.hub.request_keyframe();
                        }
                    }
                    Err(e) => {
                        counters.rejected_messages.fetch_add(1, Relaxed);
                        break Some(close_frame(POLICY_VIOLATION, &e));
                    }
                },
                Some(Ok(Message::Binary(_))) => {
                    counters.rejected_messages.fetch_add(1, Relaxed);
                    break Some(close_frame(UNSUPPORTED_DATA, "binary messages are not accepted"));
                }
                Some(Ok(_)) => {} // ping and pong
            },
            r = shutdown.changed() => if r.is_err() {
                break Some(close_frame(GOING_AWAY, "server shutting down"));
            },
        }
    };
    // Leave the hub before the close handshake, which a stuck client may delay.
    let (sent, dropped) = app
        .hub
        .viewer_stats()
        .iter()
        .find(|v| v.id == id)
        .map_or((0, 0), |v| (v.sent, v.dropped));
    drop(me);
    drop(rx);
    let why = match &close {
        Some(Message::Close(Some(f))) => format!(": closed with {} {}", f.code, f.reason),
        _ => String::new(),
    };
    eprintln!(
        "rtenc serve: viewer {id} left after {sent} frames, {dropped} dropped ({} watching){why}",
        app.hub.viewer_count()
    );
    if let Some(frame) = close {
        let _ = tokio::time::timeout(Duration::from_secs(1), async {
            sink.send(frame).await?;
            sink.flush().await
        })
        .await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_and_close_reasons() {
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abc", "abd"));
        assert!(!same_secret("abc", "abcd"));
        assert!(!same_secret("", "a"));
        // Close reasons must fit a control frame (125 bytes with the code), cut at a character.
        let long = "é".repeat(100);
        match close_frame(POLICY_VIOLATION, &long) {
            Message::Close(Some(f)) => {
                assert_eq!(f.code, POLICY_VIOLATION);
                assert!(f.reason.len() <= 120 && f.reason.as_str().chars().all(|c| c == 'é'));
            }
            other => panic!("{other:?}"),
        }
    }
}
