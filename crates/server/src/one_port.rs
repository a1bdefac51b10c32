//! One listener, five protocols: the accept loop (`serve`) speaks HTTP/1.1, h2c and WebSocket
//! upgrades on the same socket, and this dispatcher sends every request whose content type is gRPC
//! (`application/grpc`, `-web`, `-web-text`) to tonic and everything else to poem's routers.
//! It dispatches before any routing because tonic needs the full `/package.Service/Method` path;
//! REST, the busiest face, goes straight to its own router too, and GraphQL and SOAP to their endpoints.
//! Plain gRPC over HTTP/2 needs no poem at all: the accept loop hands it to [`GrpcLane`] as hyper
//! read it.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures_util::future::Either;
use futures_util::FutureExt;
use http_body::{Body, Frame, SizeHint};
use http_body_util::BodyExt;
use poem::endpoint::{BoxEndpoint, DynEndpoint, TowerCompatExt};
use poem::middleware::{Cors, CorsEndpoint};
use poem::{Endpoint, EndpointExt, Middleware, Request, Response};
use sync_wrapper::SyncWrapper;
use tonic::service::Routes;
use tower::ServiceBuilder;

use crate::call_scope::Protocol;
use crate::graphql::GraphqlEndpoint;
use crate::grpc::PeerIp;
use crate::observe::Observe;
use crate::serve::ResponseBody;
use crate::soap::SoapEndpoint;

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

/// tonic's answer as both gRPC paths hand it on: an oversized message's status restated, the body
/// made `Sync`.
fn tonic_answer(mut response: http::Response<tonic::body::Body>) -> http::Response<SyncBody<tonic::body::Body>> {
    crate::grpc::restate_oversized_message(response.headers_mut());
    response.map(SyncBody::new)
}

/// Is this request for tonic? gRPC, gRPC-Web and gRPC-Web-text all start with `application/grpc`.
pub fn is_grpc(headers: &http::HeaderMap) -> bool {
    headers.get(http::header::CONTENT_TYPE).is_some_and(|ct| ct.as_bytes().starts_with(b"application/grpc"))
}

/// Is this gRPC-Web (`application/grpc-web`, `-web+proto`, `-web-text`), which tonic-web
/// translates, rather than gRPC itself?
fn is_grpc_web(headers: &http::HeaderMap) -> bool {
    headers.get(http::header::CONTENT_TYPE).is_some_and(|ct| ct.as_bytes().starts_with(b"application/grpc-web"))
}

/// Which protocol a request speaks, by its content type and path.
fn protocol_of(request: &Request) -> Protocol {
    let path = request.uri().path();
    if is_grpc(request.headers()) {
        Protocol::Grpc
    } else if crate::rest::is_rest(path) {
        Protocol::Rest
    } else if path == crate::graphql::PATH || path.starts_with("/graphql/") {
        Protocol::Graphql
    } else if path == crate::soap::PATH {
        Protocol::Soap
    } else if path == "/ws" {
        Protocol::Ws
    } else {
        Protocol::Http
    }
}

/// Plain gRPC over HTTP/2 (not gRPC-Web, not from a browser page), from hyper straight to tonic,
/// observed as every call is. Through poem, each call and its answer would be converted to poem's
/// types and back, and its message read through poem's body; gRPC needs none of poem's routing.
pub struct GrpcLane {
    routes: Routes,
    observe: Arc<Observe>,
}

impl GrpcLane {
    pub fn new(routes: Routes, observe: Arc<Observe>) -> GrpcLane {
        GrpcLane { routes, observe }
    }

    /// Does this request take the lane? A request with `Origin` comes from a page and goes
    /// through the CORS layer, and gRPC-Web and gRPC over HTTP/1.1 go through the dispatcher.
    pub fn takes<B>(request: &http::Request<B>) -> bool {
        let headers = request.headers();
        // Method and version first: they are read without a lookup, and every gRPC call is a POST.
        request.method() == http::Method::POST
            && request.version() == http::Version::HTTP_2
            && is_grpc(headers)
            && !is_grpc_web(headers)
            && !headers.contains_key(http::header::ORIGIN)
    }

    /// One call: its peer's address for the anonymous budget, its deadline, its observation.
    pub fn call<B>(
        &self,
        mut request: http::Request<B>,
        peer: std::net::IpAddr,
    ) -> impl Future<Output = http::Response<ResponseBody>> + Send + use<'_, B>
    where
        B: Body<Data = bytes::Bytes, Error: Into<tower::BoxError>> + Send + 'static,
    {
        let begun = self.observe.begin(Protocol::Grpc, request.method(), request.uri().path(), request.headers());
        let timeout = crate::grpc::timeout_of(request.headers());
        request.extensions_mut().insert(PeerIp(peer));
        let call = tower::ServiceExt::oneshot(self.routes.clone(), request).map(|answer| {
            let Ok(response) = answer;
            response
        });
        let answer = crate::grpc::within(timeout, call, tonic::Status::into_http)
            .map(|response| tonic_answer(response).map(|body| ResponseBody::new(body.map_err(std::io::Error::other))));
        self.observe.serve(begun, answer)
    }
}

