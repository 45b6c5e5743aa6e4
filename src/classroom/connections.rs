//! The connection loop: each connection on a task of its own (TLS first, off loopback),
//! and the limits that keep one device from taking the room's server: a cap on open
//! connections, in all and per address, and an idle timeout.

use std::collections::HashMap;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::Request;
use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpListener;

/// Most connections open at once, WebSockets included: a class of 1,000 students holds
/// about two each (the page's requests and its event socket).
pub const MAX_CONNECTIONS: usize = 4096;
/// Most connections one address may hold open: a room behind one NAT address is about
/// 40 phones of a few connections each; one device's script cannot take the rest.
pub const MAX_CONNECTIONS_PER_ADDRESS: usize = 256;
/// A connection on which nothing has moved either way for this long is closed. The
/// pages make a request at least every few seconds, and their event sockets are pinged
/// (see [`PING_EVERY`]).
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(60);
/// How often the server pings an event socket; one that has not answered (or said
/// anything) for [`IDLE_TIMEOUT`] plus this is closed.
pub const PING_EVERY: Duration = Duration::from_secs(20);
/// The longest a client may take over a request's headers, or over TLS's handshake.
const HEADER_TIMEOUT: Duration = Duration::from_secs(20);

/// The peer of a connection, for the join rate limit.
#[derive(Debug, Clone, Copy)]
pub struct Peer(pub SocketAddr);

/// Open connections, in all and by address.
#[derive(Debug, Default)]
struct Open {
    total: usize,
    by_address: HashMap<IpAddr, usize>,
}

/// The connection limits, shared by the accept loop and every connection's slot.
#[derive(Debug)]
struct Limits {
    open: Mutex<Open>,
    /// [`MAX_CONNECTIONS`], or less where the process may not open so many files.
    most: usize,
}

impl Limits {
    fn open(&self) -> std::sync::MutexGuard<'_, Open> {
        self.open.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A slot for one more connection from `ip`, if the caps allow it.
    fn take(self: &Arc<Self>, ip: IpAddr) -> Option<Slot> {
        let mut open = self.open();
        let from_here = open.by_address.get(&ip).copied().unwrap_or(0);
        if open.total >= self.most || from_here >= MAX_CONNECTIONS_PER_ADDRESS {
            return None;
        }
        open.total += 1;
        *open.by_address.entry(ip).or_default() += 1;
        Some(Slot {
            limits: self.clone(),
            ip,
        })
    }
}

/// One open connection's place under the caps, given back when the last holder drops
/// it: the connection's task, or the WebSocket it was upgraded to (the request carries
/// the slot to the route as an extension).
#[derive(Debug)]
pub struct Slot {
    limits: Arc<Limits>,
    ip: IpAddr,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut open = self.limits.open();
        open.total = open.total.saturating_sub(1);
        if let Some(n) = open.by_address.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                open.by_address.remove(&self.ip);
            }
        }
    }
}

/// The most files this process may open, raised to the hard limit first: the soft
/// limit is often 1,024, a few hundred phones' worth.
fn file_limit() -> usize {
    #[cfg(unix)]
    {
        use rustix::process::{getrlimit, setrlimit, Resource};
        let mut limit = getrlimit(Resource::Nofile);
        if limit.current < limit.maximum {
            limit.current = limit.maximum;
            let _ = setrlimit(Resource::Nofile, limit);
        }
        let current = getrlimit(Resource::Nofile).current;
        current.map_or(usize::MAX, |n| usize::try_from(n).unwrap_or(usize::MAX))
    }
    #[cfg(not(unix))]
    {
        usize::MAX
    }
}

/// Serves `router` on `listener` until `shutdown` resolves: each connection on a task of
/// its own, TLS first where `tls` is set. A connection over the caps is closed at once
/// (on plain HTTP with a 503 that says why).
pub async fn serve(
    listener: TcpListener,
    router: Router,
    #[cfg(feature = "tls")] tls: Option<tokio_rustls::TlsAcceptor>,
    shutdown: impl std::future::Future<Output = ()>,
) {
    // Files for the listener, the capture, the class's own files and a margin.
    let limits = Arc::new(Limits {
        open: Mutex::new(Open::default()),
        most: MAX_CONNECTIONS.min(file_limit().saturating_sub(64).max(16)),
    });
    tokio::pin!(shutdown);
    loop {
        let (stream, addr) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                // Out of file descriptors, or a connection reset before it was taken:
                // wait a moment rather than spin.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => return,
        };
        let Some(slot) = limits.take(addr.ip()) else {
            #[cfg(feature = "tls")]
            let plain = tls.is_none();
            #[cfg(not(feature = "tls"))]
            let plain = true;
            if plain {
                tokio::spawn(refuse(stream));
            }
            continue;
        };
        let _ = stream.set_nodelay(true);
        let router = router.clone();
        #[cfg(feature = "tls")]
        let tls = tls.clone();
        tokio::spawn(async move {
            let slot = Arc::new(slot);
            let activity = Activity::new();
            let service = {
                let slot = slot.clone();
                hyper::service::service_fn(move |mut request: Request<hyper::body::Incoming>| {
                    request.extensions_mut().insert(Peer(addr));
                    request.extensions_mut().insert(slot.clone());
                    let mut router = router.clone();
                    async move {
                        use tower_service::Service;
                        router.call(request.map(Body::new)).await
                    }
                })
            };
            let mut http = hyper::server::conn::http1::Builder::new();
            http.timer(TokioTimer::new())
                .header_read_timeout(HEADER_TIMEOUT);
            #[cfg(feature = "tls")]
            if let Some(tls) = tls {
                let Ok(Ok(stream)) = tokio::time::timeout(HEADER_TIMEOUT, tls.accept(stream)).await
                else {
                    return;
                };
                let io = Watched::new(stream, activity.clone());
                let connection = http
                    .serve_connection(TokioIo::new(io), service)
                    .with_upgrades();
                until_idle(connection, &activity, IDLE_TIMEOUT).await;
                return;
            }
            let io = Watched::new(stream, activity.clone());
            let connection = http
                .serve_connection(TokioIo::new(io), service)
                .with_upgrades();
            until_idle(connection, &activity, IDLE_TIMEOUT).await;
        });
    }
}

