//! Serving the router on a socket, bounded against clients that hold connections without using
//! them (slowloris). Three bounds, each on its own:
//!
//! - a **header-read timeout** (hyper's): a request head must be complete within
//!   [`WebConfig::header_read_timeout`] of the connection being ready for it, however slowly its
//!   bytes trickle in;
//! - a **keep-alive idle timeout**: a connection that has not sent a byte of its next request for
//!   [`WebConfig::idle_timeout`] is closed;
//! - a **connection cap** that still serves normal clients: the listener is always drained (a
//!   connection left in the kernel's queue is a client locked out), and when the cap is reached a
//!   new connection makes room by closing the one that has waited longest *without a request in
//!   progress*. A slow client never finishes its head, so it is always such a connection; a normal
//!   client sends its head at once and is served. Only when every connection is busy with a
//!   request is the newcomer refused. The cap is kept below the process's file-descriptor limit,
//!   so `accept` never fails for want of one.
//!
//! Everything else (request deadlines, body limits) is the router's.

use std::collections::HashMap;
use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::ConnectInfo;
use http_body::{Frame, SizeHint};
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, watch};
use tower::ServiceExt as _;

use crate::config::WebConfig;

/// File descriptors kept free of connections: the listener, the runtime, standard streams, the
/// temporary files of uploads and the files a scan reads.
const FD_RESERVE: u64 = 128;
/// The fewest connections the cap allows, however low the descriptor limit.
const MIN_CONNECTIONS: usize = 16;
/// How long the accept loop rests after an error other than running out of descriptors.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(20);

/// The bounds the connection loop applies, taken from the configuration.
#[derive(Clone, Copy, Debug)]
struct Bounds {
    header_read_timeout: Duration,
    idle_timeout: Duration,
    max_connections: usize,
}

/// Serves `config`'s router on `listener` until `shutdown` completes, then lets requests in flight
/// finish. All the binary needs: bind (`tokio::net::TcpListener::bind`), pick a shutdown signal
/// (Ctrl-C, SIGTERM) and call this inside a Tokio runtime.
pub async fn serve(
    listener: TcpListener,
    mut config: WebConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    if config.listen_port.is_none() {
        config.listen_port = listener.local_addr().ok().map(|a| a.port());
    }
    let bounds = Bounds {
        header_read_timeout: config.header_read_timeout,
        idle_timeout: config.idle_timeout,
        max_connections: connection_cap(config.max_connections, descriptor_limit()),
    };
    let app = crate::router(config);
    let registry = Arc::new(Registry::new(bounds.max_connections));
    // Every connection task holds a receiver; the sender learns when the last one is gone.
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => accepted,
        };
        let (stream, peer) = match accepted {
            Ok(pair) => pair,
            Err(e) => {
                // Out of descriptors despite the cap (another part of the process used them):
                // free one by closing the longest-waiting idle connection, then go on.
                if matches!(e.raw_os_error(), Some(23 | 24)) {
                    registry.shed_one();
                }
                tokio::time::sleep(ACCEPT_BACKOFF).await;
                continue;
            }
        };
        let Some(conn) = registry.admit() else {
            // Every connection is busy with a request: this one is refused, not queued.
            drop(stream);
            continue;
        };
        let _ = stream.set_nodelay(true);
        tokio::spawn(connection(stream, peer, conn, registry.clone(), app.clone(), bounds, stop_rx.clone()));
    }
    drop(listener);
    drop(stop_rx);
    let _ = stop_tx.send(true);
    stop_tx.closed().await;
    Ok(())
}

/// The cap actually applied: the configured one, lowered to leave [`FD_RESERVE`] descriptors free.
fn connection_cap(configured: usize, descriptors: Option<u64>) -> usize {
    let by_descriptors =
        descriptors.map_or(usize::MAX, |n| usize::try_from(n.saturating_sub(FD_RESERVE)).unwrap_or(usize::MAX));
    configured.min(by_descriptors).max(MIN_CONNECTIONS)
}