/// The top-level endpoint: gRPC to tonic, `/api/v1` to the REST lane, `/graphql` to GraphQL,
/// `/soap` to SOAP, everything else to `http`, each request observed on its way (knobs, metrics,
/// access log).
pub struct OnePort<R> {
    grpc: BoxEndpoint<'static, Response>,
    grpc_web: BoxEndpoint<'static, Response>,
    rest: R,
    graphql: GraphqlEndpoint,
    soap: SoapEndpoint,
    http: BoxEndpoint<'static, Response>,
    observe: Arc<Observe>,
}

impl<R: Endpoint<Output = Response>> OnePort<R> {
    pub fn new(
        grpc: Routes,
        rest: R,
        graphql: GraphqlEndpoint,
        soap: SoapEndpoint,
        http: BoxEndpoint<'static, Response>,
        observe: Arc<Observe>,
    ) -> OnePort<R> {
        // gRPC-Web is translated to gRPC on its way in and back on its way out; plain gRPC goes
        // to tonic as it is, without passing through the translation.
        let grpc_web = ServiceBuilder::new()
            .map_response(tonic_answer)
            .layer(tonic_web::GrpcWebLayer::new())
            .service(grpc.clone())
            .compat()
            .map_to_response()
            .boxed();
        let grpc = ServiceBuilder::new().map_response(tonic_answer).service(grpc).compat().map_to_response().boxed();
        OnePort { grpc, grpc_web, rest, graphql, soap, http, observe }
    }

    fn grpc(&self, mut request: Request) -> impl Future<Output = poem::Result<Response>> + Send + use<'_, R> {
        if let Some(ip) = crate::peer_ip(&request) {
            request.extensions_mut().insert(PeerIp(ip));
        }
        let timeout = crate::grpc::timeout_of(request.headers());
        let grpc = match (is_grpc_web(request.headers()), request.version()) {
            (true, _) => Some(&self.grpc_web),
            (false, http::Version::HTTP_2) => Some(&self.grpc),
            // HTTP/1.1 cannot carry gRPC's trailers to most clients: refused, saying what works.
            (false, _) => None,
        };
        let call = grpc.map(|grpc| DynEndpoint::call(grpc.as_ref(), request));
        async move {
            let Some(call) = call else {
                return Ok(crate::grpc::refused(playground_domain::DomainError::invalid(
                    "protocol",
                    "gRPC needs HTTP/2 (h2, or h2c with prior knowledge); over HTTP/1.1 use gRPC-Web",
                )));
            };
            crate::grpc::within(timeout, call, |expired| Ok(crate::grpc::trailers_only(expired))).await
        }
    }
}

impl<R: Endpoint<Output = Response>> Endpoint for OnePort<R> {
    type Output = Response;

    // Combinators rather than an `async fn`, as in the REST lane: no copy of the request is
    // kept at this level, so the request's future stays small.
    fn call(&self, request: Request) -> impl Future<Output = poem::Result<Response>> + Send {
        let protocol = protocol_of(&request);
        let begun = self.observe.begin(protocol, request.method(), request.uri().path(), request.headers());
        let answer = match protocol {
            Protocol::Grpc => Either::Left(self.grpc(request)),
            Protocol::Rest => Either::Right(Either::Left(self.rest.call(request))),
            // GraphQL's and SOAP's one paths answer every method themselves, so they need no
            // router either. Their futures are boxed: they hold the body being read and the
            // credentials (GraphQL's the whole engine), and unboxed they would set the size of
            // every protocol's request future, which is moved several times on its way.
            Protocol::Graphql if request.uri().path() == crate::graphql::PATH => {
                Either::Right(Either::Right(Either::Left(Box::pin(self.graphql.call(request)))))
            }
            Protocol::Soap => {
                Either::Right(Either::Right(Either::Right(Either::Left(Box::pin(self.soap.call(request))))))
            }
            _ => Either::Right(Either::Right(Either::Right(Either::Right(DynEndpoint::call(
                self.http.as_ref(),
                request,
            ))))),
        };
        self.observe.serve(begun, answer)
    }
}

/// CORS around the one port, for browser requests only: a request without `Origin` is not a
/// CORS request, so it goes straight to the dispatcher instead of through the CORS layer.
pub struct CorsForBrowsers<E> {
    direct: Arc<E>,
    cors: CorsEndpoint<Arc<E>>,
}

impl<E: Endpoint<Output = Response>> CorsForBrowsers<E> {
    pub fn new(endpoint: E, cors: Cors) -> Self {
        let direct = Arc::new(endpoint);
        CorsForBrowsers { cors: cors.transform(direct.clone()), direct }
    }
}

impl<E: Endpoint<Output = Response>> Endpoint for CorsForBrowsers<E> {
    type Output = Response;

    fn call(&self, request: Request) -> impl Future<Output = poem::Result<Response>> + Send {
        if request.headers().contains_key(http::header::ORIGIN) {
            // Boxed: the rarer path does not make every request's future larger.
            Either::Left(Box::pin(self.cors.call(request)))
        } else {
            Either::Right(self.direct.as_ref().call(request))
        }
    }
}
