//! The hub between the encoder thread and the viewers: who is watching, each viewer's bounded
//! queue, keyframe requests, and the server's counters.
//!
//! The encoder thread never waits for a viewer: [`Hub::broadcast`] puts the shared message into
//! each viewer's queue with `try_send`. A viewer whose queue is full loses that frame and every
//! following one until the next IDR (a P frame without its predecessor is useless), and, once
//! its queue has drained to half, asks the encoder for that IDR. Memory is therefore bounded by [`QUEUE_FRAMES`] messages per
//! viewer, and the messages are shared, not copied.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use serde::Serialize;
use tokio::sync::mpsc;

/// Frames a viewer may have queued (not yet written to its socket) before it drops to the next
/// IDR: about a quarter of a second at 30 fps.
pub const QUEUE_FRAMES: usize = 8;

/// What viewers and the encoder share.
pub struct Hub {
    inner: Mutex<Inner>,
    /// Wakes the encoder thread: a viewer joined, or the server stops.
    wake: Condvar,
    max_viewers: usize,
    keyframe_pending: AtomicBool,
    /// Counters for `/stats.json`.
    pub counters: Counters,
}

struct Inner {
    /// Viewers admitted, including those still upgrading their connection.
    admitted: usize,
    viewers: HashMap<u64, Slot>,
    next_id: u64,
    stopping: bool,
}

struct Slot {
    tx: mpsc::Sender<Bytes>,
    /// Skipping frames until an IDR that fits in the queue.
    waiting_for_idr: bool,
    /// Whether this viewer asked for the IDR it waits for.
    idr_asked: bool,
    sent: u64,
    dropped: u64,
}

/// Server-wide counters.
#[derive(Default)]
pub struct Counters {
    /// Frames encoded.
    pub frames_encoded: AtomicU64,
    /// IDRs encoded (forced or by the GOP).
    pub keyframes: AtomicU64,
    /// IDRs encoded because something asked for one.
    pub forced_idrs: AtomicU64,
    /// Bytes of encoded access units.
    pub bytes_encoded: AtomicU64,
    /// Keyframe requests from viewers that were accepted.
    pub keyframe_requests: AtomicU64,
    /// Keyframe requests from viewers ignored because the same viewer asked very recently.
    pub keyframe_requests_ignored: AtomicU64,
    /// Viewers that ever joined.
    pub viewers_total: AtomicU64,
    /// Viewers refused because of the viewer limit.
    pub viewers_refused: AtomicU64,
    /// Connections refused because of a missing or wrong token, or a foreign origin.
    pub unauthorized: AtomicU64,
    /// Frames not delivered to some viewer because its queue was full or it waited for an IDR.
    pub frames_dropped: AtomicU64,
    /// Times a viewer's queue overflowed.
    pub overflows: AtomicU64,
    /// Viewer sockets closed because of a malformed, oversized or unexpected message.
    pub rejected_messages: AtomicU64,
    /// Viewers disconnected because their socket accepted nothing for too long.
    pub stalled_viewers: AtomicU64,
    /// Encode time of the last frame, in microseconds.
    pub last_encode_us: AtomicU64,
}

/// A place among the viewers, taken before the WebSocket upgrade; dropping it gives it back.
pub struct Ticket {
    hub: Option<Arc<Hub>>,
}

/// A joined viewer; dropping it removes the viewer.
pub struct Viewer {
    hub: Arc<Hub>,
    /// Identifies the viewer in `/stats.json`.
    pub id: u64,
}

/// One viewer in `/stats.json`.
#[derive(Serialize)]
pub struct ViewerStats {
    /// Viewer id.
    pub id: u64,
    /// Frames in its queue.
    pub queued: usize,
    /// Frames put into its queue.
    pub sent: u64,
    /// Frames it lost.
    pub dropped: u64,
    /// Whether it waits for an IDR.
    pub waiting_for_idr: bool,
}