/// The soft limit on open files of this process, where there is one.
#[cfg(unix)]
fn descriptor_limit() -> Option<u64> {
    rustix::process::getrlimit(rustix::process::Resource::Nofile).current
}

#[cfg(not(unix))]
fn descriptor_limit() -> Option<u64> {
    None
}

/// One open connection, as the cap and the idle timeout see it.
#[derive(Debug)]
struct Conn {
    id: u64,
    /// Requests whose answer is not yet fully written.
    busy: AtomicUsize,
    /// When it last had nothing in progress (accepted, or its last answer written), in
    /// milliseconds since the registry started.
    idle_since: AtomicU64,
    /// Bytes received so far, and at `idle_since`: equal means nothing of a next request came.
    bytes_read: AtomicU64,
    read_at_idle: AtomicU64,
    /// Told to close (to make room for a newer connection).
    shed: Notify,
}

#[derive(Debug)]
struct Registry {
    started: Instant,
    cap: usize,
    next_id: AtomicU64,
    open: Mutex<HashMap<u64, Arc<Conn>>>,
}

impl Registry {
    fn new(cap: usize) -> Registry {
        Registry { started: Instant::now(), cap, next_id: AtomicU64::new(0), open: Mutex::new(HashMap::new()) }
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// Registers a new connection, closing the longest-idle one first when the cap is reached;
    /// `None` when every open connection is busy with a request.
    fn admit(&self) -> Option<Arc<Conn>> {
        let Ok(mut open) = self.open.lock() else { return None };
        if open.len() >= self.cap && !shed_longest_idle(&mut open) {
            return None;
        }
        let conn = Arc::new(Conn {
            id: self.next_id.fetch_add(1, Ordering::Relaxed),
            busy: AtomicUsize::new(0),
            idle_since: AtomicU64::new(self.now_ms()),
            bytes_read: AtomicU64::new(0),
            read_at_idle: AtomicU64::new(0),
            shed: Notify::new(),
        });
        open.insert(conn.id, conn.clone());
        Some(conn)
    }

    fn shed_one(&self) {
        if let Ok(mut open) = self.open.lock() {
            shed_longest_idle(&mut open);
        }
    }

    fn remove(&self, id: u64) {
        if let Ok(mut open) = self.open.lock() {
            open.remove(&id);
        }
    }
}

/// Closes the connection that has waited longest with no request in progress; false if none.
fn shed_longest_idle(open: &mut HashMap<u64, Arc<Conn>>) -> bool {
    let victim = open
        .values()
        .filter(|c| c.busy.load(Ordering::Acquire) == 0)
        .min_by_key(|c| c.idle_since.load(Ordering::Acquire))
        .map(|c| c.id);
    let Some(conn) = victim.and_then(|id| open.remove(&id)) else { return false };
    // A stored permit: the task sees it even if it is not waiting at this moment.
    conn.shed.notify_one();
    true
}

/// Marks a connection busy for as long as a request's answer is being produced or written.
struct Busy {
    conn: Arc<Conn>,
    registry: Arc<Registry>,
}

impl Busy {
    fn new(conn: Arc<Conn>, registry: Arc<Registry>) -> Busy {
        conn.busy.fetch_add(1, Ordering::AcqRel);
        Busy { conn, registry }
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        if self.conn.busy.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.conn.read_at_idle.store(self.conn.bytes_read.load(Ordering::Acquire), Ordering::Release);
            self.conn.idle_since.store(self.registry.now_ms(), Ordering::Release);
        }
    }
}

/// An answer's body that keeps its connection marked busy until hyper has written all of it.
struct Tracked {
    inner: Body,
    _busy: Busy,
}

