//! The upload limit, and answering it so that an ordinary client can read the answer.
//!
//! A client that sends a large body without `Expect: 100-continue` (curl does for big bodies only
//! since 7.x, browsers never) keeps writing while we answer. If the server then closes the
//! connection with unread bytes in its receive buffer, the kernel sends a reset and the client
//! typically reports "connection reset" instead of our 413. So a refused body (declared too large,
//! found too large while reading, or left unread by a handler that answered early) is read and
//! thrown away in the background for a bounded overshoot and time, while the answer goes out.
//! With `Expect: 100-continue` nothing is drained: the client is waiting for our word and sends
//! nothing after a final status.

use std::future::poll_fn;

use http_body::Body as _;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll, ready};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::header::{CONTENT_LENGTH, EXPECT};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use http_body::{Frame, SizeHint};

use crate::Shared;
use crate::config::MIB;
use crate::error::{Asker, tr};

/// How much of a refused body is still read before giving up on it.
#[derive(Clone, Copy, Debug)]
struct Drain {
    allowed: bool,
    bytes: usize,
    time: Duration,
}

/// The error a handler sees when the body grows past the limit.
#[derive(Debug)]
pub(crate) struct TooLarge {
    limit: usize,
}

impl std::fmt::Display for TooLarge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "request body larger than {} bytes", self.limit)
    }
}

impl std::error::Error for TooLarge {}

/// Refuses bodies larger than the upload limit with a readable 413, whether the size is declared
/// up front (`Content-Length`) or found while reading (chunked uploads).
pub(crate) async fn enforce(State(app): State<Shared>, request: Request, next: Next) -> Response {
    let limit = app.config.upload_limit;
    let drain = Drain {
        allowed: !expects_continue(request.headers()),
        bytes: app.config.drain_overshoot,
        time: app.config.drain_time,
    };
    if declared_length(request.headers()).is_some_and(|n| n > u64::try_from(limit).unwrap_or(u64::MAX)) {
        let asker = Asker::of(&app, request.uri(), request.headers());
        if drain.allowed {
            spawn_drain(request.into_body(), drain);
        }
        return too_large(&app, &asker, limit);
    }
    // Most requests (every GET) have no body at all: nothing to limit.
    if http_body::Body::is_end_stream(request.body()) {
        return next.run(request).await;
    }
    let asker = Asker::of(&app, request.uri(), request.headers());
    let exceeded = Arc::new(AtomicBool::new(false));
    let request = request.map(|inner| {
        Body::new(Limited { inner: Some(inner), remaining: limit, limit, exceeded: exceeded.clone(), drain })
    });
    let response = next.run(request).await;
    if exceeded.load(Ordering::Acquire) {
        // Whatever the handler made of the failed read (a 400 for a broken multipart stream), the
        // reason is the size.
        return too_large(&app, &asker, limit);
    }
    response
}

fn expects_continue(headers: &HeaderMap) -> bool {
    headers.get(EXPECT).and_then(|v| v.to_str().ok()).is_some_and(|v| v.eq_ignore_ascii_case("100-continue"))
}

fn declared_length(headers: &HeaderMap) -> Option<u64> {
    headers.get(CONTENT_LENGTH)?.to_str().ok()?.trim().parse().ok()
}

fn too_large(app: &Shared, asker: &Asker, limit: usize) -> Response {
    let lang = asker.lang();
    let mib = limit / MIB;
    let size = if mib > 0 && limit.is_multiple_of(MIB) { format!("{mib} MiB") } else { format!("{limit} bytes") };
    let message = match lang {
        actdoc_core::Lang::En => format!(
            "the upload is larger than this server accepts ({size}); send fewer files at a time, or ask whoever \
             runs the server for a higher --upload-limit"
        ),
        actdoc_core::Lang::ZhCn => {
            format!("上传内容超过此服务器的上限（{size}）；请分批上传，或请服务器管理员提高 --upload-limit")
        }
    };
    let heading = tr(lang, "Upload too large", "上传内容过大");
    asker.error(app, StatusCode::PAYLOAD_TOO_LARGE, heading, &message)
}

/// The request body as the handler sees it: the original, cut off with [`TooLarge`] at the limit.
struct Limited {
    inner: Option<Body>,
    remaining: usize,
    limit: usize,
    exceeded: Arc<AtomicBool>,
    drain: Drain,
}

impl http_body::Body for Limited {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let this = &mut *self;
        if this.exceeded.load(Ordering::Acquire) {
            return Poll::Ready(Some(Err(axum::Error::new(TooLarge { limit: this.limit }))));
        }
        let Some(inner) = this.inner.as_mut() else { return Poll::Ready(None) };
        let frame = ready!(Pin::new(inner).poll_frame(cx));
        if let Some(Ok(frame)) = &frame
            && let Some(data) = frame.data_ref()
        {
            if data.len() > this.remaining {
                this.exceeded.store(true, Ordering::Release);
                return Poll::Ready(Some(Err(axum::Error::new(TooLarge { limit: this.limit }))));
            }
            this.remaining -= data.len();
        }
        Poll::Ready(frame)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.as_ref().is_none_or(http_body::Body::is_end_stream)
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.as_ref().map_or_else(|| SizeHint::with_exact(0), http_body::Body::size_hint)
    }
}

impl Drop for Limited {
    // A body the handler left unread (too large, or it answered early) is drained so the client
    // reads the answer rather than a reset.
    fn drop(&mut self) {
        if let Some(inner) = self.inner.take()
            && self.drain.allowed
            && !inner.is_end_stream()
        {
            spawn_drain(inner, self.drain);
        }
    }
}

/// Reads and discards `body` in the background until it ends, or the overshoot or time is spent.
fn spawn_drain(mut body: Body, drain: Drain) {
    use http_body::Body as _;
    let Ok(runtime) = tokio::runtime::Handle::try_current() else { return };
    runtime.spawn(async move {
        let discard = async {
            let mut read = 0usize;
            while read <= drain.bytes {
                match poll_fn(|cx| Pin::new(&mut body).poll_frame(cx)).await {
                    Some(Ok(frame)) => read += frame.data_ref().map_or(0, Bytes::len),
                    Some(Err(_)) | None => break,
                }
            }
        };
        // Dropping the body at the end tells the server to stop reading and close.
        let _ = tokio::time::timeout(drain.time, discard).await;
    });
}
