//! Checks of the harness itself: the loopback server, evaluating JavaScript (values, exceptions,
//! timeouts), page uploads, and that a dropped browser leaves no process behind.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use rtenc_browser::{Browser, Server, Value};

fn http(server: &Server, request: &str) -> String {
    let mut s = TcpStream::connect(server.addr()).unwrap();
    s.write_all(request.as_bytes()).unwrap();
    let mut reply = Vec::new();
    s.read_to_end(&mut reply).unwrap();
    String::from_utf8_lossy(&reply).into_owned()
}

#[test]
fn server_serves_uploads_and_refuses() {
    let server = Server::start().unwrap();
    server.put("/a/x.bin", "application/octet-stream", vec![1u8, 2, 3]);
    let r = http(&server, "GET /a/x.bin?cache=1 HTTP/1.1\r\nHost: t\r\n\r\n");
    assert!(r.starts_with("HTTP/1.1 200 OK\r\n"), "{r}");
    assert!(r.contains("Content-Length: 3\r\n"), "{r}");
    assert!(r.ends_with("\r\n\r\n\u{1}\u{2}\u{3}"), "{r:?}");
    let r = http(&server, "GET /missing HTTP/1.1\r\n\r\n");
    assert!(r.starts_with("HTTP/1.1 404"), "{r}");
    let r = http(
        &server,
        "POST /a/x.bin HTTP/1.1\r\nContent-Length: 1\r\n\r\nz",
    );
    assert!(r.starts_with("HTTP/1.1 405"), "{r}");
    let r = http(&server, "garbage\r\n\r\n");
    assert!(r.starts_with("HTTP/1.1 400"), "{r}");
    let r = http(
        &server,
        "POST /upload/a/1 HTTP/1.1\r\ncontent-length: 5\r\n\r\nhello",
    );
    assert!(r.starts_with("HTTP/1.1 204"), "{r}");
    assert_eq!(server.upload_paths(), vec!["/upload/a/1".to_string()]);
    assert_eq!(
        server.take_upload("/upload/a/1").as_deref(),
        Some(&b"hello"[..])
    );
    assert_eq!(server.take_upload("/upload/a/1"), None);
    server.remove_prefix("/a/");
    let r = http(&server, "GET /a/x.bin HTTP/1.1\r\n\r\n");
    assert!(r.starts_with("HTTP/1.1 404"), "{r}");
}

/// True if a process with this id exists and is not a zombie.
fn alive(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => !stat
            .rsplit_once(')')
            .is_some_and(|(_, rest)| rest.trim_start().starts_with('Z')),
        Err(_) => false,
    }
}

/// Processes whose command line mentions `needle` (Chromium passes the profile directory to
/// some of its helpers).
fn processes_mentioning(needle: &str) -> Vec<u32> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        if let Ok(cmd) = std::fs::read(format!("/proc/{pid}/cmdline")) {
            if String::from_utf8_lossy(&cmd).contains(needle) && alive(pid) {
                found.push(pid);
            }
        }
    }
    found
}

#[test]
fn browser_evaluates_uploads_times_out_and_is_killed() {
    let Some(browser) = Browser::launch_for_test() else {
        return;
    };
    let version = browser.version().unwrap();
    assert!(version.contains("Chrome"), "{version}");
    let pid = browser.pid().expect("a pid");
    let profile = browser.profile_dir().to_string_lossy().into_owned();
    assert!(alive(pid));

    let server = Server::start().unwrap();
    server.put(
        "/t.html",
        "text/html",
        "<!doctype html><title>harness</title><p id=p>hi</p>",
    );
    let page = browser.open(&server.url("/t.html")).unwrap();
    let t = Duration::from_secs(10);
    assert_eq!(page.eval("document.title", t).unwrap(), "harness");
    assert_eq!(
        page.eval("Promise.resolve({a: [1, 'x', null]})", t)
            .unwrap(),
        serde_json::json!({"a": [1, "x", null]})
    );
    assert_eq!(page.eval("undefined", t).unwrap(), Value::Null);
    assert!(page.eval("isSecureContext", t).unwrap().as_bool().unwrap());

    let e = page
        .eval("(() => { throw new Error('boom') })()", t)
        .unwrap_err();
    assert!(e.0.contains("boom"), "{e}");
    let e = page
        .eval("Promise.reject(new TypeError('nope'))", t)
        .unwrap_err();
    assert!(e.0.contains("nope"), "{e}");
    let start = Instant::now();
    let e = page
        .eval("new Promise(() => {})", Duration::from_millis(300))
        .unwrap_err();
    assert!(e.0.contains("timed out after 300 ms"), "{e}");
    assert!(start.elapsed() < Duration::from_secs(5));

    // A page hands binary data back through the server.
    let n = page
        .eval(
            "fetch('/upload/h/1', {method: 'POST', body: new Uint8Array([7, 8, 9])})\
             .then(r => r.status)",
            t,
        )
        .unwrap();
    assert_eq!(n, 204);
    assert_eq!(server.take_upload("/upload/h/1").unwrap(), vec![7, 8, 9]);

    assert!(
        !processes_mentioning(&profile).is_empty(),
        "expected Chromium processes using {profile}"
    );
    page.close().unwrap();
    drop(browser);
    let deadline = Instant::now() + Duration::from_secs(10);
    while (alive(pid) || !processes_mentioning(&profile).is_empty()) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(!alive(pid), "Chromium {pid} still running after drop");
    let left = processes_mentioning(&profile);
    assert!(left.is_empty(), "Chromium helpers left running: {left:?}");
    assert!(
        !std::path::Path::new(&profile).exists(),
        "profile {profile} not deleted"
    );
}

#[test]
fn browser_is_killed_when_a_test_panics() {
    if rtenc_browser::chromium_path().is_none() {
        // launch_for_test reports (or fails in CI) in the other test.
        return;
    }
    let (tx, rx) = std::sync::mpsc::channel();
    let result = std::panic::catch_unwind(move || {
        let browser = Browser::launch().unwrap();
        tx.send(browser.pid().unwrap()).unwrap();
        panic!("deliberate");
    });
    assert!(result.is_err());
    let pid = rx.recv().unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while alive(pid) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(!alive(pid), "Chromium {pid} survived a panicking test");
}
