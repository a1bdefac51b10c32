//! The accept loop under the one port. hyper serves each connection (TLS first, when configured)
//! as HTTP/1.1, h2c or HTTP/2 with upgrades, and hands every request to the one endpoint, or plain
//! gRPC over HTTP/2 to its own lane. The loop owns the connection-level bounds: how many
//! connections, how large a header block, how long a client may take to send one, and how long a
//! shutdown waits for answers in flight.

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use futures_util::future::{ready, Either};
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use playground_domain::{DomainError, ErrorCode};
use poem::http::uri::Scheme;
use poem::web::{LocalAddr, RemoteAddr};
use poem::{Endpoint, Response};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio_rustls::rustls::ServerConfig;

use crate::head_timer::HeadTimer;
use crate::metrics::GaugeGuard;
use crate::observe::Observe;
use crate::one_port::GrpcLane;

/// What hyper hands back: poem's response body, or tonic's, boxed once.
pub type ResponseBody = http_body_util::combinators::BoxBody<bytes::Bytes, std::io::Error>;

/// How long in-flight requests get to finish after a shutdown signal.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(5);
/// A client that has not sent a whole request head by then is disconnected (slowloris).
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// A TLS client that has not finished its handshake by then is dropped.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a connection over the limit is given to receive its 503.
const REFUSAL_TIMEOUT: Duration = Duration::from_secs(2);

/// The connection-level bounds of CONTRACT §8.
#[derive(Debug, Clone, Copy)]
pub struct ConnectionBounds {
    pub max_connections: usize,
    pub max_header_bytes: usize,
}

/// Where the accept loop hands a request: plain gRPC over HTTP/2 to its lane, all else to poem.
pub struct Lanes<E> {
    pub grpc: GrpcLane,
    pub endpoint: E,
}

/// Serves `lanes` on `listener` until `shutdown` resolves, then lets answers in flight finish
/// (up to [`DRAIN_TIMEOUT`]). With `--simulate-rtt`, each new connection first waits one round
/// trip (the TCP handshake), and a TLS one another (the TLS 1.3 handshake).
pub async fn run_until<E>(
    listener: TcpListener,
    tls: Option<Arc<ServerConfig>>,
    lanes: Lanes<E>,
    bounds: ConnectionBounds,
    observe: Arc<Observe>,
    shutdown: impl Future<Output = ()>,
) -> anyhow::Result<()>
where
    E: Endpoint<Output = Response> + 'static,
{
    let local = LocalAddr(listener.local_addr()?.into());
    let lanes = Arc::new(lanes);
    let http = Arc::new(http_builder(bounds));
    let tls = tls.map(tokio_rustls::TlsAcceptor::from);
    let slots = Arc::new(Semaphore::new(bounds.max_connections));
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                // Out of file descriptors and the like: back off instead of spinning.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let _ = stream.set_nodelay(true);
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            tokio::spawn(refuse(stream, bounds.max_connections));
            continue;
        };
        // The slot goes with the socket, so a WebSocket keeps it after its upgrade.
        let stream = Counted { stream, _slot: slot, _open: observe.metrics().connection("tcp") };
        let rtt = observe.rtt();
        let connection = Connection {
            max_header_bytes: bounds.max_header_bytes,
            lanes: lanes.clone(),
            http: http.clone(),
            local: local.clone(),
            peer,
            watcher: graceful.watcher(),
        };
        let tls = tls.clone();
        tokio::spawn(async move {
            if !rtt.is_zero() {
                tokio::time::sleep(rtt).await;
            }
            match tls {
                None => connection.serve(stream, Scheme::HTTP).await,
                Some(tls) => {
                    if !rtt.is_zero() {
                        tokio::time::sleep(rtt).await;
                    }
                    if let Ok(Ok(stream)) = tokio::time::timeout(HANDSHAKE_TIMEOUT, tls.accept(stream)).await {
                        connection.serve(stream, Scheme::HTTPS).await;
                    }
                }
            }
        });
    }
    drop(listener);
    let _ = tokio::time::timeout(DRAIN_TIMEOUT, graceful.shutdown()).await;
    Ok(())
}

/// hyper and h2 read header blocks up to this many times the bound. Past the bound the accept
/// loop answers 431 itself, as problem+json or a gRPC status; past this, hyper's own bare 431.
const HEAD_READ_FACTOR: usize = 4;

fn http_builder(bounds: ConnectionBounds) -> auto::Builder<TokioExecutor> {
    let readable = bounds.max_header_bytes.saturating_mul(HEAD_READ_FACTOR).max(8192);
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder.http1().timer(HeadTimer::new()).header_read_timeout(HEADER_READ_TIMEOUT).max_buf_size(readable);
    builder.http2().timer(TokioTimer::new()).max_header_list_size(u32::try_from(readable).unwrap_or(u32::MAX));
    builder
}

