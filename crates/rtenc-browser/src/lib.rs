//! # rtenc-browser — headless Chromium for rtenc's tests
//!
//! Test support (not published): launch Debian's headless Chromium, open pages served from a
//! loopback HTTP server, run JavaScript in them and get JSON back, with bounded time, and never
//! leave a browser running.
//!
//! ```no_run
//! use std::time::{Duration, Instant};
//! use rtenc_browser::{Browser, Server};
//!
//! // `None` (after a notice on stderr) when Chromium is missing outside CI; panics in CI.
//! let Some(browser) = Browser::launch_for_test() else { return };
//! let server = Server::start().unwrap();
//! server.put("/index.html", "text/html", "<!doctype html><title>t</title>");
//! let page = browser.open(&server.url("/index.html")).unwrap();
//! let v = page.eval("(async () => 6 * 7)()", Duration::from_secs(5)).unwrap();
//! assert_eq!(v, serde_json::json!(42));
//! // Dropping `browser` kills Chromium (also when the test panics) and deletes its profile.
//! ```
//!
//! ## What it runs
//! [`chromium_path`] is `$RTENC_CHROMIUM`, else `/usr/bin/chromium` (Debian's `chromium`
//! package). Every [`Browser`] is a new Chromium process with a fresh, empty profile directory
//! (`--user-data-dir` in the system temp dir, deleted on drop) and exactly these flags
//! ([`CHROMIUM_FLAGS`]):
//! `--headless --no-sandbox --disable-gpu --disable-quic --no-first-run
//! --disable-background-networking --disable-component-update --disable-sync`, plus what the
//! CDP client adds (`--remote-debugging-port=0`, `--verbose --log-level=0`,
//! `--disable-setuid-sandbox`). Without the background-networking flags Chromium tries to reach
//! Google's servers, which a sandboxed CI machine refuses.
//!
//! It is driven over the Chrome DevTools Protocol with the `headless_chrome` crate (its
//! browser-downloading `fetch` feature off), which is synchronous: no async runtime in tests.
//!
//! ## Missing Chromium
//! [`Browser::launch_for_test`] returns `None` after printing a notice when Chromium is not
//! installed, so a developer without it still gets a green `cargo test`; with the environment
//! variable `CI=true` it panics instead (`.ci/run` installs Chromium, so a missing one there is
//! a broken CI, not a reason to skip). A Chromium that is installed but fails to start always
//! panics.
//!
//! ## Pages and data
//! [`Server`] is a small HTTP/1.1 server on `127.0.0.1` (ephemeral port) that serves byte
//! buffers registered under paths and stores the bodies pages `POST` under `/upload/`, so a
//! page can hand large binary results (decoded frames, canvas pixels) back to the test without
//! going through the DevTools connection. [`EncodedStream`] lays out a sequence of H.264
//! access units as one buffer plus a JSON index for such a page.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod server;
mod stream;

use std::ffi::OsStr;
use std::fmt;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use headless_chrome::protocol::cdp::{Emulation, Runtime};
use headless_chrome::{LaunchOptions, Tab};

pub use serde_json::{self, Value};
pub use server::Server;
pub use stream::{ChunkInfo, EncodedStream};

/// The Chromium flags every [`Browser`] gets (besides `--user-data-dir` and the CDP client's
/// own; see the crate documentation).
pub const CHROMIUM_FLAGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
];

/// How long the DevTools connection may stay silent before the CDP client gives up on the
/// browser, and the upper bound of any single call. [`Page::eval`] timeouts must be below it.
const IDLE_TIMEOUT: Duration = Duration::from_secs(300);

/// Extra time the Rust side waits beyond a page-side timeout before declaring the page hung.
const HANG_GRACE: Duration = Duration::from_secs(10);

/// An error from the browser or the page, as text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error(pub String);

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

/// `Result` with this crate's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;

fn err(context: &str, e: impl fmt::Display) -> Error {
    Error(format!("{context}: {e:#}"))
}

/// True when running under CI (`CI=true`), where missing tools are failures, not skips.
pub fn in_ci() -> bool {
    std::env::var("CI").as_deref() == Ok("true")
}