impl Hub {
    /// A hub for at most `max_viewers` viewers.
    pub fn new(max_viewers: usize) -> Arc<Hub> {
        Arc::new(Hub {
            inner: Mutex::new(Inner {
                admitted: 0,
                viewers: HashMap::new(),
                next_id: 1,
                stopping: false,
            }),
            wake: Condvar::new(),
            max_viewers,
            keyframe_pending: AtomicBool::new(false),
            counters: Counters::default(),
        })
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves consistent data (every update is one step).
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A place for a new viewer, or `None` at the viewer limit or when stopping.
    pub fn admit(self: &Arc<Self>) -> Option<Ticket> {
        let mut inner = self.lock();
        if inner.stopping || inner.admitted >= self.max_viewers {
            drop(inner);
            self.counters.viewers_refused.fetch_add(1, Relaxed);
            return None;
        }
        inner.admitted += 1;
        Some(Ticket {
            hub: Some(self.clone()),
        })
    }

    /// Viewers admitted (joined or joining).
    pub fn admitted(&self) -> usize {
        self.lock().admitted
    }

    /// Asks the encoder for an IDR as its next frame.
    pub fn request_keyframe(&self) {
        self.keyframe_pending.store(true, Relaxed);
    }

    /// Whether the next frame must be an IDR; clears the request.
    pub fn take_keyframe_request(&self) -> bool {
        self.keyframe_pending.swap(false, Relaxed)
    }

    /// Sends one frame message to every viewer without waiting for any of them.
    pub fn broadcast(&self, msg: Bytes, keyframe: bool) {
        let mut want_idr = false;
        let mut dropped = 0;
        let mut inner = self.lock();
        for slot in inner.viewers.values_mut() {
            if slot.waiting_for_idr {
                if !keyframe || slot.tx.capacity() == 0 {
                    slot.dropped += 1;
                    dropped += 1;
                    // Ask for the IDR once the queue has drained to half, not while it is still
                    // full: a viewer that reads nothing must not turn every frame into an IDR.
                    if !slot.idr_asked && slot.tx.capacity() >= QUEUE_FRAMES / 2 {
                        slot.idr_asked = true;
                        want_idr = true;
                    }
                    if keyframe {
                        slot.idr_asked = false;
                    }
                    continue;
                }
                slot.waiting_for_idr = false;
            }
            match slot.tx.try_send(msg.clone()) {
                Ok(()) => slot.sent += 1,
                Err(mpsc::error::TrySendError::Full(_)) => {
                    slot.waiting_for_idr = true;
                    slot.idr_asked = false;
                    slot.dropped += 1;
                    dropped += 1;
                    self.counters.overflows.fetch_add(1, Relaxed);
                }
                // The viewer is leaving; its Viewer guard removes it.
                Err(mpsc::error::TrySendError::Closed(_)) => {}
            }
        }
        drop(inner);
        self.counters.frames_dropped.fetch_add(dropped, Relaxed);
        if want_idr {
            self.request_keyframe();
        }
    }

    /// Number of joined viewers.
    pub fn viewer_count(&self) -> usize {
        self.lock().viewers.len()
    }

    /// Per-viewer statistics, by id.
    pub fn viewer_stats(&self) -> Vec<ViewerStats> {
        let inner = self.lock();
        let mut v: Vec<_> = inner
            .viewers
            .iter()
            .map(|(&id, s)| ViewerStats {
                id,
                queued: s.tx.max_capacity() - s.tx.capacity(),
                sent: s.sent,
                dropped: s.dropped,
                waiting_for_idr: s.waiting_for_idr,
            })
            .collect();
        v.sort_by_key(|s| s.id);
        v
    }

    /// Blocks the encoder thread until someone watches; `false` when the server stops.
    pub fn wait_for_viewers(&self) -> bool {
        let mut inner = self.lock();
        while inner.viewers.is_empty() && !inner.stopping {
            inner = self.wake.wait(inner).unwrap_or_else(|e| e.into_inner());
        }
        !inner.stopping
    }

    /// Sleeps until `deadline`, or less if the server stops; `false` when it stops.
    pub fn sleep_until(&self, deadline: Instant) -> bool {
        let mut inner = self.lock();
        loop {
            if inner.stopping {
                return false;
            }
            let now = Instant::now();
            if now >= deadline {
                return true;
            }
            inner = self
                .wake
                .wait_timeout(inner, deadline - now)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }

    /// Stops the encoder thread and admits nobody any more.
    pub fn stop(&self) {
        self.lock().stopping = true;
        self.wake.notify_all();
    }
}

impl Ticket {
    /// Joins the viewers with the queue `tx` (capacity [`QUEUE_FRAMES`]); the viewer's first
    /// message will be the IDR this requests.
    pub fn join(mut self, tx: mpsc::Sender<Bytes>) -> Viewer {
        // The ticket's place now belongs to the viewer.
        let hub = self.hub.take().expect("a ticket joins once");
        let mut inner = hub.lock();
        let id = inner.next_id;
        inner.next_id += 1;
        inner.viewers.insert(
            id,
            Slot {
                tx,
                waiting_for_idr: true,
                idr_asked: true,
                sent: 0,
                dropped: 0,
            },
        );
        drop(inner);
        hub.counters.viewers_total.fetch_add(1, Relaxed);
        hub.request_keyframe();
        hub.wake.notify_all();
        Viewer { hub, id }
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        if let Some(hub) = self.hub.take() {
            hub.lock().admitted -= 1;
        }
    }
}

impl Drop for Viewer {
    fn drop(&mut self) {
        let mut inner = self.hub.lock();
        inner.viewers.remove(&self.id);
        inner.admitted -= 1;
    }
}

/// How long a viewer must wait between two keyframe requests that are honoured.
pub const KEYFRAME_REQUEST_INTERVAL: Duration = Duration::from_millis(200);

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(i: u8) -> Bytes {
        Bytes::from(vec![i])
    }

    #[test]
    fn viewer_limit_and_release() {
        let hub = Hub::new(2);
        let a = hub.admit().unwrap();
        let b = hub.admit().unwrap();
        assert!(hub.admit().is_none());
        drop(a);
        let (tx, _rx) = mpsc::channel(QUEUE_FRAMES);
        let c = hub.admit().unwrap().join(tx);
        assert!(hub.admit().is_none());
        assert_eq!((hub.viewer_count(), hub.admitted()), (1, 2));
        drop(c);
        drop(b);
        assert_eq!((hub.viewer_count(), hub.admitted()), (0, 0));
        assert_eq!(hub.counters.viewers_refused.load(Relaxed), 2);
        hub.stop();
        assert!(hub.admit().is_none());
        assert!(!hub.wait_for_viewers());
    }

    #[test]
    fn joining_asks_for_an_idr_and_waits_for_it() {
        let hub = Hub::new(4);
        assert!(!hub.take_keyframe_request());
        let (tx, mut rx) = mpsc::channel(QUEUE_FRAMES);
        let _v = hub.admit().unwrap().join(tx);
        assert!(hub.take_keyframe_request());
        hub.broadcast(msg(1), false);
        hub.broadcast(msg(2), true);
        hub.broadcast(msg(3), false);
        assert_eq!(rx.try_recv().unwrap(), msg(2));
        assert_eq!(rx.try_recv().unwrap(), msg(3));
        assert!(rx.try_recv().is_err());
    }

    #[test]
    fn a_full_queue_drops_to_the_next_idr_without_touching_others() {
        let hub = Hub::new(4);
        let (slow_tx, mut slow) = mpsc::channel(QUEUE_FRAMES);
        let (fast_tx, mut fast) = mpsc::channel(QUEUE_FRAMES);
        let _s = hub.admit().unwrap().join(slow_tx);
        let _f = hub.admit().unwrap().join(fast_tx);
        hub.take_keyframe_request();
        hub.broadcast(msg(0), true);
        for i in 1..=(QUEUE_FRAMES as u8 + 5) {
            hub.broadcast(msg(i), false);
            assert_eq!(fast.try_recv().unwrap(), msg(i - 1));
        }
        let st = hub.viewer_stats();
        assert_eq!(st[0].queued, QUEUE_FRAMES);
        assert!(st[0].waiting_for_idr && st[0].dropped == 6);
        // While its queue stays full the slow viewer asks for nothing, and an IDR that does not
        // fit is dropped too.
        assert!(!hub.take_keyframe_request());
        hub.broadcast(msg(50), true);
        assert_eq!(fast.try_recv().unwrap(), msg(QUEUE_FRAMES as u8 + 5));
        assert!(!hub.take_keyframe_request());
        // The slow viewer drains its queue, asks for an IDR and gets nothing until it comes.
        for i in 0..QUEUE_FRAMES as u8 {
            assert_eq!(slow.try_recv().unwrap(), msg(i));
        }
        hub.broadcast(msg(100), false);
        assert!(
            hub.take_keyframe_request(),
            "a drained viewer asks for an IDR"
        );
        hub.broadcast(msg(101), false);
        assert!(!hub.take_keyframe_request(), "once");
        assert!(slow.try_recv().is_err());
        hub.broadcast(msg(102), true);
        assert_eq!(slow.try_recv().unwrap(), msg(102));
        assert!(!hub.viewer_stats()[0].waiting_for_idr);
        assert_eq!(hub.counters.overflows.load(Relaxed), 1);
    }
}
