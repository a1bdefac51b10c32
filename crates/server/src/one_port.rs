//! One listener, five protocols: poem's server speaks HTTP/1.1, h2c and WebSocket upgrades on
//! the same socket, and this dispatcher sends every request whose content type is gRPC
//! (`application/grpc`, `-web`, `-web-text`) to tonic and everything else to poem's router.
//! It dispatches before any routing because tonic needs the full `/package.Service/Method` path.

use std::pin::Pin;
use std::task::{Context, Poll};

use http_body::{Body, Frame, SizeHint};
use poem::endpoint::{BoxEndpoint, TowerCompatExt};
use poem::{Endpoint, EndpointExt, Request, Response};
use sync_wrapper::SyncWrapper;
use tonic::service::Routes;
use tower::ServiceBuilder;

use crate::grpc::PeerIp;

/// tonic's response body is `Send` but not `Sync`, which poem requires. `SyncWrapper` makes it
/// `Sync`; since it only hands out `&mut`, the end-of-stream and size hints are read once up
/// front. Forwarding `is_end_stream` matters: an error answered "trailers-only" must go out as
/// one HEADERS frame with END_STREAM, or grpcio reports `Stream removed` and loses the details.
struct SyncBody<B> {
    inner: SyncWrapper<B>,
    empty_at_start: bool,
    size_hint: SizeHint,
}

impl<B: Body + Unpin> SyncBody<B> {
    fn new(body: B) -> Self {
        SyncBody { empty_at_start: body.is_end_stream(), size_hint: body.size_hint(), inner: SyncWrapper::new(body) }
    }
}

impl<B: Body + Unpin> Body for SyncBody<B> {
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        Pin::new(self.get_mut().inner.get_mut()).poll_frame(cx)
    }
    fn is_end_stream(&self) -> bool {
        self.empty_at_start
    }
    fn size_hint(&self) -> SizeHint {
        self.size_hint
    }
}

/// Is this request for tonic? gRPC, gRPC-Web and gRPC-Web-text all start with `application/grpc`.
fn is_grpc(request: &Request) -> bool {
    request.content_type().is_some_and(|ct| ct.starts_with("application/grpc"))
}

/// The top-level endpoint: gRPC to tonic, everything else to `http`.
pub struct OnePort {
    grpc: BoxEndpoint<'static, Response>,
    http: BoxEndpoint<'static, Response>,
}

impl OnePort {
    pub fn new(grpc: Routes, http: BoxEndpoint<'static, Response>) -> OnePort {
        // The body wrapper is outermost, around the gRPC-Web translation.
        let grpc = ServiceBuilder::new()
            .map_response(|mut response: http::Response<tonic::body::Body>| {
                crate::grpc::restate_oversized_message(response.headers_mut());
                response.map(SyncBody::new)
            })
            .layer(tonic_web::GrpcWebLayer::new())
            .service(grpc)
            .compat()
            .map_to_response()
            .boxed();
        OnePort { grpc, http }
    }
}

impl Endpoint for OnePort {
    type Output = Response;

    async fn call(&self, mut request: Request) -> poem::Result<Response> {
        if is_grpc(&request) {
            if let Some(ip) = crate::peer_ip(&request) {
                request.extensions_mut().insert(PeerIp(ip));
            }
            // Deadlines: a call not answered within its grpc-timeout gets DEADLINE_EXCEEDED.
            match request.header("grpc-timeout").and_then(crate::grpc::grpc_timeout) {
                Some(timeout) => match tokio::time::timeout(timeout, self.grpc.call(request)).await {
                    Ok(answer) => answer,
                    Err(_) => Ok(crate::grpc::deadline_exceeded()),
                },
                None => self.grpc.call(request).await,
            }
        } else {
            self.http.call(request).await
        }
    }
}
