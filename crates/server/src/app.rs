//! Builds the one endpoint from settings and runs it on an already bound listener, so tests
//! can bind port 0 and the binary can bind what `--listen` says.

use futures_util::future::BoxFuture;
use std::net::SocketAddr;
use std::sync::Arc;

use playground_domain::Playground;
use poem::endpoint::BoxEndpoint;
use poem::http::Method;
use poem::middleware::Cors;
use poem::{get, Endpoint, EndpointExt, Response, Route};

use crate::config::Settings;
use crate::gate::{Gate, Shutdown};
use crate::observe::Observe;
use crate::one_port::{CorsForBrowsers, GrpcLane, OnePort};
use crate::serve::{ConnectionBounds, Lanes};
use crate::{graphql, grpc, oauth, ops, rest, soap, web, ws};

/// Every protocol's endpoint on one router, behind the one-port dispatcher, beside the lane of
/// plain gRPC; and what observes each call, which the accept loop also needs (the simulated round
/// trip, open connections).
pub async fn build(
    settings: &Settings,
    base_url: &str,
    shutdown: Shutdown,
) -> anyhow::Result<(Lanes<impl Endpoint<Output = Response>>, Arc<Observe>)> {
    let webhooks = playground_domain::webhooks::Webhooks::with_check(crate::webhooks::target_check(
        settings.webhook_allow.clone(),
    ));
    let playground = Arc::new(Playground::with_webhooks(settings.event_history, webhooks));
    if let Some(seed) = settings.seed {
        playground_domain::seed::seed(&playground, seed);
    }
    let tokens = crate::tokens::Tokens::with_keys(
        base_url,
        settings.access_token_ttl,
        settings.signing_key_lifetime,
        &settings.signing_keys,
    )?;
    let gate = Arc::new(Gate::new(settings, playground, shutdown, Arc::new(tokens)));
    let observe = Arc::new(Observe::new(gate.metrics().clone(), settings.knobs.simulate_rtt));
    crate::webhooks::start(gate.playground_arc(), gate.metrics().clone(), gate.shutdown().clone());
    let limits = &settings.limits;
    let comparisons = rest::Comparisons {
        target: match settings.tls {
            Some(_) => None,
            None => Some(playground_client::requests::Target::from_url(base_url).await?),
        },
        runs: Arc::new(tokio::sync::Semaphore::new(limits.compare_runs)),
    };
    let rest_api = rest::api(gate.clone(), comparisons);
    let rest_document = rest::service(rest_api.clone(), base_url).spec();
    let authorization_server = Arc::new(crate::oauth::AuthorizationServer::new(gate.clone(), settings, base_url));
    let document = Arc::new(rest::complete_document(&rest_document, base_url)?);
    let openapi_json = poem::endpoint::make_sync(move |_| {
        Response::builder().content_type("application/json; charset=utf-8").body(document.as_str().to_owned())
    });
    let get_post: &[Method] = &[Method::GET, Method::POST];
    let allowed = rest::AllowedMethods::of_routes(&[
        ("/ws", &[Method::GET]),
        ("/graphql/ws", &[Method::GET]),
        ("/oauth/authorize", get_post),
        ("/oauth/token", &[Method::POST]),
        ("/oauth/introspect", &[Method::POST]),
        ("/oauth/revoke", &[Method::POST]),
    ])?;
    let schemas = graphql::schemas(gate.clone(), limits.graphql_max_depth, limits.graphql_max_complexity);
    let openrpc = ws::OpenRpc::new(&format!("{}/ws", base_url.replacen("http", "ws", 1)));
    let rest = rest::Lane::new(rest_api, &rest_document, limits.max_body_bytes)?;
    let http = Route::new()
        .at("/openapi.json", openapi_json)
        .at("/docs", get(rest::swagger_ui::page))
        .at("/docs/assets/:file", get(rest::swagger_ui::asset))
        .at("/graphql/ws", get(graphql::subscriptions).data(schemas.clone()))
        .at("/graphql/assets/:file", get(graphql::graphiql_asset))
        .at("/graphql/schema.graphql", get(graphql::sdl).data(schemas.clone()))
        .at(
            "/ws",
            get(ws::endpoint)
                .data(ws::ConnectionLimits {
                    max_message_bytes: limits.max_body_bytes,
                    ping_interval: settings.ws_ping_interval,
                    max_batch: limits.jsonrpc_max_batch,
                })
                .data(openrpc.clone())
                .data(observe.clone())
                .data(gate.clone()),
        )
        .at("/ws/openrpc.json", get(ws::openrpc_document).data(openrpc))
        .at("/", get(web::index))
        .at(
            "/oauth/authorize",
            get(oauth::authorize_page).post(oauth::authorize_answer).data(authorization_server.clone()),
        )
        .at("/oauth/token", poem::post(oauth::token_endpoint).data(authorization_server.clone()))
        .at("/oauth/introspect", poem::post(oauth::introspect_endpoint).data(authorization_server.clone()))
        .at("/oauth/revoke", poem::post(oauth::revoke_endpoint).data(authorization_server.clone()))
        .at("/.well-known/oauth-authorization-server", get(oauth::metadata_endpoint).data(authorization_server))
        .at("/web/*path", get(web::asset))
        .at("/healthz", get(ops::healthz))
        .at("/readyz", get(ops::readyz))
        .at("/metrics", get(ops::metrics).data(gate.clone()))
        .catch_all_error(rest::catch_all)
        .with(allowed);
    let http: BoxEndpoint<'static, Response> = http.boxed();
    let graphql = graphql::GraphqlEndpoint::new(schemas, limits.max_body_bytes)?;
    let soap = soap::SoapEndpoint::new(gate.clone(), limits.max_body_bytes, base_url)?;
    let grpc = grpc::routes(gate, limits.max_body_bytes).await?;
    // CORS around everything, gRPC included, so a browser page on another origin can call
    // every protocol (gRPC-Web's preflight reaches this layer before the dispatcher).
    let cors = Cors::new().expose_headers([
        "grpc-status",
        "grpc-message",
        "grpc-status-details-bin",
        "etag",
        "link",
        "location",
        "retry-after",
        "ratelimit",
        "ratelimit-policy",
        "x-request-id",
    ]);
    let grpc_lane = GrpcLane::new(grpc.clone(), observe.clone());
    let endpoint = CorsForBrowsers::new(OnePort::new(grpc, rest, graphql, soap, http, observe.clone()), cors);
    Ok((Lanes { grpc: grpc_lane, endpoint }, observe))
}