impl http_body::Body for Tracked {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        Pin::new(&mut self.inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// The socket, counting the bytes received (how the idle timeout tells "idle" from "sending").
struct Counted {
    stream: TcpStream,
    conn: Arc<Conn>,
}

impl AsyncRead for Counted {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.stream).poll_read(cx, buf);
        let read = buf.filled().len().saturating_sub(before);
        if read > 0 {
            self.conn.bytes_read.fetch_add(read as u64, Ordering::AcqRel);
        }
        polled
    }
}

impl AsyncWrite for Counted {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}

/// Removes the connection from the registry when its task ends, however it ends.
struct Registered {
    registry: Arc<Registry>,
    id: u64,
}

impl Drop for Registered {
    fn drop(&mut self) {
        self.registry.remove(self.id);
    }
}

/// Serves one connection until it closes, is shed, sits idle too long, or the server stops.
async fn connection(
    stream: TcpStream,
    peer: SocketAddr,
    conn: Arc<Conn>,
    registry: Arc<Registry>,
    app: Router,
    bounds: Bounds,
    mut stop: watch::Receiver<bool>,
) {
    let _registered = Registered { registry: registry.clone(), id: conn.id };
    let service = {
        let (conn, registry) = (conn.clone(), registry.clone());
        hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
            let busy = Busy::new(conn.clone(), registry.clone());
            let mut request = request.map(Body::new);
            // Handlers that key on the client (login throttling) read it from here.
            request.extensions_mut().insert(ConnectInfo(peer));
            let app = app.clone();
            async move {
                let response = match app.oneshot(request).await {
                    Ok(response) => response,
                    Err(never) => match never {},
                };
                Ok::<_, Infallible>(response.map(|inner| Body::new(Tracked { inner, _busy: busy })))
            }
        })
    };
    let io = TokioIo::new(Counted { stream, conn: conn.clone() });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder.timer(TokioTimer::new()).header_read_timeout(bounds.header_read_timeout).keep_alive(true);
    let served = builder.serve_connection(io, service);
    let mut served = std::pin::pin!(served);
    let mut stopping = *stop.borrow();
    if stopping {
        served.as_mut().graceful_shutdown();
    }
    loop {
        let idle_check = tokio::time::sleep(bounds.idle_timeout.max(Duration::from_millis(10)));
        tokio::select! {
            _ = served.as_mut() => break,
            () = conn.shed.notified() => break,
            changed = stop.changed(), if !stopping => {
                // Finish the request in progress, if any, then close.
                stopping = true;
                if changed.is_ok() {
                    served.as_mut().graceful_shutdown();
                }
            }
            () = idle_check => {
                let idle = conn.busy.load(Ordering::Acquire) == 0
                    && conn.bytes_read.load(Ordering::Acquire) == conn.read_at_idle.load(Ordering::Acquire)
                    && registry.now_ms().saturating_sub(conn.idle_since.load(Ordering::Acquire))
                        >= u64::try_from(bounds.idle_timeout.as_millis()).unwrap_or(u64::MAX);
                if idle {
                    break;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cap_leaves_descriptors_free() {
        assert_eq!(connection_cap(1024, Some(1024)), 896);
        assert_eq!(connection_cap(1024, Some(1_048_576)), 1024);
        assert_eq!(connection_cap(1024, None), 1024);
        assert_eq!(connection_cap(1024, Some(64)), MIN_CONNECTIONS);
    }

    #[test]
    fn a_full_registry_sheds_the_longest_idle_and_refuses_when_all_are_busy() {
        let registry = Arc::new(Registry::new(2));
        let a = registry.admit().unwrap();
        let b = registry.admit().unwrap();
        let _busy_b = Busy::new(b.clone(), registry.clone());
        // `a` is idle, `b` busy: `a` makes room.
        let c = registry.admit().unwrap();
        assert!(!registry.open.lock().unwrap().contains_key(&a.id));
        let _busy_c = Busy::new(c, registry.clone());
        assert!(registry.admit().is_none(), "every connection is busy");
    }
}