/// The answer to a connection over the caps.
const TOO_MANY: &str = "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n\
Content-Length: 84\r\nConnection: close\r\n\r\n\
{\"error\":\"too many connections open (from this address, or in all); try again soon\"}";

/// Answers a connection over the caps with [`TOO_MANY`] and closes it: the request is
/// read and dropped for a moment first, since closing a socket with unread bytes resets
/// it, and a reset can throw away the answer before the client reads it.
async fn refuse(mut stream: tokio::net::TcpStream) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let answered = tokio::time::timeout(Duration::from_secs(1), async {
        stream.write_all(TOO_MANY.as_bytes()).await?;
        stream.shutdown().await?;
        let mut sink = [0u8; 4096];
        let mut left: usize = 64 * 1024;
        while left > 0 {
            let n = stream.read(&mut sink).await?;
            if n == 0 {
                break;
            }
            left = left.saturating_sub(n);
        }
        io::Result::Ok(())
    });
    let _ = answered.await;
}

/// Runs `connection` until it ends, or until nothing has moved on it for `limit`;
/// dropping it then closes the socket. An upgraded connection (the event socket) ends
/// here at the upgrade and lives on in its route.
async fn until_idle(connection: impl std::future::Future, activity: &Activity, limit: Duration) {
    let every = (limit / 4).min(Duration::from_secs(5));
    tokio::pin!(connection);
    loop {
        tokio::select! {
            _ = &mut connection => return,
            () = tokio::time::sleep(every) => {
                if activity.idle_for() >= limit {
                    return;
                }
            }
        }
    }
}

/// When a connection last moved a byte either way.
#[derive(Debug, Clone)]
struct Activity {
    since: Instant,
    /// Milliseconds from `since` to the last byte.
    last: Arc<AtomicU64>,
}

impl Activity {
    fn new() -> Self {
        Activity {
            since: Instant::now(),
            last: Arc::new(AtomicU64::new(0)),
        }
    }

    fn touch(&self) {
        let now = u64::try_from(self.since.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last.store(now, Ordering::Relaxed);
    }

    fn idle_for(&self) -> Duration {
        let last = Duration::from_millis(self.last.load(Ordering::Relaxed));
        self.since.elapsed().saturating_sub(last)
    }
}

/// A stream that notes each byte read or written in its [`Activity`].
struct Watched<T> {
    inner: T,
    activity: Activity,
}

impl<T> Watched<T> {
    fn new(inner: T, activity: Activity) -> Self {
        activity.touch();
        Watched { inner, activity }
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for Watched<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if matches!(polled, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.activity.touch();
        }
        polled
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Watched<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write(cx, buf);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        polled
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        polled
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(most: usize) -> Arc<Limits> {
        Arc::new(Limits {
            open: Mutex::new(Open::default()),
            most,
        })
    }

    #[test]
    fn one_address_gets_its_share_and_others_still_get_in() {
        let limits = limits(MAX_CONNECTIONS);
        let one: IpAddr = "10.0.0.1".parse().unwrap();
        let two: IpAddr = "10.0.0.2".parse().unwrap();
        let held: Vec<Slot> = (0..MAX_CONNECTIONS_PER_ADDRESS)
            .map(|_| limits.take(one).expect("under the cap"))
            .collect();
        assert!(limits.take(one).is_none());
        let other = limits
            .take(two)
            .expect("another address is not capped by the first");
        drop(held);
        assert!(limits.take(one).is_some());
        drop(other);
        assert_eq!(limits.open().total, 0);
        assert!(limits.open().by_address.is_empty());
    }

    #[test]
    fn the_total_is_capped_across_addresses() {
        let limits = limits(3);
        let slots: Vec<Slot> = (1..=3)
            .map(|i| limits.take(IpAddr::from([10, 0, 0, i])).unwrap())
            .collect();
        assert!(limits.take(IpAddr::from([10, 0, 0, 9])).is_none());
        drop(slots);
        assert!(limits.take(IpAddr::from([10, 0, 0, 9])).is_some());
    }

    #[test]
    fn a_connection_where_nothing_moves_is_dropped_and_a_busy_one_is_not() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap();
        runtime.block_on(async {
            let limit = Duration::from_millis(200);
            let idle = Activity::new();
            let started = Instant::now();
            until_idle(std::future::pending::<()>(), &idle, limit).await;
            let waited = started.elapsed();
            assert!(waited >= limit && waited < limit * 4, "{waited:?}");

            let busy = Activity::new();
            let touching = {
                let busy = busy.clone();
                tokio::spawn(async move {
                    loop {
                        busy.touch();
                        tokio::time::sleep(Duration::from_millis(20)).await;
                    }
                })
            };
            let started = Instant::now();
            let work = Duration::from_millis(700);
            until_idle(tokio::time::sleep(work), &busy, limit).await;
            assert!(started.elapsed() >= work, "a busy connection was cut");
            touching.abort();
        });
    }

    #[test]
    fn the_refusal_is_a_whole_http_answer() {
        let (head, body) = TOO_MANY.split_once("\r\n\r\n").unwrap();
        assert!(head.contains(&format!("Content-Length: {}", body.len())));
        assert!(serde_json::from_str::<serde_json::Value>(body).unwrap()["error"].is_string());
    }
}