/// The Chromium binary: `$RTENC_CHROMIUM` if set, else `/usr/bin/chromium`; `None` if that file
/// does not exist.
pub fn chromium_path() -> Option<PathBuf> {
    let path = std::env::var_os("RTENC_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    path.is_file().then_some(path)
}

/// A fresh empty directory for one browser profile; deleted on drop.
struct ProfileDir(PathBuf);

impl ProfileDir {
    fn new() -> Result<Self> {
        static N: AtomicU64 = AtomicU64::new(0);
        let n = N.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!(
            "rtenc-browser-profile-{}-{n}.d",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).map_err(|e| err("create the profile directory", e))?;
        Ok(ProfileDir(dir))
    }
}

impl Drop for ProfileDir {
    /// Runs after the main Chromium process was killed and reaped. Its helpers (GPU, network
    /// service, renderers) notice and exit within moments, but may still write to the profile
    /// meanwhile: wait for them (5 s at most, then kill them by pid), then delete the
    /// directory, retrying while files reappear.
    fn drop(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let users = processes_mentioning(&self.0);
            if users.is_empty() {
                break;
            }
            if Instant::now() >= deadline {
                for pid in users {
                    let _ = std::process::Command::new("kill")
                        .args(["-KILL", &pid.to_string()])
                        .status();
                }
                std::thread::sleep(Duration::from_millis(100));
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        for _ in 0..20 {
            if std::fs::remove_dir_all(&self.0).is_ok() || !self.0.exists() {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// Live (non-zombie) processes whose command line mentions `path` (Linux `/proc`; none
/// elsewhere). Chromium passes `--user-data-dir` to its helper processes.
fn processes_mentioning(path: &std::path::Path) -> Vec<u32> {
    let needle = path.to_string_lossy();
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    let mut found = Vec::new();
    for entry in dir.flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(cmd) = std::fs::read(format!("/proc/{pid}/cmdline")) else {
            continue;
        };
        if !String::from_utf8_lossy(&cmd).contains(needle.as_ref()) {
            continue;
        }
        let zombie = std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|st| {
            st.rsplit_once(')')
                .is_some_and(|(_, rest)| rest.trim_start().starts_with('Z'))
        });
        if !zombie {
            found.push(pid);
        }
    }
    found
}

/// A running headless Chromium. Dropping it kills the browser process (SIGKILL, then waits for
/// it; Chromium's helper processes exit with it) and deletes its profile directory; this also
/// happens while a panicking test unwinds.
pub struct Browser {
    // Field order matters: the browser (and its process) is dropped before the profile.
    inner: headless_chrome::Browser,
    profile: ProfileDir,
}

impl Browser {
    /// Launches Chromium ([`chromium_path`]) with [`CHROMIUM_FLAGS`] and a fresh profile.
    pub fn launch() -> Result<Browser> {
        let path = chromium_path().ok_or_else(|| {
            Error(
                "Chromium not found at /usr/bin/chromium (or $RTENC_CHROMIUM): install it with \
                 `apt-get install -y chromium chromium-driver`, as .ci/run does"
                    .into(),
            )
        })?;
        let profile = ProfileDir::new()?;
        // headless_chrome adds --headless, --no-sandbox and --disable-gpu from the options
        // below, and --no-first-run and --user-data-dir itself; the rest are passed as is.
        let args: Vec<&OsStr> = CHROMIUM_FLAGS
            .iter()
            .filter(|f| {
                !matches!(
                    **f,
                    "--headless" | "--no-sandbox" | "--disable-gpu" | "--no-first-run"
                )
            })
            .map(OsStr::new)
            .collect();
        let options = LaunchOptions {
            headless: true,
            sandbox: false,
            enable_gpu: false,
            path: Some(path),
            user_data_dir: Some(profile.0.clone()),
            // Chromium picks a free port and prints it: no race with other processes.
            port: Some(0),
            disable_default_args: true,
            args,
            idle_browser_timeout: IDLE_TIMEOUT,
            ..LaunchOptions::default()
        };
        let inner =
            headless_chrome::Browser::new(options).map_err(|e| err("launch Chromium", e))?;
        Ok(Browser { inner, profile })
    }

    /// [`Browser::launch`] for tests: `None` after a notice on stderr when Chromium is not
    /// installed, unless `CI=true`.
    ///
    /// # Panics
    /// When Chromium is missing under `CI=true`, or is installed but cannot be launched.
    pub fn launch_for_test() -> Option<Browser> {
        if chromium_path().is_none() {
            if in_ci() {
                panic!(
                    "Chromium is required in CI for the browser tests: /usr/bin/chromium (or \
                     $RTENC_CHROMIUM) not found; install it with `apt-get install -y chromium \
                     chromium-driver`, as .ci/run does"
                );
            }
            eprintln!(
                "notice: Chromium not found (/usr/bin/chromium or $RTENC_CHROMIUM); skipping this \
                 browser test (`apt-get install -y chromium` to run it)"
            );
            return None;
        }
        match Browser::launch() {
            Ok(b) => Some(b),
            Err(e) => panic!("Chromium is installed but did not start: {e}"),
        }
    }

    /// The browser's product and version, e.g. `HeadlessChrome/156.0.8078.114`.
    pub fn version(&self) -> Result<String> {
        self.inner
            .get_version()
            .map(|v| v.product)
            .map_err(|e| err("Browser.getVersion", e))
    }

    /// The process id of the main Chromium process.
    pub fn pid(&self) -> Option<u32> {
        self.inner.get_process_id()
    }

    /// The profile directory (`--user-data-dir`) of this browser; deleted when it is dropped.
    pub fn profile_dir(&self) -> &std::path::Path {
        &self.profile.0
    }

    /// Opens `url` in a new tab and waits until it has loaded.
    pub fn open(&self, url: &str) -> Result<Page> {
        let tab = self.inner.new_tab().map_err(|e| err("open a tab", e))?;
        tab.set_default_timeout(Duration::from_secs(30));
        tab.navigate_to(url)
            .map_err(|e| err(&format!("navigate to {url}"), e))?
            .wait_until_navigated()
            .map_err(|e| err(&format!("load {url}"), e))?;
        Ok(Page { tab })
    }

    /// Kills the browser now (the same as dropping it).
    pub fn close(self) {}
}

/// One tab of a [`Browser`].
pub struct Page {
    tab: Arc<Tab>,
}

impl Page {
    /// Evaluates the JavaScript expression `expr` in the page and returns its value as JSON. A
    /// promise is awaited. The expression must finish within `timeout` (at most 289 s): a
    /// page-side timer rejects it after `timeout`, and should the page not even run its timers
    /// the call is abandoned `timeout` + 10 s after it started.
    ///
    /// `undefined` comes back as `null`. A thrown exception or rejected promise is an `Err`
    /// with its message and stack; so is a value JSON cannot represent.
    pub fn eval(&self, expr: &str, timeout: Duration) -> Result<Value> {
        assert!(
            timeout + HANG_GRACE < IDLE_TIMEOUT,
            "Page::eval timeout {timeout:?} is too long"
        );
        let ms = timeout.as_millis();
        let wrapped = format!(
            "(async () => {{ let timer; try {{ return await Promise.race([\
             (async () => ({expr}\n))(), new Promise((_, reject) => {{ timer = setTimeout(() => \
             reject(new Error('timed out after {ms} ms')), {ms}); }})]); }} finally {{ \
             clearTimeout(timer); }} }})()"
        );
        let tab = Arc::clone(&self.tab);
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let r = tab.call_method(Runtime::Evaluate {
                expression: wrapped,
                object_group: None,
                include_command_line_api: None,
                silent: Some(false),
                context_id: None,
                return_by_value: Some(true),
                generate_preview: None,
                user_gesture: None,
                await_promise: Some(true),
                throw_on_side_effect: None,
                timeout: None,
                disable_breaks: None,
                repl_mode: None,
                allow_unsafe_eval_blocked_by_csp: None,
                unique_context_id: None,
                serialization_options: None,
            });
            let _ = tx.send(r.map_err(|e| format!("{e:#}")));
        });
        let reply = rx
            .recv_timeout(timeout + HANG_GRACE)
            .map_err(|_| {
                Error(format!(
                    "the page did not answer within {:?} (hung renderer?)",
                    timeout + HANG_GRACE
                ))
            })?
            .map_err(|e| Error(format!("Runtime.evaluate failed: {e}")))?;
        if let Some(ex) = reply.exception_details {
            let what = ex
                .exception
                .as_ref()
                .and_then(|o| o.description.clone())
                .unwrap_or(ex.text);
            return Err(Error(format!("the page threw: {what}")));
        }
        let result = reply.result;
        match result.value {
            Some(v) => Ok(v),
            None if result.Type == Runtime::RemoteObjectType::Undefined => Ok(Value::Null),
            None => Err(Error(format!(
                "the page returned a value JSON cannot represent: {}",
                result
                    .description
                    .unwrap_or_else(|| format!("{:?}", result.Type))
            ))),
        }
    }

    /// Sets the page's viewport to `width` x `height` CSS pixels at device scale 1 (CDP
    /// `Emulation.setDeviceMetricsOverride`); the page re-lays itself out as if the window had
    /// that size. A headless window is 800x600 otherwise.
    pub fn set_viewport(&self, width: u32, height: u32) -> Result<()> {
        self.tab
            .call_method(Emulation::SetDeviceMetricsOverride {
                width,
                height,
                device_scale_factor: 1.0,
                mobile: false,
                scale: None,
                screen_width: None,
                screen_height: None,
                position_x: None,
                position_y: None,
                dont_set_visible_size: None,
                screen_orientation: None,
                viewport: None,
                display_feature: None,
                device_posture: None,
            })
            .map(|_| ())
            .map_err(|e| err("Emulation.setDeviceMetricsOverride", e))
    }

    /// A PNG screenshot of the visible part of the page (CDP `Page.captureScreenshot`), the
    /// size of the viewport (see [`Page::set_viewport`]).
    pub fn screenshot_png(&self) -> Result<Vec<u8>> {
        self.tab
            .capture_screenshot(
                headless_chrome::protocol::cdp::Page::CaptureScreenshotFormatOption::Png,
                None,
                None,
                true,
            )
            .map_err(|e| err("Page.captureScreenshot", e))
    }

    /// The page's URL.
    pub fn url(&self) -> String {
        self.tab.get_url()
    }

    /// Closes the tab.
    pub fn close(self) -> Result<()> {
        self.tab
            .close(false)
            .map(|_| ())
            .map_err(|e| err("close the tab", e))
    }
}
