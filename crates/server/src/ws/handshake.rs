//! The opening handshake of RFC 6455 (§4.2), answered here so that the connection is
//! tungstenite's own stream: a wrapper with a message type of its own would convert every
//! message, copying each text into a new string, on the lane's hottest path.

use poem::http::{header, HeaderMap, HeaderValue, StatusCode};
use poem::{Request, Response, Upgraded};
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::{Role, WebSocketConfig};
use tokio_tungstenite::WebSocketStream;

use playground_domain::DomainError;

/// The only version of the protocol there is: RFC 6455's.
const VERSION: &str = "13";

/// A WebSocket connection over the upgraded HTTP/1.1 socket.
pub type Socket = WebSocketStream<Upgraded>;

/// Answers a request to become a WebSocket: the 101, with `serve` then running on the
/// connection in a task of its own; or, in the shared error form, why it cannot become one.
pub fn upgrade<Serve, Served>(request: &Request, config: WebSocketConfig, serve: Serve) -> Response
where
    Serve: FnOnce(Socket) -> Served + Send + 'static,
    Served: std::future::Future<Output = ()> + Send + 'static,
{
    let (accept, on_upgrade) = match check(request) {
        Ok(accepted) => accepted,
        Err((status, why)) => return refuse(status, why),
    };
    tokio::spawn(async move {
        if let Ok(upgraded) = on_upgrade.await {
            serve(WebSocketStream::from_raw_socket(upgraded, Role::Server, Some(config)).await).await;
        }
    });
    Response::builder()
        .status(StatusCode::SWITCHING_PROTOCOLS)
        .header(header::CONNECTION, "upgrade")
        .header(header::UPGRADE, "websocket")
        .header(header::SEC_WEBSOCKET_ACCEPT, accept)
        .finish()
}

/// The handshake's answer key and the socket to come, or the status and reason of a refusal:
/// 426 Upgrade Required when the request does not ask for WebSocket 13, 400 when it is incomplete.
fn check(request: &Request) -> Result<(HeaderValue, poem::OnUpgrade), (StatusCode, &'static str)> {
    let headers = request.headers();
    if !lists_token(headers, header::UPGRADE, "websocket") || !lists_token(headers, header::CONNECTION, "upgrade") {
        return Err((
            StatusCode::UPGRADE_REQUIRED,
            "/ws speaks WebSocket: send Upgrade: websocket and Connection: Upgrade",
        ));
    }
    if headers.get(header::SEC_WEBSOCKET_VERSION).is_none_or(|version| version != VERSION) {
        return Err((StatusCode::UPGRADE_REQUIRED, "this server speaks WebSocket version 13"));
    }
    let key = headers
        .get(header::SEC_WEBSOCKET_KEY)
        .ok_or((StatusCode::BAD_REQUEST, "the handshake needs a Sec-WebSocket-Key"))?;
    let on_upgrade = request
        .take_upgrade()
        .map_err(|_| (StatusCode::BAD_REQUEST, "this connection cannot be upgraded more than once"))?;
    let accept = HeaderValue::try_from(derive_accept_key(key.as_bytes())).expect("base64 is a valid header value");
    Ok((accept, on_upgrade))
}

/// Does a comma-separated header list this token (compared without case, as RFC 6455 asks)?
fn lists_token(headers: &HeaderMap, name: header::HeaderName, token: &str) -> bool {
    headers
        .get_all(name)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .any(|value| value.split(',').any(|listed| listed.trim().eq_ignore_ascii_case(token)))
}

/// The refusal of a request that cannot become a WebSocket, with the `Upgrade` and version it
/// would need.
fn refuse(status: StatusCode, why: &str) -> Response {
    let mut response = crate::rest::problem_response(status, DomainError::invalid("upgrade", why));
    response.headers_mut().insert(header::UPGRADE, HeaderValue::from_static("websocket"));
    response.headers_mut().insert(header::SEC_WEBSOCKET_VERSION, HeaderValue::from_static(VERSION));
    response
}
