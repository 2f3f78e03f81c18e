//! A tiny loopback HTTP/1.1 server for test pages: `GET` of registered buffers, `POST` of
//! results under `/upload/`. Standard library only; one thread per connection, one request per
//! connection (`Connection: close`).

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// The largest request body accepted (an upload): 256 MiB.
const MAX_BODY: usize = 256 << 20;
/// The largest request head (request line and headers).
const MAX_HEAD: usize = 64 << 10;

#[derive(Default)]
struct State {
    files: HashMap<String, (String, Arc<Vec<u8>>)>,
    uploads: HashMap<String, Vec<u8>>,
}

/// An HTTP server on `127.0.0.1` with an ephemeral port, running until dropped.
///
/// - `GET` (or `HEAD`) of a path registered with [`Server::put`] returns it with its content
///   type and `Cache-Control: no-store`; any other path is `404`. The query string is ignored.
/// - `POST` to a path starting with `/upload/` stores the body (at most 256 MiB) for
///   [`Server::take_upload`] and answers `204`; a `POST` elsewhere is `405`.
///
/// ```
/// use std::io::{Read, Write};
/// let server = rtenc_browser::Server::start().unwrap();
/// server.put("/hello.txt", "text/plain", "hi");
/// let mut s = std::net::TcpStream::connect(server.addr()).unwrap();
/// s.write_all(b"GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
/// let mut reply = String::new();
/// s.read_to_string(&mut reply).unwrap();
/// assert!(reply.starts_with("HTTP/1.1 200 OK\r\n") && reply.ends_with("\r\n\r\nhi"));
/// ```
pub struct Server {
    addr: SocketAddr,
    state: Arc<Mutex<State>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Server {
    /// Binds `127.0.0.1:0` and starts serving in a background thread.
    pub fn start() -> std::io::Result<Server> {
        let listener = TcpListener::bind(("127.0.0.1", 0))?;
        let addr = listener.local_addr()?;
        let state = Arc::new(Mutex::new(State::default()));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (state, stop) = (Arc::clone(&state), Arc::clone(&stop));
            std::thread::Builder::new()
                .name("rtenc-browser-http".into())
                .spawn(move || {
                    for conn in listener.incoming() {
                        if stop.load(Ordering::SeqCst) {
                            break;
                        }
                        let Ok(conn) = conn else { continue };
                        let state = Arc::clone(&state);
                        std::thread::spawn(move || {
                            let _ = handle(conn, &state);
                        });
                    }
                })?
        };
        Ok(Server {
            addr,
            state,
            stop,
            thread: Some(thread),
        })
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT` followed by `path` (which should start with `/`).
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Serves `body` at `path` (exact match, e.g. `/case/a/stream.h264`) with `content_type`,
    /// replacing what was there.
    pub fn put(&self, path: &str, content_type: &str, body: impl Into<Vec<u8>>) {
        self.lock().files.insert(
            path.to_string(),
            (content_type.to_string(), Arc::new(body.into())),
        );
    }

    /// Stops serving every path that starts with `prefix` and drops uploads under it.
    pub fn remove_prefix(&self, prefix: &str) {
        let mut s = self.lock();
        s.files.retain(|k, _| !k.starts_with(prefix));
        s.uploads.retain(|k, _| !k.starts_with(prefix));
    }

    /// Removes and returns the body last `POST`ed to `path` (which starts with `/upload/`).
    pub fn take_upload(&self, path: &str) -> Option<Vec<u8>> {
        self.lock().uploads.remove(path)
    }

    /// The paths that have an upload waiting, sorted.
    pub fn upload_paths(&self) -> Vec<String> {
        let mut v: Vec<String> = self.lock().uploads.keys().cloned().collect();
        v.sort();
        v
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn respond(
    out: &mut TcpStream,
    status: &str,
    content_type: &str,
    body: &[u8],
    head_only: bool,
) -> std::io::Result<()> {
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nCache-Control: \
         no-store\r\nConnection: close\r\n\r\n",
        body.len()
    );
    out.write_all(head.as_bytes())?;
    if !head_only {
        out.write_all(body)?;
    }
    out.flush()
}

fn handle(conn: TcpStream, state: &Mutex<State>) -> std::io::Result<()> {
    conn.set_read_timeout(Some(Duration::from_secs(60)))?;
    let mut out = conn.try_clone()?;
    let mut reader = BufReader::new(conn);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    let mut parts = request_line.split_whitespace();
    let (method, target) = match (parts.next(), parts.next()) {
        (Some(m), Some(t)) => (m.to_string(), t.to_string()),
        _ => {
            return respond(
                &mut out,
                "400 Bad Request",
                "text/plain",
                b"bad request",
                false,
            )
        }
    };
    let mut content_length = 0usize;
    let mut head_len = request_line.len();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            break;
        }
        head_len += line.len();
        if head_len > MAX_HEAD {
            return respond(
                &mut out,
                "431 Request Header Fields Too Large",
                "text/plain",
                b"",
                false,
            );
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            if name.trim().eq_ignore_ascii_case("content-length") {
                match value.trim().parse() {
                    Ok(n) => content_length = n,
                    Err(_) => {
                        return respond(
                            &mut out,
                            "400 Bad Request",
                            "text/plain",
                            b"bad length",
                            false,
                        )
                    }
                }
            }
        }
    }
    let path = target.split('?').next().unwrap_or("").to_string();
    let lock = || state.lock().unwrap_or_else(|p| p.into_inner());
    match method.as_str() {
        "GET" | "HEAD" => {
            let file = lock().files.get(&path).cloned();
            match file {
                Some((ct, body)) => respond(&mut out, "200 OK", &ct, &body, method == "HEAD"),
                None => respond(&mut out, "404 Not Found", "text/plain", b"not found", false),
            }
        }
        "POST" if path.starts_with("/upload/") => {
            if content_length > MAX_BODY {
                return respond(&mut out, "413 Payload Too Large", "text/plain", b"", false);
            }
            let mut body = vec![0u8; content_length];
            reader.read_exact(&mut body)?;
            lock().uploads.insert(path, body);
            respond(&mut out, "204 No Content", "text/plain", b"", true)
        }
        _ => respond(&mut out, "405 Method Not Allowed", "text/plain", b"", false),
    }
}