/// The size of a request's head as the bound counts it: the request line and every header
/// line (HTTP/2's header list size counts each field's name, value and 32 bytes).
fn head_bytes(request: &hyper::Request<Incoming>) -> usize {
    // The target as written (`scheme://authority/path?query`), counted without writing it out.
    let uri = request.uri();
    let target = uri.scheme_str().map_or(0, |scheme| scheme.len() + 3)
        + uri.authority().map_or(0, |authority| authority.as_str().len())
        + uri.path_and_query().map_or(0, |path| path.as_str().len());
    let line = request.method().as_str().len() + target + 12;
    request.headers().iter().fold(line, |sum, (name, value)| sum + name.as_str().len() + value.len() + 4)
}

/// 431 with its canonical code (INVALID_ARGUMENT), in the form the client reads.
fn head_too_large(request: &hyper::Request<Incoming>, bound: usize) -> Response {
    let error = DomainError::invalid("headers", format!("the request's header block is over the {bound} byte bound"));
    refusal(request, poem::http::StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE, error)
}

/// A request the accept loop refuses before any endpoint sees it, in the form its client reads:
/// a gRPC status for gRPC, else problem+json with `status`.
fn refusal(request: &hyper::Request<Incoming>, status: poem::http::StatusCode, error: DomainError) -> Response {
    match crate::one_port::is_grpc(request.headers()) {
        true => crate::grpc::refused(error),
        false => crate::rest::problem_response(status, error),
    }
}

/// A socket that holds one of the connection slots for as long as it is open.
struct Counted {
    stream: TcpStream,
    _slot: OwnedSemaphorePermit,
    /// Counts the socket in `/metrics` while it is open.
    _open: GaugeGuard,
}

impl AsyncRead for Counted {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for Counted {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().stream).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_shutdown(cx)
    }
}

/// One accepted connection and what serving it needs.
struct Connection<E> {
    max_header_bytes: usize,
    lanes: Arc<Lanes<E>>,
    http: Arc<auto::Builder<TokioExecutor>>,
    local: LocalAddr,
    peer: SocketAddr,
    watcher: hyper_util::server::graceful::Watcher,
}

impl<E: Endpoint<Output = Response> + 'static> Connection<E> {
    async fn serve<S>(self, stream: S, scheme: Scheme)
    where
        S: AsyncRead + AsyncWrite + Send + Unpin + 'static,
    {
        let Connection { max_header_bytes, lanes, http, local, peer, watcher } = self;
        let remote = RemoteAddr(peer.into());
        let service = hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
            if head_bytes(&request) > max_header_bytes {
                let refusal = hyper::Response::<ResponseBody>::from(head_too_large(&request, max_header_bytes));
                return Either::Right(Either::Right(ready(Ok(refusal))));
            }
            let lanes = lanes.clone();
            // Each lane's future in a box of its own size: a request's future (the request, its
            // call scope, knobs and answer) is near a kilobyte, and hyper moves it, into a task of
            // its own for each HTTP/2 stream; a box moves as a pointer.
            if GrpcLane::takes(&request) {
                return Either::Right(Either::Left(Box::pin(
                    async move { Ok(lanes.grpc.call(request, peer.ip()).await) },
                )));
            }
            let (local, remote, scheme) = (local.clone(), remote.clone(), scheme.clone());
            // hyper's request becomes poem's inside the future, which then holds the smaller one.
            Either::Left(Box::pin(async move {
                let request = poem::Request::from((request, local, remote, scheme));
                let answer = lanes.endpoint.call(request).await.unwrap_or_else(poem::Error::into_response);
                Ok::<_, Infallible>(hyper::Response::<ResponseBody>::from(answer))
            }))
        });
        let connection = http.serve_connection_with_upgrades(TokioIo::new(stream), service);
        let _ = watcher.watch(connection.into_owned()).await;
    }
}

/// A connection over the limit gets one clear answer and is closed: UNAVAILABLE with a retry
/// delay, as problem+json (503 + `Retry-After`) or, for gRPC, as a gRPC status.
async fn refuse(stream: TcpStream, max_connections: usize) {
    let service = hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
        let error = DomainError::retry_after(
            ErrorCode::Unavailable,
            format!("the server is at its bound of {max_connections} connections; retry shortly"),
            1,
        );
        let response: hyper::Response<ResponseBody> =
            refusal(&request, poem::http::StatusCode::SERVICE_UNAVAILABLE, error).into();
        async move { Ok::<_, Infallible>(response) }
    });
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder.http1().keep_alive(false);
    let connection = builder.serve_connection(TokioIo::new(stream), service);
    let _ = tokio::time::timeout(REFUSAL_TIMEOUT, connection).await;
}