/// The start-up banner: where each protocol lives and how to call it.
fn banner(settings: &Settings, base_url: &str, addr: SocketAddr) -> String {
    let host = addr.to_string();
    let auth = if settings.no_auth {
        "auth       off (--no-auth): every operation is open".to_owned()
    } else {
        let keys: Vec<String> = settings.api_keys.iter().map(|key| format!("{} [{}]", key.key, key.scopes)).collect();
        let logins: Vec<String> =
            settings.accounts.iter().map(|account| format!("{} / {}", account.username, account.password)).collect();
        let clients: Vec<String> = settings
            .clients
            .iter()
            .map(|client| match &client.secret {
                Some(secret) => format!("{} / {} (confidential)", client.client_id, secret),
                None => format!("{} (public, PKCE)", client.client_id),
            })
            .collect();
        format!(
            "api keys   {}  (header X-API-Key or query api_key)\n  logins     {}  (POST {base_url}/auth/login -> JWT; keys at /.well-known/jwks.json)\n  oauth      {}  ({base_url}/.well-known/oauth-authorization-server)",
            keys.join(", "),
            logins.join(", "),
            clients.join(", ")
        )
    };
    let data = match settings.seed {
        Some(seed) => format!("demo data seed {seed}"),
        None => "no data (--empty)".to_owned(),
    };
    let (ws_url, grpc_at) = match settings.tls {
        Some(_) => (format!("wss://{host}/ws"), format!("{host} (h2 over TLS)")),
        None => (format!("ws://{host}/ws"), format!("{host} (h2c)")),
    };
    let rest_url = format!("{base_url}/api/v1/users/42");
    let graphql_url = format!("{base_url}/graphql");
    let soap_url = format!("{base_url}/soap");
    format!(
        "api-playground {version}: five protocols, one port, {data}
  page       {base_url}/  (one call on all five, side by side; or: api-playground compare getUser --id 42)
  REST       {rest_url:<44} OpenAPI {base_url}/openapi.json, Swagger UI {base_url}/docs
  GraphQL    {graphql_url:<44} {{ user(id: 42) {{ name email }} }}; GraphiQL in a browser
  gRPC       {grpc_at:<44} playground.v1.UserService/GetUser, with reflection
  WebSocket  {ws_url:<44} {{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"users.get\",\"params\":{{\"id\":42}}}}
  SOAP       {soap_url:<44} WSDL {base_url}/soap?wsdl
  events     {base_url}/api/v1/events (poll, ?wait= long poll), /api/v1/events/stream (SSE)
  ops        {base_url}/healthz  {base_url}/readyz  {base_url}/metrics
  {auth}
  rate       burst {burst}, {per_second}/s per caller, shared by all protocols",
        version = env!("CARGO_PKG_VERSION"),
        burst = settings.default_tier.burst,
        per_second = settings.default_tier.per_second,
    )
}

/// Whether the server tells stdout where it listens (the binary) or keeps quiet (tests, bench).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Announce {
    Banner,
    Quiet,
}

/// Serves until `shutdown` resolves, then drains in-flight requests.
///
/// Boxed, and not an `async fn`: rustc compiles an `async fn`'s body in every crate that awaits
/// it, so the whole server would be compiled again in each test binary. A boxed future is
/// compiled once, here.
pub fn serve(
    settings: Settings,
    listener: tokio::net::TcpListener,
    announce: Announce,
    shutdown: BoxFuture<'static, ()>,
) -> BoxFuture<'static, anyhow::Result<()>> {
    Box::pin(serve_until(settings, listener, announce, shutdown))
}

async fn serve_until(
    settings: Settings,
    listener: tokio::net::TcpListener,
    announce: Announce,
    shutdown: BoxFuture<'static, ()>,
) -> anyhow::Result<()> {
    let addr = listener.local_addr()?;
    let scheme = if settings.tls.is_some() { "https" } else { "http" };
    let base_url = format!("{scheme}://{addr}");
    let (trigger, signal) = Shutdown::new();
    let (lanes, observe) = build(&settings, &base_url, signal).await?;
    if announce == Announce::Banner {
        println!("listening on {base_url}");
        println!("{}", banner(&settings, &base_url, addr));
    }
    let drained = async move {
        shutdown.await;
        // Long polls, streams and WebSocket connections end now, so the drain is quick.
        let _ = trigger.send(true);
    };
    let bounds = ConnectionBounds {
        max_connections: settings.limits.max_connections,
        max_header_bytes: settings.limits.max_header_bytes,
    };
    crate::serve::run_until(listener, settings.tls.clone(), lanes, bounds, observe, drained).await
}

/// A server with the demo data on a free loopback port, quiet, for `bench` and `compare` without
/// `--url`; `unlimited` lifts the rate limit out of any benchmark's reach, and `simulate_rtt`
/// makes loopback as slow as a network with that round trip (`--simulate-rtt`).
pub async fn spawn_local(
    unlimited: bool,
    simulate_rtt: Option<std::time::Duration>,
) -> anyhow::Result<(SocketAddr, tokio::task::JoinHandle<()>)> {
    let args = crate::config::ServeArgs { simulate_rtt, ..crate::config::ServeArgs::on_free_port() };
    let mut settings = Settings::load(&args)?;
    if unlimited {
        settings.default_tier = crate::config::RateTier { burst: u32::MAX, per_second: u32::MAX };
    }
    let listener = tokio::net::TcpListener::bind(settings.listen).await?;
    let addr = listener.local_addr()?;
    let server = tokio::spawn(async move {
        if let Err(error) = serve(settings, listener, Announce::Quiet, Box::pin(std::future::pending())).await {
            eprintln!("the in-process server stopped: {error:#}");
        }
    });
    Ok((addr, server))
}

/// Resolves on SIGINT (Ctrl-C) or SIGTERM.
pub async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
}
